"""The decision record: the clearance snapshot, readable, with every time in the clinic's time zone."""

from datetime import UTC, date, datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from referrals.models import ClearanceItem, Finding, Gate, Referral, StepKind

STATUS_LABELS = dict(ClearanceItem.ItemStatus.choices)
RESOLUTION_LABELS = dict(Finding.Resolution.choices)
SEVERITY_LABELS = dict(Finding.Severity.choices)
GATE_LABELS = dict(Gate.choices)
KIND_LABELS = dict(StepKind.choices)


def local_moment(value) -> datetime | None:
    """A stored ISO time (UTC) as an aware time in the clinic's zone; None when absent or unreadable."""
    if not value:
        return None
    moment = value if isinstance(value, datetime) else parse_datetime(str(value))
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return timezone.localtime(moment)


def _day(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def decision_record(referral: Referral) -> dict | None:
    """The stored clearance snapshot as display rows, or None when the referral was never cleared.

    Older snapshots lack some keys (titles, notes, times): those cells stay empty.
    """
    from referrals.admin.review import score_rows  # the review page's score rows, reused

    snap = referral.clearance_snapshot or {}
    if not snap.get("decided_by"):
        return None
    checklist = [
        {
            "title": row.get("title") or row.get("step_id", ""),
            "gate": GATE_LABELS.get(row.get("gate"), row.get("gate", "")),
            "kind": KIND_LABELS.get(row.get("kind"), row.get("kind", "")),
            "status": STATUS_LABELS.get(row.get("status"), row.get("status", "")),
            "reason": row.get("reason", ""),
            "note": row.get("note", ""),
            "by": row.get("by_username", ""),
            "at": local_moment(row.get("at")),
        }
        for row in snap.get("checklist", [])
    ]
    findings = [
        {
            "title": row.get("title") or row.get("code", ""),
            "code": row.get("code", ""),
            "severity": SEVERITY_LABELS.get(row.get("severity"), row.get("severity", "")),
            "gate": GATE_LABELS.get(row.get("gate"), row.get("gate", "")),
            "reason": row.get("reason", ""),
            "resolution": RESOLUTION_LABELS.get(row.get("resolution"), row.get("resolution") or ""),
            "note": row.get("note", ""),
            "by": row.get("resolved_by", ""),
            "at": local_moment(row.get("resolved_at")),
        }
        for row in snap.get("findings", [])
    ]
    version = snap.get("policy_version")
    return {
        "decided_by": snap.get("decided_by", ""),
        "decided_by_name": snap.get("decided_by_name", ""),
        "decided_at": local_moment(snap.get("decided_at")),
        "policy_version": f"v{version}" if version else "",
        "screened_on": _day(snap.get("screened_on")),
        "questionnaire_version": snap.get("questionnaire_version", ""),
        "scores": score_rows(snap.get("scores") or {}),
        "checklist": checklist,
        "findings": findings,
    }
