"""The review queue: the clinic's calendar, overdue targets, annotations and list filters."""

from datetime import date, datetime, time, timedelta
from functools import lru_cache

from django.conf import settings
from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from referrals import business_days
from referrals.models import ClearanceItem, InfoRequest, Referral

S = Referral.Status
# The clinic owes the next move in these statuses; the target clock only runs for them.
CLOCK_STATUSES = (S.SUBMITTED, S.IN_REVIEW)


@lru_cache(maxsize=8)
def _parse_holidays(raw: tuple[str, ...]) -> frozenset[date]:
    return frozenset(date.fromisoformat(day) for day in raw)


def calendar() -> dict:
    """The keyword arguments the pure business-day helpers take, from settings."""
    return {
        "workdays": frozenset(settings.CLINIC_BUSINESS_DAYS),
        "holidays": _parse_holidays(tuple(str(day) for day in settings.CLINIC_HOLIDAYS)),
    }


def target_days(urgent: bool) -> int:
    return settings.URGENT_TARGET_BUSINESS_DAYS if urgent else settings.ROUTINE_TARGET_BUSINESS_DAYS


def received_on(referral: Referral) -> date:
    moment = referral.submitted_at or referral.created_at
    return timezone.localdate(moment)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def overdue_q(today: date | None = None) -> Q:
    """One condition for "past its target": the list column, the filter and the dashboard agree."""
    today = today or timezone.localdate()
    cal = calendar()
    conditions = Q()
    for urgent in (True, False):
        latest = business_days.latest_overdue_received(today, target_days(urgent), **cal)
        conditions |= Q(urgent_safety=urgent, received_at__lt=_start_of(latest + timedelta(days=1)))
    return Q(status__in=CLOCK_STATUSES) & conditions


def with_received(queryset: QuerySet) -> QuerySet:
    """When the clinic received the referral: the patient's submission, else the provider's."""
    return queryset.annotate(received_at=Coalesce("submitted_at", "created_at"))


def _checklist_count(condition: Q | None = None) -> Coalesce:
    items = ClearanceItem.objects.filter(referral=OuterRef("pk"))
    if condition is not None:
        items = items.filter(condition)
    counted = items.order_by().values("referral").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def annotate_queue(queryset: QuerySet, today: date | None = None) -> QuerySet:
    """Checklist progress and overdue state per row, in the same query (no N+1).

    The counts are correlated subqueries, not a join grouped over the whole table: PostgreSQL
    evaluates them only for the rows of the page, after ordering and LIMIT, and the paginator's
    COUNT(*) leaves them out.
    """
    pending = ClearanceItem.ItemStatus.PENDING
    return (
        with_received(queryset)
        .annotate(
            items_total=_checklist_count(),
            items_done=_checklist_count(~Q(status=pending)),
        )
        .annotate(overdue=ExpressionWrapper(overdue_q(today), output_field=BooleanField()))
        .annotate(reply_unread=Exists(UNREAD_REPLIES))
    )


class QueuePaginator(Paginator):
    """Pages by primary key first: a deep page skips index entries, not whole rows.

    `OFFSET 99950` over the full rows reads every skipped row; the subquery walks the ordering
    index alone (`referral_queue_order`) and the outer query reads the page's 50 rows. One query.
    """

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        keys = self.object_list.values("pk")[bottom:top]
        return self._get_page(self.object_list.filter(pk__in=keys), number, self)


# A patient or referrer answered an information request and no staff member has marked it read.
UNREAD_REPLIES = InfoRequest.objects.filter(
    referral=OuterRef("pk"), responded_at__isnull=False, reply_read_at__isnull=True
)


def time_in_status(referral: Referral, now=None) -> str:
    """How long the referral has been in its current status, in words ("3 days", "5 hours")."""
    since = referral.status_changed_at or referral.submitted_at or referral.created_at
    if since is None:
        return ""
    seconds = max(0, int(((now or timezone.now()) - since).total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "under a minute"


def waiting(referral: Referral, today: date | None = None) -> dict:
    """How long the referral has waited and when it is due, for display."""
    today = today or timezone.localdate()
    cal = calendar()
    received = received_on(referral)
    due = business_days.due_date(received, target_days(referral.urgent_safety), **cal)
    return {
        "received": received,
        "business_days": business_days.business_days_between(received, today, **cal),
        "due": due,
        "clock_running": referral.status in CLOCK_STATUSES,
    }


# --- Filters -------------------------------------------------------------------------------------


class QueueFilter(admin.SimpleListFilter):
    """Open referrals by default: the queue is what still needs someone."""

    title = "queue"
    parameter_name = "queue"
    default = "open"

    def lookups(self, request, model_admin):
        return [("open", "Open (the queue)"), ("closed", "Closed"), ("all", "All referrals")]

    def choices(self, changelist):
        current = self.value() or self.default
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or self.default
        if value == "open":
            return queryset.filter(status__in=Referral.OPEN_STATUSES)
        if value == "closed":
            return queryset.exclude(status__in=Referral.OPEN_STATUSES)
        return queryset


class FlagFilter(admin.SimpleListFilter):
    title = "flag"
    parameter_name = "flag"
    FLAGS = {
        "urgent": ("Urgent safety", Q(urgent_safety=True)),
        "acute": ("Acute (ASQ)", Q(asq_acute=True)),
        "absolute": ("Absolute finding", Q(has_absolute=True)),
        "relative": ("Relative finding", Q(has_relative=True)),
        "duplicate": ("Possible duplicate", Q(possible_duplicate=True)),
        "differences": ("Provider and patient differ", ~Q(differences=[])),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _q) in self.FLAGS.items()]

    def queryset(self, request, queryset):
        if self.value() in self.FLAGS:
            return queryset.filter(self.FLAGS[self.value()][1])
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = "target"
    parameter_name = "target"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue"), ("on_time", "On time")]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.filter(overdue_q())
        if self.value() == "on_time":
            return queryset.exclude(overdue_q())
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = "assignee"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", "Assigned to me"), ("none", "Unassigned")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        if self.value() == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset


class ChannelFilter(admin.SimpleListFilter):
    """How the referral reached the clinic: the web forms, or staff entering a call or a letter."""

    title = "received"
    parameter_name = "channel"
    CHANNELS = {
        "online": ("Online (web forms)", Q(intake_channel=Referral.Channel.ONLINE)),
        "staff": ("Entered by staff (any)", ~Q(intake_channel=Referral.Channel.ONLINE)),
        "phone": ("Taken by phone", Q(intake_channel=Referral.Channel.PHONE)),
        "fax": ("Received by fax", Q(intake_channel=Referral.Channel.FAX)),
        "mail": ("Received by mail", Q(intake_channel=Referral.Channel.MAIL)),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _q) in self.CHANNELS.items()]

    def queryset(self, request, queryset):
        if self.value() in self.CHANNELS:
            return queryset.filter(self.CHANNELS[self.value()][1])
        return queryset


class IndicationFilter(admin.SimpleListFilter):
    title = "main indication"
    parameter_name = "indication"

    def lookups(self, request, model_admin):
        from referrals.screening import INDICATIONS

        return list(INDICATIONS)

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(indication=self.value())
        return queryset
