"""The outbox: nothing lost when the mail server fails, sent once it works, no patient data in mail."""

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from referrals import demo, notifications, workflow
from referrals.models import Notification


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server down")


FAILING = "tests.referrals.test_notifications.FailingBackend"


@pytest.mark.django_db
class OutboxTests:
    def test_failure_then_success(self, settings, coordinator, clinician):
        referral = demo.make_referral("in_review", coordinator=coordinator, clinician=clinician)
        queued = Notification.objects.filter(status=Notification.SendStatus.QUEUED).count()
        assert queued >= 3  # received, staff alert, review started

        settings.EMAIL_BACKEND = FAILING
        sent, failed = notifications.send_due()
        assert (sent, failed) == (0, queued)
        rows = Notification.objects.all()
        assert all(row.status == Notification.SendStatus.FAILED and row.attempts == 1 for row in rows)
        assert all(row.last_error == "ConnectionRefusedError" for row in rows)
        assert all(row.next_attempt_at is not None for row in rows)

        # Not due yet: nothing is retried before the back-off.
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        assert notifications.send_due() == (0, 0)

        Notification.objects.update(next_attempt_at=None)
        sent, failed = notifications.send_due()
        assert (sent, failed) == (queued, 0)
        assert len(mail.outbox) == queued
        assert all(row.status == Notification.SendStatus.SENT for row in Notification.objects.all())
        assert referral.reference in mail.outbox[0].body

        # Sent once: another round sends nothing more.
        assert notifications.send_due() == (0, 0)

    def test_gives_up_after_the_limit(self, settings):
        settings.EMAIL_BACKEND = FAILING
        settings.NOTIFICATION_MAX_ATTEMPTS = 2
        demo.submit()
        notifications.send_due()
        Notification.objects.update(next_attempt_at=None)
        notifications.send_due()
        assert set(Notification.objects.values_list("status", flat=True)) == {Notification.SendStatus.GAVE_UP}

    def test_no_patient_data_in_any_email(self, coordinator, clinician):
        """Walk a referral through every staff move; no email carries anything the patient typed."""
        marker = {"first_name": "Quintessa", "last_name": "Marrowfield", "email": "quintessa.m@example.com",
                  "phone": "(555) 010-0177"}  # fmt: skip
        referral = demo.submit(**marker, glaucoma=True)
        workflow.start_review(referral, actor=coordinator)
        workflow.request_info(
            referral, actor=coordinator, items=["other"], message="Marrowfield notes please"
        )
        workflow.resume_review(referral, actor=coordinator)
        demo.satisfy_gate(referral, "clearance", clinician=clinician)
        workflow.clear_referral(referral, actor=clinician)
        workflow.reopen_review(referral, actor=clinician, reason="Quintessa called")
        workflow.decline_referral(referral, actor=clinician, reason="Marrowfield declined")
        notifications.send_due(limit=100)
        assert len(mail.outbox) >= 8
        for message in mail.outbox:
            text = message.subject + message.body
            for typed in ("Quintessa", "Marrowfield", "010-0177", "1981", "glaucoma", "Glaucoma"):
                assert typed not in text, (message.subject, typed)
            assert "quintessa.m@example.com" not in text


@pytest.mark.django_db
class NoWorkingLinkKeptTests:
    """A sent email's links live in the email only: the outbox row keeps none (issue 10, point 7)."""

    @staticmethod
    def stored_text(notification: Notification) -> str:
        notification.refresh_from_db()
        return " ".join(
            str(value) for value in Notification.objects.filter(pk=notification.pk).values().get().values()
        )

    def test_the_completion_link_is_cleared_once_sent(self):
        referral, token = demo.provider_referral()
        note = referral.notifications.get(template="patient_complete_health_questions")
        assert token in note.context["link"]  # queued: the sender still needs it
        assert notifications.send_due()[1] == 0
        email = next(m for m in mail.outbox if "/complete/" in m.body)
        assert token in email.body
        stored = self.stored_text(note)
        assert token not in stored and "/complete/" not in stored and "http" not in stored
        assert note.context == {"reference": referral.reference, "links_removed": ["link"]}
        assert note.status == Notification.SendStatus.SENT

    def test_the_link_is_cleared_when_sending_gives_up(self, settings):
        settings.EMAIL_BACKEND = FAILING
        settings.NOTIFICATION_MAX_ATTEMPTS = 1
        referral, token = demo.provider_referral()
        notifications.send_due()
        note = referral.notifications.get(template="patient_complete_health_questions")
        assert note.status == Notification.SendStatus.GAVE_UP
        assert token not in self.stored_text(note)

    def test_a_failed_attempt_keeps_the_link_for_the_retry(self, settings):
        settings.EMAIL_BACKEND = FAILING
        referral, token = demo.provider_referral()
        notifications.send_due()
        note = referral.notifications.get(template="patient_complete_health_questions")
        assert note.status == Notification.SendStatus.FAILED and token in note.context["link"]
