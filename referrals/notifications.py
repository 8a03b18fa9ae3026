"""What is sent to whom: queued as outbox rows in the caller's transaction, sent later.

Emails carry the reference code and links only: nothing the patient typed, not even a name.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from referrals.models import Notification, Referral

logger = logging.getLogger(__name__)

# template name -> audience; each has emails/<name>_subject.txt and emails/<name>.txt
TEMPLATES = {
    "patient_received": "patient",
    "patient_complete_health_questions": "patient",
    "patient_status_update": "patient",
    "patient_info_request": "patient",
    # Save and finish later: no referral exists yet; a link and its expiry date only.
    "patient_resume_link": "patient",
    "referrer_received": "referrer",
    "referrer_status_update": "referrer",
    "referrer_info_request": "referrer",
    "staff_new_referral": "staff",
    "staff_urgent_safety": "staff",
    "staff_info_received": "staff",
    # Staff accounts (referrals/staff_accounts.py): usernames, roles and links, no patient data.
    "staff_role_changed": "staff",
    "staff_set_password": "staff",
}


def queue(
    referral: Referral | None, template: str, recipient: str, *, language: str | None = None, **links: str
) -> Notification | None:
    """Queue one email; `links` are absolute URLs (never PHI). Sent once the transaction commits.

    A patient's email is written in `language`, else the language of their forms (or, before a
    referral exists, the page's), and its links open the clinic's pages in that language. Staff
    and referrers get English.
    """
    if template not in TEMPLATES:
        raise ValueError(f"Unknown notification template {template!r}")
    if not recipient:
        return None
    audience = TEMPLATES[template]
    if audience != "patient":
        language = settings.LANGUAGE_CODE
    elif language is None:
        language = referral.language if referral else translation.get_language() or settings.LANGUAGE_CODE
    links = {name: link_in(url, language) for name, url in links.items()}
    notification = Notification.objects.create(
        referral=referral,
        recipient=recipient,
        audience=audience,
        template=template,
        language=language,
        context={"reference": referral.reference if referral else "", **links},
    )
    if settings.NOTIFICATIONS_SEND_ON_COMMIT:
        transaction.on_commit(lambda: send_due(limit=20))
    return notification


def queue_status_update(referral: Referral) -> None:
    """Tell the patient (and the referrer of a provider referral) that their referral moved on."""
    queue(referral, "patient_status_update", referral.email, status_url=status_url())
    if referral.referrer_id:
        queue(referral, "referrer_status_update", referral.referrer.email, status_url=status_url())


def queue_staff_alert(referral: Referral, template: str) -> None:
    """Alert the clinic's intake team, with a link to the referral in the staff admin."""
    admin_url = absolute_url(reverse("admin:referrals_referral_change", args=[referral.pk]))
    queue(referral, template, settings.CLINIC["staff_alert_email"], admin_url=admin_url)


def status_url() -> str:
    return absolute_url(reverse("referrals:check-status"))


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def link_in(url: str, language: str) -> str:
    """One of our own absolute links, moved to the same page in `language` (/es/... for Spanish)."""
    from clinic.templatetags.languages import path_in

    if not isinstance(url, str) or not url.startswith(f"{settings.SITE_URL}/"):
        return url
    return absolute_url(path_in(url[len(settings.SITE_URL) :], language))


def render(notification: Notification) -> tuple[str, str]:
    from clinic.context_processors import clinic_in

    language = notification.language or settings.LANGUAGE_CODE
    context = {**notification.context, "clinic": clinic_in(language)}
    with translation.override(language):
        subject = render_to_string(f"emails/{notification.template}_subject.txt", context)
        body = render_to_string(f"emails/{notification.template}.txt", context)
    return " ".join(subject.split()), body


def without_links(context: dict) -> dict:
    """What an outbox row keeps once it is sent (or given up): the reference, and which links it had.

    A completion or reply link works until it expires; a copy in the database would let anyone who
    reads the table (a backup, a replica, a support query) act as the patient. The email has it.
    """
    links = sorted(key for key in context if key != "reference")
    return {"reference": context.get("reference", ""), "links_removed": links}


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def due_queryset(now):
    """Notifications to send now: queued, or failed and due for a retry.

    Its condition is the notification_pending partial index's: the sender's idle round reads that
    (nearly empty) index, never the table of every notification ever sent.
    """
    return (
        Notification.objects.filter(
            status__in=[Notification.SendStatus.QUEUED, Notification.SendStatus.FAILED]
        )
        .exclude(next_attempt_at__gt=now)
        .order_by("created_at", "id")
    )


def send_due(*, limit: int = 50) -> tuple[int, int]:
    """Send queued and retry-due notifications. Returns (sent, failed). Safe to run in parallel."""
    now = timezone.now()
    sent = failed = 0
    with transaction.atomic():
        batch = list(due_queryset(now).select_for_update(skip_locked=True)[:limit])
        if not batch:
            return 0, 0
        connection = get_connection(timeout=settings.EMAIL_TIMEOUT)
        for notification in batch:
            notification.attempts += 1
            try:
                subject, body = render(notification)
                EmailMessage(subject, body, to=[notification.recipient], connection=connection).send()
            except Exception as exc:  # any mail failure is retried later; the request never waits on it
                failed += 1
                notification.last_error = f"{type(exc).__name__}"[:300]
                if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
                    notification.status = Notification.SendStatus.GAVE_UP
                else:
                    notification.status = Notification.SendStatus.FAILED
                    notification.next_attempt_at = now + _backoff(notification.attempts)
                logger.warning("Notification %s failed (attempt %s)", notification.pk, notification.attempts)
            else:
                sent += 1
                notification.status = Notification.SendStatus.SENT
                notification.sent_at = timezone.now()
                notification.last_error = ""
            if notification.status in (Notification.SendStatus.SENT, Notification.SendStatus.GAVE_UP):
                notification.context = without_links(notification.context)
            notification.save(
                update_fields=["attempts", "status", "last_error", "next_attempt_at", "sent_at", "context"]
            )
        try:
            connection.close()
        except Exception:  # closing a dead connection must not undo what was recorded
            pass
    return sent, failed
