"""Reporting from the queue: the CSV export and the printable referral summary, both recorded."""

import csv

from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone

from referrals import info_items, workflow
from referrals.admin import queue
from referrals.admin.review import indication_labels, review_context
from referrals.audit import record_access
from referrals.models import AccessEvent, ReferralEvent

REVIEW_PERM = workflow.REVIEW_PERM


CSV_HEADER = [
    "Reference",
    "Status",
    "Source",
    "Urgent safety",
    "Acute",
    "Absolute finding",
    "Relative finding",
    "Possible duplicate",
    "Indications",
    "Received",
    "Business days waiting",
    "Overdue",
    "Checklist",
    "Assignee",
    "Patient",
    "Date of birth",
]


def neutralise(value) -> str:
    """A spreadsheet must never run a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    if text and text[0] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


# Rows read from the database and audit rows written per round trip while the CSV streams.
EXPORT_CHUNK = 2000
# What a CSV row needs: the JSON answers, details and scores are never read.
EXPORT_FIELDS = (
    "reference", "status", "source", "urgent_safety", "asq_acute", "has_absolute", "has_relative",
    "possible_duplicate", "indication", "secondary_indications", "first_name", "last_name",
    "date_of_birth", "created_at", "submitted_at", "assignee__username",
)  # fmt: skip


class _Echo:
    """csv.writer's file: hands each formatted line back instead of buffering it."""

    def write(self, value):
        return value


def csv_row(referral, today) -> list[str]:
    waited = queue.waiting(referral, today)
    return [
        neutralise(value)
        for value in (
            referral.reference,
            referral.get_status_display(),
            referral.get_source_display(),
            _yes(referral.urgent_safety),
            _yes(referral.asq_acute),
            _yes(referral.has_absolute),
            _yes(referral.has_relative),
            _yes(referral.possible_duplicate),
            "; ".join(indication_labels(referral)),
            waited["received"].isoformat(),
            waited["business_days"],
            _yes(referral.overdue),
            f"{referral.items_done}/{referral.items_total}",
            referral.assignee.get_username() if referral.assignee else "",
            referral.patient_name,
            referral.date_of_birth.isoformat() if referral.date_of_birth else "",
        )
    ]


def export_rows(request, queryset, today):
    """The CSV lines, streamed; every referral sent gets an "exported" event on its timeline,
    written in bulk as its chunk goes out (one insert per chunk)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    chunk = []
    for referral in queryset.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(referral)
        if len(chunk) == EXPORT_CHUNK:
            yield _send(writer, chunk, request, today)
            chunk = []
    if chunk:
        yield _send(writer, chunk, request, today)


def _send(writer, chunk, request, today) -> str:
    lines = "".join(writer.writerow(csv_row(referral, today)) for referral in chunk)
    ReferralEvent.objects.bulk_create(
        ReferralEvent(referral_id=referral.pk, kind="exported", actor=request.user, data={"format": "csv"})
        for referral in chunk
    )
    return lines


def export_view(request, *, model_admin):
    """The queue's rows as CSV (filters and search kept), streamed: any size, flat memory.

    100,000 rows stream in about 10 s under gunicorn (docs/performance.md), well inside its timeout.
    """
    if not request.user.has_perm(REVIEW_PERM):
        raise PermissionDenied
    changelist = model_admin.get_changelist_instance(request)
    queryset = changelist.get_queryset(request).only(*EXPORT_FIELDS)
    today = timezone.localdate()
    # The read is on record before the first byte leaves, with how many rows the file holds.
    record_access(request, AccessEvent.Action.EXPORT, count=queryset.count())
    response = StreamingHttpResponse(
        export_rows(request, queryset, today), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="referral-queue-{today.isoformat()}.csv"'
    return response


def summary_view(request, pk, *, model_admin):
    if not request.user.has_perm(REVIEW_PERM):
        raise PermissionDenied
    referral = get_object_or_404(model_admin.get_queryset(request), pk=pk)
    ReferralEvent.objects.create(referral=referral, kind="summary_printed", actor=request.user)
    record_access(request, AccessEvent.Action.VIEW_SUMMARY, referral=referral)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": f"Referral summary {referral}",
        "review": review_context(referral, request.user),
        "printed_at": timezone.localtime(),
        "printed_by": request.user,
        "info_labels": info_items.labels,
    }
    return TemplateResponse(request, "admin/referrals/referral/summary.html", context)
