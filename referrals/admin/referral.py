"""The referral queue (changelist) and the review page (change view)."""

import re
from datetime import date, datetime
from functools import partial

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from referrals import admin_views, workflow
from referrals.admin import assisted, fhir, queue, reporting
from referrals.admin.review import indication_labels, language_facts, review_context
from referrals.audit import record_access, record_queue_reads
from referrals.models import (
    REFERENCE_ALPHABET,
    AccessEvent,
    Referral,
    ReferralEvent,
    phone_digits,
    phone_tail,
)

EDITABLE_FIELDS = ("assignee", "staff_notes")
_REFERENCE_RE = re.compile(rf"^[{REFERENCE_ALPHABET}]{{9}}$")
_PHONE_RE = re.compile(r"^[\s().+-]*(\d[\s().+-]*){7,15}$")
NAME_FIELDS = ("first_name", "last_name", "email")
REVIEWER_CHOICES_KEY = "referrals:reviewer-choices"
REVIEWER_CHOICES_SECONDS = 60
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y")


def parse_search_date(term: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(term, fmt).date()  # noqa: DTZ007 (a date of birth, no time zone)
        except ValueError:
            continue
    return None


def reviewers():
    """Active staff who can work the queue: the people a referral can be assigned to."""
    user_model = get_user_model()
    can_review = Q(groups__permissions__codename="review_referral") | Q(
        user_permissions__codename="review_referral"
    )
    return (
        user_model.objects.filter(is_active=True, is_staff=True)
        .filter(can_review | Q(is_superuser=True))
        .distinct()
        .order_by("username")
    )


def reviewer_choices() -> list[tuple[int, str]]:
    """The assignee menu's choices, cached for a minute (the review page renders it every time)."""
    choices = cache.get(REVIEWER_CHOICES_KEY)
    if choices is None:
        choices = [(user.pk, str(user)) for user in reviewers()]
        cache.set(REVIEWER_CHOICES_KEY, choices, REVIEWER_CHOICES_SECONDS)
    return choices


def search_condition(term: str) -> Q | None:
    """What a staff search means, each part answered by an index (docs/performance.md).

    - a reference code, with or without dashes, any case: exactly, through its unique index;
    - a date of birth (2026-01-31, 01/31/2026, 01-31-2026, 01/31/26): exactly (referral_birth_date);
    - a phone number, however it is spelled, 7 digits or more: by its last seven digits
      (the referral_phone_tail expression index);
    - anything else: every word is part of the first name, last name or email, case-insensitive
      (trigram indexes on PostgreSQL; words of three letters or more use them).
    """
    term = term.strip()
    if not term:
        return None
    born = parse_search_date(term)
    if born:
        return Q(date_of_birth=born)
    if _PHONE_RE.match(term):
        digits = re.sub(r"\D", "", term)
        condition = Q(phone_tail=digits[-7:])
        if len(digits) >= 10:
            condition &= Q(phone_digits__endswith=digits[-10:])
        return condition
    condition = Q()
    for word in term.split():
        condition &= Q(*(Q(**{f"{name}__icontains": word}) for name in NAME_FIELDS), _connector=Q.OR)
    compact = re.sub(r"[\s-]", "", term).upper()
    if _REFERENCE_RE.match(compact):
        condition |= Q(reference=f"{compact[:3]}-{compact[3:6]}-{compact[6:]}")
    return condition


# The queue's rows never show these (the review page does): not read for the 50 rows of a page.
QUEUE_DEFERRED = ("answers", "details", "provider_details", "scores", "clearance_snapshot")


class QueueChangeList(ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).defer(*QUEUE_DEFERRED)


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = [
        "reference_link",
        "patient",
        "indications",
        "source_short",
        "status_badge",
        "flags",
        "checklist_progress",
        "assignee",
        "waiting",
    ]
    list_display_links = None
    list_filter = [
        queue.QueueFilter,
        "status",
        queue.FlagFilter,
        queue.OverdueFilter,
        queue.AssigneeFilter,
        "source",
        queue.ChannelFilter,
        queue.IndicationFilter,
    ]
    list_select_related = ["assignee"]
    list_per_page = 50
    search_fields = ["reference", "first_name", "last_name", "email", "phone"]
    search_help_text = "Reference, name, email, phone or date of birth (for example 04/12/1981)."
    ordering = ["-urgent_safety", "created_at", "pk"]
    fields = list(EDITABLE_FIELDS)
    actions = None
    show_full_result_count = False
    change_list_template = "admin/referrals/referral/change_list.html"
    change_form_template = "admin/referrals/referral/change_form.html"

    # --- Clinical record: never added by hand, never deleted, answers never edited ---------------
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_module_permission(self, request):
        return request.user.has_perm(workflow.REVIEW_PERM) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(workflow.REVIEW_PERM)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(workflow.REVIEW_PERM)

    def get_readonly_fields(self, request, obj=None):
        # Everything but the assignee and notes; `fields` shows only those two on the form.
        return [f.name for f in self.model._meta.fields if f.name not in EDITABLE_FIELDS]

    def get_fields(self, request, obj=None):
        return list(EDITABLE_FIELDS)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name != "assignee":
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        # Choices from the cache; a posted choice is still checked against the database.
        field = super().formfield_for_foreignkey(db_field, request, queryset=reviewers(), **kwargs)
        field.choices = [("", field.empty_label), *reviewer_choices()]
        inner = getattr(field.widget, "widget", None)
        if inner is not None:
            inner.choices = field.choices
        return field

    def save_model(self, request, obj, form, change):
        # Only the two editable columns are written, so a status changed meanwhile by another
        # reviewer (through workflow.py) is never overwritten by this stale object.
        changed = [name for name in form.changed_data if name in EDITABLE_FIELDS]
        if not changed:
            return
        obj.save(update_fields=changed)
        data = {"fields": changed}
        if "assignee" in changed:
            data["assignee"] = obj.assignee.get_username() if obj.assignee else ""
        ReferralEvent.objects.create(
            referral=obj, kind=ReferralEvent.Kind.STAFF_EDIT, actor=request.user, data=data
        )

    def response_post_save_change(self, request, obj):
        # Saving the assignee or notes stays on the referral (it used to go back to the queue).
        return redirect(f"{reverse('admin:referrals_referral_change', args=[obj.pk])}#notes")

    def get_queryset(self, request):
        return queue.annotate_queue(super().get_queryset(request)).select_related("assignee")

    def get_object(self, request, object_id, from_field=None):
        # The review page needs the referral before Django's change view loads it: load it once.
        loaded = request.__dict__.setdefault("_referrals_loaded", {})
        key = (str(object_id), from_field)
        if key not in loaded:
            loaded[key] = super().get_object(request, object_id, from_field)
        return loaded[key]

    def get_changelist(self, request, **kwargs):
        return QueueChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return queue.QueuePaginator(queryset, per_page, orphans, allow_empty_first_page)

    def get_search_results(self, request, queryset, search_term):
        condition = search_condition(search_term)
        if condition is None:
            return queryset, False
        queryset = queryset.alias(phone_tail=phone_tail(), phone_digits=phone_digits())
        return queryset.filter(condition), False

    # --- Queue columns ----------------------------------------------------------------------------
    @admin.display(description="Reference", ordering="reference")
    def reference_link(self, obj):
        return format_html(
            '<a class="ref-code" href="{}">{}</a>',
            reverse("admin:referrals_referral_change", args=[obj.pk]),
            obj.reference,
        )

    @admin.display(description="Patient", ordering="last_name")
    def patient(self, obj):
        born = obj.date_of_birth.strftime("%m/%d/%Y") if obj.date_of_birth else ""
        cell = format_html('{}<br><span class="muted">born {}</span>', obj.patient_name, born)
        language = language_facts(obj)
        if language["plain_english"]:
            return cell  # the usual case says nothing: the column stays narrow
        badge = (
            format_html('<br><span class="badge badge-note badge-language">{}</span>', "Completed in Spanish")
            if language["completed_in_spanish"]
            else ""
        )
        return format_html(
            '{}{}<br><span class="muted">prefers {}</span>', cell, badge, language["preferred"]
        )

    @admin.display(description="Indications")
    def indications(self, obj):
        return "; ".join(indication_labels(obj, short=True))

    @admin.display(description="Source", ordering="source")
    def source_short(self, obj):
        short = "Provider" if obj.source == Referral.Source.PROVIDER else "Self"
        if obj.intake_channel and obj.intake_channel != Referral.Channel.ONLINE:
            return f"{short} ({obj.get_intake_channel_display()})"
        return short

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj):
        reply = (
            format_html(' <span class="badge badge-reply">{}</span>', "Reply received")
            if getattr(obj, "reply_unread", False)
            else ""
        )
        return format_html(
            '<span class="status status-{}">{}</span>{}<br><span class="muted">for {}</span>',
            obj.status,
            obj.get_status_display(),
            reply,
            queue.time_in_status(obj),
        )

    @admin.display(description="Flags")
    def flags(self, obj):
        badges = []
        if obj.urgent_safety:
            badges.append(("urgent", "Urgent safety"))
        if obj.asq_acute:
            badges.append(("urgent", "Acute"))
        if obj.has_absolute:
            badges.append(("absolute", "Absolute"))
        if obj.has_relative:
            badges.append(("relative", "Relative"))
        if obj.possible_duplicate:
            badges.append(("info", "Possible duplicate"))
        if obj.differences:
            badges.append(("info", "Provider/patient differ"))
        return format_html_join(" ", '<span class="badge badge-{}">{}</span>', badges)

    @admin.display(description="Checklist")
    def checklist_progress(self, obj):
        return format_html(
            '<span class="progress-count" title="{} of {} checklist items done, waived or not applicable">'
            "{}/{}</span>",
            obj.items_done,
            obj.items_total,
            obj.items_done,
            obj.items_total,
        )

    @admin.display(description="Waiting", ordering="created_at")
    def waiting(self, obj):
        waited = queue.waiting(obj)
        days = waited["business_days"]
        text = f"{days} business day{'s' if days != 1 else ''}"
        if not waited["clock_running"]:
            return format_html('<span class="muted">{}</span>', text)
        if obj.overdue:
            return format_html(
                '{} <span class="badge badge-overdue">Overdue</span><br><span class="muted">due {}</span>',
                text,
                waited["due"].strftime("%a %m/%d"),
            )
        return format_html(
            '{}<br><span class="muted">due {}</span>', text, waited["due"].strftime("%a %m/%d")
        )

    # --- The review page -----------------------------------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, object_id)
        if obj is not None and self.has_view_permission(request, obj):
            extra_context["review"] = review_context(obj, request.user)
            record_access(request, AccessEvent.Action.VIEW_REFERRAL, referral=obj)
            extra_context["title"] = f"Referral {obj.reference}"
            extra_context["subtitle"] = ""  # the reference is the title already
        # The queue and the review page need the width; the sidebar lists one model anyway.
        extra_context["is_nav_sidebar_enabled"] = False
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "routine_days": settings.ROUTINE_TARGET_BUSINESS_DAYS,
            "is_nav_sidebar_enabled": False,
            "can_enter_referrals": assisted.can_enter(request.user),
        }
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            # The page lists names and dates of birth: each referral shown is a read.
            record_queue_reads(request, changelist.result_list)
        return response

    def get_urls(self):
        wrap = self.admin_site.admin_view
        info = self.model._meta.app_label, self.model._meta.model_name
        urls = [
            path(
                f"<int:pk>/{action.path}/",
                wrap(partial(admin_views.action_view, model_admin=self, action=action)),
                name=f"{info[0]}_{info[1]}_{action.name}",
            )
            for action in admin_views.ACTIONS.values()
        ]
        urls += assisted.urls(self)
        urls += [
            path(
                "<int:pk>/checklist/",
                wrap(partial(admin_views.checklist_view, model_admin=self)),
                name="{}_{}_checklist".format(*info),
            ),
            path(
                "<int:pk>/replies/<int:info_pk>/read/",
                wrap(partial(admin_views.reply_read_view, model_admin=self)),
                name="{}_{}_reply_read".format(*info),
            ),
            path(
                "<int:pk>/checklist/<int:item_pk>/",
                wrap(partial(admin_views.checklist_item_view, model_admin=self)),
                name="{}_{}_checklist_item".format(*info),
            ),
            path(
                "<int:pk>/findings/<int:finding_pk>/",
                wrap(partial(admin_views.resolve_finding_view, model_admin=self)),
                name="{}_{}_resolve_finding".format(*info),
            ),
            path(
                "<int:pk>/summary/",
                wrap(partial(reporting.summary_view, model_admin=self)),
                name="{}_{}_summary".format(*info),
            ),
            path(
                "<int:pk>/fhir/",
                wrap(partial(fhir.download_view, model_admin=self)),
                name="{}_{}_fhir".format(*info),
            ),
            path(
                "fhir/questionnaires/",
                wrap(partial(fhir.questionnaires_view, model_admin=self)),
                name="{}_{}_fhir_questionnaires".format(*info),
            ),
            path(
                "export/",
                wrap(partial(reporting.export_view, model_admin=self)),
                name="{}_{}_export".format(*info),
            ),
        ]
        return urls + super().get_urls()
