"""Reporting from the queue: the CSV export and the printable referral summary, both recorded."""

import csv

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
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


def export_view(request, *, model_admin):
    if not request.user.has_perm(REVIEW_PERM):
        raise PermissionDenied
    changelist = model_admin.get_changelist_instance(request)
    rows = list(changelist.get_queryset(request))
    today = timezone.localdate()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="referral-queue-{today.isoformat()}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for referral in rows:
        waited = queue.waiting(referral, today)
        writer.writerow(
            neutralise(value)
            for value in (
                referral.reference,
                referral.get_status_display(),
                referral.source_label,
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
        )
    record_access(request, AccessEvent.Action.EXPORT, count=len(rows))
    # Every export is recorded on each referral it contained (one insert, whatever the size).
    ReferralEvent.objects.bulk_create(
        ReferralEvent(
            referral=referral,
            kind=ReferralEvent.Kind.EXPORTED,
            actor=request.user,
            data={"rows": len(rows), "format": "csv"},
        )
        for referral in rows
    )
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
