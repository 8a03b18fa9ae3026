"""Save and finish later: an unfinished self-referral kept behind a single-use resume link.

The patient's answers (the wizard's stored data) and uploads move from their session to a
`SavedIntake` row for `SAVED_INTAKE_DAYS`. The emailed link carries a random token (only its hash
is stored) and nothing the patient typed. Opening it asks for the date of birth; a match moves the
answers and uploads into the new session and ends the link. Wrong dates lock the link for a while,
as the completion link does. Asking for a new link ends the old one. `retention.purge` removes
expired rows with their uploads.
"""

import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import pgettext

from referrals import notifications
from referrals.models import Document, Notification, SavedIntake, hash_token

# Wrong dates of birth allowed per link before it locks for a while, from any number of clients.
MAX_FAILURES_PER_LINK = 10
FAILURE_WINDOW_SECONDS = 60 * 60
TEMPLATE = "patient_resume_link"


def _pending_documents(key: str):
    return Document.objects.filter(session_key=key, referral__isnull=True)


def _expiry(now: datetime) -> datetime:
    return now + timedelta(days=settings.SAVED_INTAKE_DAYS)


def _queue_link(saved: SavedIntake, token: str) -> None:
    link = notifications.absolute_url(reverse("referrals:intake-resume", args=[token]))
    # The email is written in the page's language (notifications.queue), so the date is too:
    # "December 7, 2026" in English, "7 de diciembre de 2026" in Spanish.
    expires = date_format(
        timezone.localtime(saved.expires_at), pgettext("date in the resume-link email", "F j, Y")
    )
    notifications.queue(None, TEMPLATE, saved.email, link=link, expires=expires)


@transaction.atomic
def save(
    *,
    email: str,
    date_of_birth: date,
    state: dict,
    current_step: str,
    session_key: str,
    now: datetime | None = None,
) -> SavedIntake:
    """Keep this session's unfinished intake, move its uploads, and email a resume link."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    saved = SavedIntake.objects.create(
        token_hash=hash_token(token),
        email=email,
        date_of_birth=date_of_birth,
        state=state,
        current_step=current_step,
        upload_key=f"saved-{secrets.token_hex(16)}",
        expires_at=_expiry(now),
    )
    if session_key:
        _pending_documents(session_key).update(session_key=saved.upload_key)
    _queue_link(saved, token)
    return saved


@transaction.atomic
def send_new_link(saved_id: int | None, *, now: datetime | None = None) -> SavedIntake | None:
    """A new link for the same saved intake; the old one stops working. None if it is gone."""
    now = now or timezone.now()
    saved = SavedIntake.objects.select_for_update().filter(pk=saved_id, expires_at__gt=now).first()
    if saved is None:
        return None
    token = secrets.token_urlsafe(32)
    saved.token_hash = hash_token(token)
    saved.expires_at = _expiry(now)
    saved.save(update_fields=["token_hash", "expires_at"])
    _queue_link(saved, token)
    return saved


def _failures_key(token_hash: str) -> str:
    return f"resume-failures:{token_hash}"


def locked(token: str) -> bool:
    return (cache.get(_failures_key(hash_token(token[:200]))) or 0) >= MAX_FAILURES_PER_LINK


def _count_failure(token_hash: str) -> None:
    key = _failures_key(token_hash)
    cache.add(key, 0, timeout=FAILURE_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=FAILURE_WINDOW_SECONDS)


def claim(token: str, date_of_birth: date, *, now: datetime | None = None) -> SavedIntake | None:
    """The saved intake for this link and date of birth (locked for update), else None.

    Anything else (unknown, used, expired, wrong date, locked) returns None and counts against
    the link. Call inside a transaction, then `restore`.
    """
    now = now or timezone.now()
    token_hash = hash_token(token[:200])
    if locked(token):
        return None
    saved = SavedIntake.objects.select_for_update().filter(token_hash=token_hash, expires_at__gt=now).first()
    if saved is None or saved.date_of_birth != date_of_birth:
        _count_failure(token_hash)
        return None
    return saved


def restore(saved: SavedIntake, *, session_key: str) -> dict:
    """End the link, give its uploads to `session_key`, and return the wizard data to store there."""
    _pending_documents(saved.upload_key).update(session_key=session_key)
    state = {**saved.state, "step": saved.current_step}
    saved.delete()
    return state


def expired(now: datetime):
    return SavedIntake.objects.filter(expires_at__lte=now)


def live_upload_keys(now: datetime):
    """Upload keys of saved intakes still waiting for their patient (their files must stay)."""
    return SavedIntake.objects.filter(expires_at__gt=now).values("upload_key")


def spent_link_emails(now: datetime):
    """Sent resume-link emails older than a link can live: their rows keep no address or link."""
    cutoff = now - timedelta(days=settings.SAVED_INTAKE_DAYS)
    return Notification.objects.filter(template=TEMPLATE, created_at__lt=cutoff).exclude(recipient="")
