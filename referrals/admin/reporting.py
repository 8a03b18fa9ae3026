"""Reporting from the queue: the CSV export and the printable referral summary, both recorded."""

import csv
import json
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone

from referrals import info_items, workflow
from referrals.admin import queue
from referrals.admin.review import indication_labels, language_facts, review_context
from referrals.audit import record_access
from referrals.models import AccessEvent, Referral, ReferralEvent

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
    "Completed in Spanish",
    "Preferred language",
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
# What a CSV row needs, read as plain values (no model instances): never the JSON answers.
EXPORT_FIELDS = (
    "pk", "reference", "status", "source", "intake_channel", "urgent_safety", "asq_acute", "has_absolute", "has_relative",
    "possible_duplicate", "indication", "secondary_indications", "first_name", "last_name",
    "date_of_birth", "created_at", "submitted_at", "assignee__username", "overdue", "items_done",
    "items_total", "language", "preferred_language",
)  # fmt: skip
STATUS_LABELS = dict(Referral.Status.choices)


class _Echo:
    """csv.writer's file: hands each formatted line back instead of buffering it."""

    def write(self, value):
        return value


def csv_row(row: SimpleNamespace, waited: dict) -> list[str]:
    language = language_facts(row)
    return [
        neutralise(value)
        for value in (
            row.reference,
            STATUS_LABELS.get(row.status, row.status),
            Referral.label_source(row.source, row.intake_channel),
            _yes(row.urgent_safety),
            _yes(row.asq_acute),
            _yes(row.has_absolute),
            _yes(row.has_relative),
            _yes(row.possible_duplicate),
            "; ".join(indication_labels(row)),
            waited["received"].isoformat(),
            waited["business_days"],
            _yes(row.overdue),
            f"{row.items_done}/{row.items_total}",
            row.assignee__username or "",
            f"{row.first_name} {row.last_name}".strip(),
            row.date_of_birth.isoformat() if row.date_of_birth else "",
            _yes(language["completed_in_spanish"]),
            language["preferred"],
        )
    ]


def export_rows(request, queryset, today):
    """The CSV lines, streamed; every referral sent gets an "exported" event on its timeline,
    written in bulk as its chunk goes out (one insert per chunk)."""
    writer = csv.writer(_Echo())
    waits: dict = {}  # many rows share a day of receipt: their waiting figures are the same
    yield writer.writerow(CSV_HEADER)
    chunk = []
    for values in queryset.values(*EXPORT_FIELDS).iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(SimpleNamespace(**values))
        if len(chunk) == EXPORT_CHUNK:
            yield _send(writer, chunk, request, today, waits)
            chunk = []
    if chunk:
        yield _send(writer, chunk, request, today, waits)


def _waited(row, today, waits) -> dict:
    key = (queue.received_on(row), row.urgent_safety, row.status in queue.CLOCK_STATUSES)
    if key not in waits:
        waits[key] = queue.waiting(row, today)
    return waits[key]


def _send(writer, chunk, request, today, waits) -> str:
    lines = "".join(writer.writerow(csv_row(row, _waited(row, today, waits))) for row in chunk)
    record_exported([row.pk for row in chunk], actor=request.user)
    return lines


def record_exported(pks: list[int], *, actor) -> None:
    """An "exported" event on each referral's timeline: one INSERT for the whole chunk.

    On PostgreSQL the rows are made by the database from one array of keys (no model instance
    per row); elsewhere bulk_create does the same.
    """
    if connection.vendor != "postgresql":
        ReferralEvent.objects.bulk_create(
            ReferralEvent(referral_id=pk, kind=ReferralEvent.Kind.EXPORTED, actor=actor, data=EXPORTED_DATA)
            for pk in pks
        )
        return
    table = ReferralEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(table)} (referral_id, kind, from_status, to_status, actor_id, message, data, created_at) "
            "SELECT id, 'exported', '', '', %s, '', %s::jsonb, %s FROM unnest(%s::bigint[]) AS id",
            [actor.pk, json.dumps(EXPORTED_DATA), timezone.now(), pks],
        )


EXPORTED_DATA = {"format": "csv"}


def export_view(request, *, model_admin):
    """The queue's rows as CSV (filters and search kept), streamed: any size, flat memory.

    100,000 rows stream in about 10 s under gunicorn (docs/performance.md), well inside its timeout.
    """
    if not request.user.has_perm(REVIEW_PERM):
        raise PermissionDenied
    changelist = model_admin.get_changelist_instance(request)
    queryset = changelist.get_queryset(request)
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
    ReferralEvent.objects.create(
        referral=referral, kind=ReferralEvent.Kind.SUMMARY_PRINTED, actor=request.user
    )
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
