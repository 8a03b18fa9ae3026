"""Referrals that arrive by phone, fax or mail, entered by staff from the queue.

A phone self-referral goes through the patient's own wizard (`PhoneIntakeWizard`): the same
questions, checks, screening, scores, findings and checklist, with the caller's verbal consent
and the coordinator's attestation in place of the typed signature. A letter received by fax or
mail goes through the clinician's own form and `workflow.create_provider_referral`, so the patient
is sent the completion link as usual. Nothing here writes findings, scores or checklist states:
they come from the answers through the clinical core. Only users with `enter_referral`
(coordinators and clinicians) reach these pages.
"""

import uuid
from functools import partial, wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from referrals import workflow
from referrals.forms.assisted import ReceivedReferralForm, VerbalConsentForm, staff_name
from referrals.models import Referral
from referrals.views.intake import FORMS, RESULT_SESSION_KEY, IntakeWizard, error_list
from referrals.views.provider import bind_posted_form, posted_token, store_referral, upload_owner

ENTER_PERM = workflow.ENTER_PERM


def can_enter(user) -> bool:
    return user.is_active and user.has_perm(ENTER_PERM)


def require_enter_permission(view):
    @wraps(view)
    def check(request, *args, **kwargs):
        if not can_enter(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return check


def open_duplicates(referral: Referral):
    """What the done page lists of the other open referrals that set the duplicate flag."""
    return workflow.open_duplicates(referral).only("pk", "reference", "status")


# --- A self-referral taken by phone ---------------------------------------------------------------


class PhoneIntakeWizard(IntakeWizard):
    """The self-referral wizard, answered by a coordinator for a caller."""

    # The patient's steps, with verbal consent and attestation in place of the typed signature.
    form_list = [(name, VerbalConsentForm if name == "consent" else form) for name, form in FORMS]
    url_name = "admin:referrals_referral_phone_step"
    done_step_name = "finished"
    flow_label = "referral by phone"
    can_save_for_later = False  # a call's answers are never parked behind a patient's email link
    admin_site = None  # given by as_view()

    def get_form(self, step=None, data=None, files=None):
        form = super().get_form(step, data, files)
        # The consent step asks the language of the call, which is the preference staff record;
        # the patient's own "language we should use" question would ask it twice.
        for name in ("preferred_language", "preferred_language_other"):
            form.fields.pop(name, None)
        return form

    def get_prefix(self, request, *args, **kwargs):
        return "staff_phone_intake"  # its own session storage, apart from any patient's

    def rate_limited(self, kind):
        return False  # signed-in staff entering calls all day are not a script to slow down

    def confirmation_redirect(self):
        return redirect("admin:referrals_referral_phone_done")

    def restart_url(self):
        return reverse("admin:referrals_referral_phone") + "?reset=1"

    def form_context(self, step):
        context = super().form_context(step)
        if step == "consent":
            context["staff_name"] = staff_name(self.request.user)
        return context

    def get_form_initial(self, step):
        initial = super().get_form_initial(step)
        if step == "consent":
            initial = {**initial, "send_status_link": True}
        return initial

    def get_template_names(self):
        return ["admin/referrals/referral/phone_step.html"]

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        context.update(
            self.admin_site.each_context(self.request),
            title=f"Referral by phone: {context['step_title']}",
            subtitle="",
            opts=Referral._meta,
            is_nav_sidebar_enabled=False,
        )
        return context

    def submit(self, token, identity, answers, details, version):
        consent = self.cleaned("consent") or {}
        details["consent"] = {
            **details.get("consent", {}),
            "method": Referral.ConsentMethod.VERBAL.value,
            "signature": "",
            "attested": bool(consent.get("attest")),
            "attested_name": consent.get("attested_name", ""),
            "attested_by": self.request.user.get_username(),
            "attested_at": timezone.now().isoformat(),
        }
        return super().submit(token, identity, answers, details, version)

    def extra_submit_kwargs(self, identity, answers):
        consent = self.cleaned("consent") or {}
        return {
            "entered_by": self.request.user,
            "consent_method": Referral.ConsentMethod.VERBAL,
            "notify_patient": bool(consent.get("send_status_link")),
            # The call's language is the patient's preferred one; a Spanish call also makes the
            # patient's emails (and their links) Spanish, since those follow Referral.language.
            **VerbalConsentForm.languages(consent),
        }


def phone_done(request, model_admin):
    """What the coordinator tells the caller, and what to do now if a safety answer was given."""
    result = request.session.get(RESULT_SESSION_KEY) or {}
    referral = Referral.objects.filter(reference=result.get("reference", "")).first()
    if referral is None or referral.entered_by_id != request.user.pk:
        return redirect("admin:referrals_referral_changelist")
    return _done_page(request, model_admin, referral, "admin/referrals/referral/phone_done.html")


def _done_page(request, model_admin, referral, template):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Referral._meta,
        "title": f"Referral {referral.reference} entered",
        "subtitle": "",
        "referral": referral,
        "duplicates": list(open_duplicates(referral)) if referral.possible_duplicate else [],
        "patient_emailed": referral.notifications.filter(audience="patient").exists(),
        "is_nav_sidebar_enabled": False,
    }
    return TemplateResponse(request, template, context)


# --- A provider referral received by fax or mail ------------------------------------------------------


def _fax_page(request, model_admin, form):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Referral._meta,
        "title": "Enter a referral letter received by fax or mail",
        "subtitle": "",
        "form": form,
        "error_list": error_list(form) if form.is_bound else [],
        "held_documents": form.kept_documents(),
        "groups": [
            {"legend": legend, "fields": [form[name] for name in names]}
            for legend, names in form.groups.items()
        ],
        "is_nav_sidebar_enabled": False,
    }
    return TemplateResponse(request, "admin/referrals/referral/received_form.html", context)


def received_referral(request, model_admin):
    if request.method != "POST":
        token = uuid.uuid4()
        form = ReceivedReferralForm(initial={"submission_token": token}, owner=upload_owner(token))
        return _fax_page(request, model_admin, form)
    token = posted_token(request)
    if token is None:
        return redirect("admin:referrals_referral_received")
    existing = Referral.objects.filter(provider_submission_token=token).first()
    if existing:  # the same form posted twice
        return redirect("admin:referrals_referral_received_done", existing.pk)
    owner = upload_owner(token)
    form, ready = bind_posted_form(ReceivedReferralForm, request, owner)
    if not ready:
        return _fax_page(request, model_admin, form)
    received_via = form.cleaned_data["received_via"]
    referral = store_referral(
        form,
        token,
        owner,
        more_details={"received_via": received_via},
        entered_by=request.user,
        channel=received_via,
    )
    messages.success(
        request, f"Referral {referral.reference} entered. The patient has been emailed their link."
    )
    return redirect("admin:referrals_referral_received_done", referral.pk)


def received_done(request, pk, model_admin):
    referral = Referral.objects.filter(pk=pk, entered_by=request.user).first()
    if referral is None:
        raise Http404
    return _done_page(request, model_admin, referral, "admin/referrals/referral/received_done.html")


# --- URLs -------------------------------------------------------------------------------------------------


def urls(model_admin) -> list:
    """The staff-entry pages, under the referral admin (admin_view checks sign-in and second factor)."""
    wrap = model_admin.admin_site.admin_view
    wizard = require_enter_permission(PhoneIntakeWizard.as_view(admin_site=model_admin.admin_site))
    return [
        path("phone/", wrap(wizard), name="referrals_referral_phone"),
        path(
            "phone/done/",
            wrap(require_enter_permission(partial(phone_done, model_admin=model_admin))),
            name="referrals_referral_phone_done",
        ),
        path("phone/<slug:step>/", wrap(wizard), name="referrals_referral_phone_step"),
        path(
            "received/",
            wrap(require_enter_permission(partial(received_referral, model_admin=model_admin))),
            name="referrals_referral_received",
        ),
        path(
            "received/<int:pk>/",
            wrap(require_enter_permission(partial(received_done, model_admin=model_admin))),
            name="referrals_referral_received_done",
        ),
    ]
