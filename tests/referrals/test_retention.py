"""Retention: `manage.py purge_expired` removes abandoned intakes and purges closed referrals' PHI."""

import io
import uuid
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from referrals import workflow
from referrals.models import Document, Notification, Referral, ReferralEvent, SavedIntake
from referrals.retention import PURGED_BIRTH_DATE, PURGED_NAME
from tests.intake_flow import submit_directly

pytestmark = pytest.mark.django_db

MARK = "Zqxretain"


def run(*args) -> str:
    out = io.StringIO()
    call_command("purge_expired", *args, stdout=out)
    return out.getvalue()


def counts(output: str) -> dict[str, int]:
    return {line.split(":")[0]: int(line.rsplit(":", 1)[1]) for line in output.strip().splitlines()}


def make_document(*, referral=None, session_key="", age=timedelta(0)) -> Document:
    document = Document(referral=referral, session_key=session_key, original_name="letter.pdf",
                        content_type="application/pdf", size=8, sha256="0" * 64)  # fmt: skip
    document.file.save("x", ContentFile(b"%PDF-1.4"), save=False)
    document.save()
    Document.objects.filter(pk=document.pk).update(uploaded_at=timezone.now() - age)
    return document


def submitted_referral() -> Referral:
    return submit_directly(first_name=MARK, last_name=MARK + "son", marker=MARK)


def close(referral: Referral, coordinator, *, days_ago: int) -> Referral:
    workflow.start_review(referral, actor=coordinator)
    workflow.withdraw_referral(referral, actor=coordinator, reason=f"{MARK} moved away")
    Referral.objects.filter(pk=referral.pk).update(
        status_changed_at=timezone.now() - timedelta(days=days_ago), staff_notes=f"{MARK} called"
    )
    referral.refresh_from_db()
    return referral


class SessionAndUploadTests:
    def test_expired_sessions_and_their_uploads_go_live_ones_stay(self, client, settings):
        client.get("/refer/self/", follow=True)  # a live intake session
        live_key = client.session.session_key
        assert live_key
        Session.objects.create(session_key="abandoned" + "x" * 23, session_data="e30=",
                               expire_date=timezone.now() - timedelta(hours=1))  # fmt: skip
        old = timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
        abandoned = make_document(session_key="abandoned" + "x" * 23, age=old)
        provider_form = make_document(session_key="provider-abc", age=old)
        still_working = make_document(session_key=live_key, age=old)
        fresh = make_document(session_key="someone-new", age=timedelta(minutes=5))
        stored = [d.file.name for d in (abandoned, provider_form)]
        storage = abandoned.file.storage

        result = counts(run())

        assert result["expired intake sessions removed"] == 1
        assert result["abandoned uploads removed"] == 2
        assert set(Document.objects.values_list("pk", flat=True)) == {still_working.pk, fresh.pk}
        assert not any(storage.exists(name) for name in stored)
        assert storage.exists(still_working.file.name)
        assert Session.objects.filter(session_key=live_key).exists()

    def test_dry_run_counts_and_changes_nothing(self, settings):
        Session.objects.create(session_key="abandoned" + "y" * 23, session_data="e30=",
                               expire_date=timezone.now() - timedelta(hours=1))  # fmt: skip
        document = make_document(session_key="gone", age=timedelta(days=1))
        output = run("--dry-run")
        assert counts(output)["expired intake sessions would remove"] == 1
        assert counts(output)["abandoned uploads would remove"] == 1
        assert Session.objects.count() == 1
        assert document.file.storage.exists(document.file.name)
        assert Document.objects.count() == 1


class SavedIntakeTests:
    """Save and finish later: an expired saved intake goes with its uploads; a waiting one stays whole."""

    def saved(self, *, expires_in: timedelta) -> SavedIntake:
        return SavedIntake.objects.create(
            token_hash=uuid.uuid4().hex, email="someone@example.com", date_of_birth=date(1980, 1, 2),
            state={"step_data": {"about": {"about-first_name": [MARK]}}}, current_step="reason",
            upload_key=f"saved-{uuid.uuid4().hex}", expires_at=timezone.now() + expires_in,
        )  # fmt: skip

    def test_expired_saved_intakes_go_with_their_uploads_waiting_ones_stay(self, settings):
        old = timedelta(days=settings.SAVED_INTAKE_DAYS + 1)  # far older than any session
        expired = self.saved(expires_in=-timedelta(minutes=1))
        waiting = self.saved(expires_in=timedelta(days=3))
        expired_upload = make_document(session_key=expired.upload_key, age=old)
        waiting_upload = make_document(session_key=waiting.upload_key, age=old)
        storage = expired_upload.file.storage
        link_email = Notification.objects.create(
            recipient="someone@example.com", audience="patient", template="patient_resume_link",
            context={"link": "http://x/refer/resume/abc/"}, status=Notification.SendStatus.SENT,
        )  # fmt: skip
        Notification.objects.filter(pk=link_email.pk).update(created_at=timezone.now() - old)

        output = run()

        assert counts(output)["expired saved intakes removed"] == 1
        assert counts(output)["abandoned uploads removed"] == 1
        assert MARK not in output
        assert list(SavedIntake.objects.all()) == [waiting]
        assert list(Document.objects.all()) == [waiting_upload]
        assert not storage.exists(expired_upload.file.name)
        assert storage.exists(waiting_upload.file.name)
        link_email.refresh_from_db()
        assert link_email.recipient == "" and link_email.context == {}
        # Idempotent.
        assert counts(run())["expired saved intakes removed"] == 0

    def test_dry_run_counts_saved_intakes_and_keeps_them(self):
        saved = self.saved(expires_in=-timedelta(days=1))
        make_document(session_key=saved.upload_key, age=timedelta(days=9))
        assert counts(run("--dry-run"))["expired saved intakes would remove"] == 1
        assert SavedIntake.objects.count() == 1 and Document.objects.count() == 1


class ClosedReferralTests:
    def test_a_referral_closed_past_the_period_keeps_only_an_anonymous_record(
        self, client, coordinator, settings
    ):
        referral = close(submitted_referral(), coordinator, days_ago=settings.RETENTION_DAYS + 1)
        document = make_document(referral=referral)
        name = document.file.name
        findings_before = list(referral.findings.values_list("code", "severity", "gate"))
        checklist_before = list(referral.checklist.values_list("step_id", "status"))
        assert findings_before and checklist_before
        referral.info_requests.create(message=f"{MARK} please", token_hash=uuid.uuid4().hex,
                                      expires_at=timezone.now(), response={"note": MARK})  # fmt: skip
        kept = {f: getattr(referral, f) for f in
                ("reference", "source", "status", "created_at", "submitted_at", "status_changed_at",
                 "indication", "secondary_indications", "questionnaire_version")}  # fmt: skip

        output = run()

        assert counts(output) == {
            "expired intake sessions removed": 0,
            "expired saved intakes removed": 0,
            "abandoned uploads removed": 0,
            "closed referrals purged": 1,
            "documents of purged referrals removed": 1,
        }
        assert MARK not in output
        referral.refresh_from_db()
        assert {f: getattr(referral, f) for f in kept} == kept
        assert referral.purged_at is not None
        assert referral.first_name == referral.last_name == PURGED_NAME
        assert referral.date_of_birth == PURGED_BIRTH_DATE == date(1900, 1, 1)
        assert referral.email == referral.phone == ""
        assert referral.answers == referral.details == referral.scores == {}
        assert referral.staff_notes == referral.decision_reason == ""
        # The decision record: findings' codes and severities, checklist statuses, events' transitions.
        assert list(referral.findings.values_list("code", "severity", "gate")) == findings_before
        assert list(referral.checklist.values_list("step_id", "status")) == checklist_before
        assert referral.events.filter(to_status="withdrawn").exists()
        assert not Document.objects.filter(referral=referral).exists()
        assert not document.file.storage.exists(name)
        # Nothing the patient or staff typed is left on the referral, nor on any row that points at it.
        models = [m for m in apps.get_app_config("referrals").get_models() if hasattr(m, "referral")]
        assert len(models) >= 6
        for model in [Referral, *models]:
            rows = model.objects.filter(
                **({"pk": referral.pk} if model is Referral else {"referral": referral})
            )
            for row in rows.values():
                assert MARK not in str(row), f"{model.__name__} still holds PHI"
                assert "@example.com" not in str(row)

    def test_recent_and_open_referrals_are_untouched(self, client, coordinator, settings):
        recent = close(submitted_referral(), coordinator, days_ago=settings.RETENTION_DAYS - 1)
        Referral.objects.filter(pk=recent.pk).update(first_name="Kept")
        old_open = Referral.objects.create(source="self", status="in_review", first_name="Open", last_name="Case",
                                           date_of_birth=date(1980, 1, 1),
                                           status_changed_at=timezone.now() - timedelta(days=3000))  # fmt: skip
        assert counts(run())["closed referrals purged"] == 0
        assert Referral.objects.get(pk=recent.pk).first_name == "Kept"
        assert Referral.objects.get(pk=old_open.pk).first_name == "Open"

    def test_each_closed_status_is_purged_and_the_period_is_a_setting(self, settings):
        settings.RETENTION_DAYS = 10
        old = timezone.now() - timedelta(days=11)
        for status in ("scheduled", "not_eligible", "withdrawn", "cleared"):
            Referral.objects.create(source="self", status=status, first_name=status, last_name="X",
                                    date_of_birth=date(1980, 1, 1), status_changed_at=old)  # fmt: skip
        assert counts(run("--dry-run"))["closed referrals would be purged"] == 3
        assert counts(run())["closed referrals purged"] == 3
        assert set(Referral.objects.exclude(purged_at=None).values_list("status", flat=True)) == {
            "scheduled",
            "not_eligible",
            "withdrawn",
        }
        assert Referral.objects.get(status="cleared").first_name == "cleared"

    def test_running_twice_is_harmless(self, client, coordinator, settings):
        close(submitted_referral(), coordinator, days_ago=settings.RETENTION_DAYS + 5)
        first = counts(run())
        second = counts(run())
        assert first["closed referrals purged"] == 1
        assert set(second.values()) == {0}

    def test_queued_mail_of_a_purged_referral_is_never_sent(self, client, coordinator, settings):
        referral = close(submitted_referral(), coordinator, days_ago=settings.RETENTION_DAYS + 1)
        Notification.objects.filter(referral=referral).update(status=Notification.SendStatus.QUEUED)
        run()
        assert not Notification.objects.filter(referral=referral, status__in=["queued", "failed"]).exists()


class BatchedPurgeTests:
    """The purge costs a fixed number of queries per batch, not a dozen per referral."""

    def purge_queries(self, coordinator, how_many: int, monkeypatch) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from referrals import retention

        monkeypatch.setattr(retention, "PURGE_BATCH", 50)
        for _ in range(how_many):
            close(submitted_referral(), coordinator, days_ago=800)
        with CaptureQueriesContext(connection) as queries:
            assert counts(run())["closed referrals purged"] == how_many
        return len(queries)

    def test_queries_do_not_grow_with_the_referrals_purged(self, coordinator, monkeypatch):
        two = self.purge_queries(coordinator, 2, monkeypatch)
        Referral.objects.update(purged_at=timezone.now())  # out of the next count
        seven = self.purge_queries(coordinator, 7, monkeypatch)
        assert seven == two

    def test_batches_purge_everything_due_and_nothing_else(self, coordinator, monkeypatch):
        from referrals import retention

        monkeypatch.setattr(retention, "PURGE_BATCH", 2)
        old = [close(submitted_referral(), coordinator, days_ago=800) for _ in range(5)]
        recent = close(submitted_referral(), coordinator, days_ago=10)
        assert counts(run())["closed referrals purged"] == 5
        assert set(Referral.objects.filter(first_name=PURGED_NAME).values_list("pk", flat=True)) == {
            r.pk for r in old
        }
        recent.refresh_from_db()
        assert recent.first_name == MARK and recent.purged_at is None
        assert not ReferralEvent.objects.filter(referral__in=old).exclude(message="").exists()
        assert counts(run())["closed referrals purged"] == 0

    def test_purge_referrals_takes_a_queryset_in_batches(self, coordinator):
        from referrals import retention

        old = [close(submitted_referral(), coordinator, days_ago=800) for _ in range(3)]
        purged, _documents = retention.purge_referrals(
            Referral.objects.filter(pk__in=[r.pk for r in old]), now=timezone.now(), batch_size=2
        )
        assert purged == 3
        assert Referral.objects.filter(purged_at__isnull=False).count() == 3
