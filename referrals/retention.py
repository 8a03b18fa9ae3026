"""Retention: abandoned intake sessions and their uploads go; closed referrals lose their PHI after the period.

Intakes saved to finish later (`SavedIntake`) go with their uploads once their link expires.

What a purged referral keeps is an anonymous record of the decision: its reference, source, status,
dates, indication codes, screening findings (code, severity, gate, resolution), checklist statuses and
screening runs. Everything a patient, referrer or staff member typed about the patient goes: identity
and contact, answers, details, scores, free-text notes and reasons, information-request replies,
notification addresses and documents (rows and files).

Identity columns that cannot be null get placeholders: names become "purged" and the date of birth
becomes the sentinel 1900-01-01 (PURGED_BIRTH_DATE), which no real patient of this clinic has.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from importlib import import_module
from itertools import islice

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from referrals import saved_intakes
from referrals.models import (
    ClearanceItem,
    Document,
    Finding,
    InfoRequest,
    Notification,
    Referral,
    ReferralEvent,
)

PURGED_NAME = "purged"
PURGED_BIRTH_DATE = date(1900, 1, 1)
# A waived or not-applicable checklist item must keep a reason (a database constraint).
PURGED_REASON = "(removed by retention)"
CLOSED_STATUSES = (Referral.Status.SCHEDULED, Referral.Status.NOT_ELIGIBLE, Referral.Status.WITHDRAWN)


@dataclass
class PurgeCounts:
    sessions: int = 0
    uploads: int = 0
    referrals: int = 0
    documents: int = 0
    saved_intakes: int = 0


def expired_sessions(now):
    return Session.objects.filter(expire_date__lt=now)


def clear_expired_sessions(*, now, dry_run: bool) -> int:
    """Abandoned intakes: their answers live only in the expired session rows (clearsessions)."""
    count = expired_sessions(now).count()
    if not dry_run and count:
        engine = import_module(settings.SESSION_ENGINE)
        try:
            engine.SessionStore.clear_expired()
        except NotImplementedError:  # a backend that expires by itself (cache, cookies)
            pass
    return count


def abandoned_uploads(now):
    """Files of a form never submitted, older than a patient's session and with no live session."""
    cutoff = now - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    live = Session.objects.filter(expire_date__gte=now).values("session_key")
    return (
        Document.objects.filter(referral__isnull=True, uploaded_at__lt=cutoff)
        .exclude(session_key="")
        .exclude(session_key__in=live)
        .exclude(session_key__in=saved_intakes.live_upload_keys(now))
    )


def purge_saved_intakes(*, now, dry_run: bool) -> tuple[int, int]:
    """Saved intakes whose link expired go, with their uploads; returns (saved intakes, uploads)."""
    due = list(saved_intakes.expired(now).values_list("pk", "upload_key"))
    uploads = Document.objects.filter(referral__isnull=True, session_key__in=[key for _pk, key in due])
    if dry_run:
        return len(due), uploads.count()
    removed = delete_documents(uploads)
    saved_intakes.expired(now).filter(pk__in=[pk for pk, _key in due]).delete()
    spent = saved_intakes.spent_link_emails(now)
    spent.filter(status__in=[Notification.SendStatus.QUEUED, Notification.SendStatus.FAILED]).update(
        status=Notification.SendStatus.GAVE_UP
    )
    spent.update(recipient="", context={}, last_error="")
    return len(due), removed


def delete_documents(documents) -> int:
    """Delete the files first, then the rows: a failure halfway leaves rows a later run retries."""
    count = 0
    for document in list(documents):
        if document.file.name:
            document.file.storage.delete(document.file.name)
        document.delete()
        count += 1
    return count


# Closed referrals purged per transaction: a fixed number of queries each, whatever the batch holds.
PURGE_BATCH = 500


def closed_referrals_due(now):
    """Closed, not yet purged, closed before the retention period (the referral_purge_due index)."""
    cutoff = now - timedelta(days=settings.RETENTION_DAYS)
    return Referral.objects.filter(
        status__in=CLOSED_STATUSES,
        purged_at__isnull=True,
        status_changed_at__lt=cutoff,
    ).order_by("status_changed_at", "pk")


def purged_identity(now) -> dict:
    """What a purged referral's own columns become."""
    return {
        "first_name": PURGED_NAME,
        "last_name": PURGED_NAME,
        "date_of_birth": PURGED_BIRTH_DATE,
        "email": "",
        "phone": "",
        "answers": {},
        "details": {},
        "provider_details": {},
        "differences": [],
        "scores": {},
        "staff_notes": "",
        "decision_reason": "",
        "clearance_snapshot": {},
        "completion_token_hash": "",
        "purged_at": now,
    }


@transaction.atomic
def _purge_batch(pks: list[int], *, now) -> tuple[int, int]:
    """Purge these referrals (those not purged yet): about ten queries, however many there are."""
    pks = list(
        Referral.objects.select_for_update()
        .filter(pk__in=pks, purged_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not pks:
        return 0, 0
    documents = delete_documents(Document.objects.filter(referral_id__in=pks))
    Referral.objects.filter(pk__in=pks).update(**purged_identity(now))
    Finding.objects.filter(referral_id__in=pks).update(reason="", resolution_note="")
    ClearanceItem.objects.filter(referral_id__in=pks).update(note="")
    ClearanceItem.objects.filter(referral_id__in=pks).exclude(reason="").update(reason=PURGED_REASON)
    ReferralEvent.objects.filter(referral_id__in=pks).update(message="", data={})
    InfoRequest.objects.filter(referral_id__in=pks).update(message="", response={})
    unsent = [Notification.SendStatus.QUEUED, Notification.SendStatus.FAILED]
    Notification.objects.filter(referral_id__in=pks, status__in=unsent).update(
        status=Notification.SendStatus.GAVE_UP
    )
    Notification.objects.filter(referral_id__in=pks).update(recipient="", context={}, last_error="")
    return len(pks), documents


def purge_referrals(referrals, *, now, batch_size: int | None = None) -> tuple[int, int]:
    """Purge the PHI of these closed referrals in batches; returns (referrals, documents) purged.

    Memory holds one batch of primary keys at a time; each batch is its own transaction.
    """
    batch_size = batch_size or PURGE_BATCH
    if isinstance(referrals, QuerySet):
        keys = referrals.values_list("pk", flat=True).iterator(chunk_size=batch_size)
    else:
        keys = (referral.pk for referral in referrals)
    purged = documents = 0
    while batch := list(islice(keys, batch_size)):
        done = _purge_batch(batch, now=now)
        purged, documents = purged + done[0], documents + done[1]
    return purged, documents


def purge_referral(referral: Referral, *, now) -> int:
    """Remove the PHI of one closed referral; returns how many documents went with it."""
    return _purge_batch([referral.pk], now=now)[1]


def purge(*, now=None, dry_run: bool = False) -> PurgeCounts:
    """Run every retention rule once. Idempotent: a second run finds nothing left to do."""
    now = now or timezone.now()
    counts = PurgeCounts()
    # Uploads before sessions: an upload is abandoned once its session has expired.
    uploads = abandoned_uploads(now)
    counts.uploads = uploads.count() if dry_run else delete_documents(uploads)
    counts.sessions = clear_expired_sessions(now=now, dry_run=dry_run)
    counts.saved_intakes, saved_uploads = purge_saved_intakes(now=now, dry_run=dry_run)
    counts.uploads += saved_uploads
    due = closed_referrals_due(now)
    if dry_run:
        counts.referrals = due.count()
        counts.documents = Document.objects.filter(referral__in=due).count()
        return counts
    # Batch after batch of the oldest due: a purged referral leaves `due`, so each round reads the
    # next keys from the index (no list of every due referral is ever held).
    while True:
        pks = list(due.values_list("pk", flat=True)[:PURGE_BATCH])
        if not pks:
            break
        referrals, documents = _purge_batch(pks, now=now)
        counts.referrals += referrals
        counts.documents += documents
        if not referrals:  # another purge took them meanwhile; never spin
            break
    return counts
