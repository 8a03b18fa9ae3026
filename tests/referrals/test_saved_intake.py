"""Save and finish later: a single-use, date-of-birth-checked resume link that restores everything."""

import re
import subprocess
from datetime import timedelta

import pytest
from django.contrib import admin
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from referrals import documents, notifications, saved_intakes
from referrals.admin.assisted import PhoneIntakeWizard
from referrals.models import Document, Notification, Referral, SavedIntake
from referrals.views.completion import CompletionWizard
from referrals.views.intake import IntakeWizard
from tests.referrals.intake_driver import IntakeDriver
from tests.referrals.provider_data import pdf_file
from tests.test_html_valid import vnu_command  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

DOB = "1981-04-12"  # tests.intake_data's patient


def save_from(driver: IntakeDriver, step: str, values: dict | None = None, **extra):
    """Press "Save and finish later" on `step`; returns the (followed) save page."""
    return driver.post(step, values, wizard_save_later="1", **extra)


def confirm_save(client, email="avery@example.com"):
    return client.post(reverse("referrals:intake-save"), {"email": email}, follow=True)


def link_in_outbox() -> str:
    notifications.send_due()
    body = mail.outbox[-1].body
    match = re.search(r"https?://\S+?(/refer/resume/[^\s/]+/)", body)
    assert match, body
    return match.group(1)


def saved_at(client, step: str) -> str:
    driver = IntakeDriver(client)
    driver.run_to(step)
    save_from(driver, step)
    confirm_save(client)
    return link_in_outbox()


def open_link(link: str, dob: str = DOB, client: Client | None = None):
    client = client or Client()
    return client, client.post(link, {"date_of_birth": dob}, follow=True)


class OfferTests:
    def test_not_offered_before_the_date_of_birth_then_on_every_later_step(self, client):
        driver = IntakeDriver(client)
        driver.start()
        assert "wizard_save_later" not in driver.response.content.decode()
        seen = []
        while driver.current_step != "review":
            driver.post()
            seen.append(driver.current_step)
            assert 'name="wizard_save_later"' in driver.response.content.decode(), driver.current_step
        assert len(seen) >= 8

    def test_a_save_post_on_the_first_step_is_just_a_next(self, client):
        driver = IntakeDriver(client)
        driver.start()
        save_from(driver, "about")
        assert driver.current_step == "reason"
        assert not SavedIntake.objects.exists()

    def test_staff_phone_entry_and_the_completion_link_never_offer_it(self):
        assert IntakeWizard.can_save_for_later
        assert not PhoneIntakeWizard.can_save_for_later
        assert not CompletionWizard.can_save_for_later

    def test_staff_never_see_a_saved_intake(self):
        assert SavedIntake not in admin.site._registry


class SaveAndResumeTests:
    def test_save_asks_for_the_email_already_given_and_clears_this_browser(self, client):
        driver = IntakeDriver(client)
        driver.run_to("health")
        page = save_from(driver, "health", {"height_feet": "5"})  # a half-answered page is kept too
        assert page.request["PATH_INFO"] == reverse("referrals:intake-save")
        assert 'value="avery@example.com"' in page.content.decode()
        done = confirm_save(client, "other@example.com")
        assert done.request["PATH_INFO"] == reverse("referrals:intake-saved")
        assert "Your answers are saved" in done.content.decode()
        saved = SavedIntake.objects.get()
        assert saved.email == "other@example.com" and saved.current_step == "health"
        assert saved.expires_at - timezone.now() > timedelta(days=6, hours=23)
        assert saved.state["step_data"]["health"]["health-height_feet"] == ["5"]
        # Nothing of the intake remains in this browser's session.
        assert IntakeWizard.storage_session_key() not in client.session
        response = client.get(reverse("referrals:intake-step", args=["about"]), follow=True)
        assert "Avery" not in response.content.decode()
        # The email: a link and a date only, to the address confirmed.
        notifications.send_due()
        message = mail.outbox[-1]
        assert message.to == ["other@example.com"]
        assert "/refer/resume/" in message.body
        for typed in ("Avery", "Testpatient", "1981", "04/12", "Physical therapy", "health"):
            assert typed not in message.body and typed not in message.subject

    def test_a_bad_email_gets_a_message_next_to_the_field(self, client):
        driver = IntakeDriver(client)
        driver.run_to("reason")
        save_from(driver, "reason")
        page = confirm_save(client, "not an email")
        assert "Enter an email address in the right format" in page.content.decode()
        assert 'href="#id_email"' in page.content.decode()
        assert not SavedIntake.objects.exists()

    def test_the_link_restores_answers_and_uploads_on_another_device_then_submits(self, client):
        driver = IntakeDriver(client)
        driver.run_to("documents")
        driver.post("documents", {}, **{"documents-files": [pdf_file("scan.pdf")]})
        document = Document.objects.get()
        driver.back({}, to="documents")
        save_from(driver, "documents", {})
        confirm_save(client)
        document.refresh_from_db()
        assert document.session_key == SavedIntake.objects.get().upload_key
        link = link_in_outbox()

        other = Client()
        asked = other.get(link)
        assert "enter your date of birth" in asked.content.decode()
        other, page = open_link(link, client=other)
        assert page.request["PATH_INFO"] == reverse("referrals:intake-step", args=["documents"])
        assert "scan.pdf" in page.content.decode()
        document.refresh_from_db()
        assert document.session_key == other.session.session_key
        assert not SavedIntake.objects.exists()  # the link is spent

        resumed = IntakeDriver(other)
        resumed.response = page
        # Earlier answers are all there.
        review = resumed.run_to("review")
        assert "Physical therapy and nerve blocks." in review.content.decode()
        done = resumed.post("review", {})
        assert done.request["PATH_INFO"] == reverse("referrals:intake-confirmation")
        referral = Referral.objects.get()
        assert referral.first_name == "Avery"
        assert list(referral.documents.all()) == [document]

    def test_a_used_link_an_expired_link_and_a_wrong_date_get_the_same_kind_page(self, client):
        link = saved_at(client, "reason")
        _other, wrong = open_link(link, "1990-01-01")
        assert "We could not open your saved form" in wrong.content.decode()
        assert "start the form again" in wrong.content.decode() and "tel:" in wrong.content.decode()
        assert SavedIntake.objects.exists()  # a wrong date does not spend it
        open_link(link)
        _other, used = open_link(link)
        assert "We could not open your saved form" in used.content.decode()

        link = saved_at(Client(), "reason")
        SavedIntake.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        _other, expired = open_link(link)
        assert "We could not open your saved form" in expired.content.decode()

    def test_wrong_dates_lock_the_link(self, client, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "link": "1000/900"}
        link = saved_at(client, "reason")
        for _ in range(saved_intakes.MAX_FAILURES_PER_LINK):
            open_link(link, "1990-01-01")
        _other, page = open_link(link)
        assert "We could not open your saved form" in page.content.decode()
        assert SavedIntake.objects.exists()

    def test_a_bad_date_gets_a_message_next_to_the_field(self, client):
        link = saved_at(client, "reason")
        _other, page = open_link(link, "31/31/1900")
        assert page.status_code == 200
        assert "error-summary" in page.content.decode()
        assert SavedIntake.objects.exists()

    def test_asking_for_a_new_link_ends_the_old_one(self, client):
        old = saved_at(client, "health")
        page = client.post(reverse("referrals:intake-saved"), follow=True)
        assert "We sent a new link" in page.content.decode()
        new = link_in_outbox()
        assert new != old
        _other, refused = open_link(old)
        assert "We could not open your saved form" in refused.content.decode()
        _other, opened = open_link(new)
        assert opened.request["PATH_INFO"] == reverse("referrals:intake-step", args=["health"])

    def test_asking_for_links_is_rate_limited(self, client, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "save": "2/3600"}
        saved_at(client, "reason")
        assert client.post(reverse("referrals:intake-saved")).status_code == 200
        assert client.post(reverse("referrals:intake-saved")).status_code == 429
        assert Notification.objects.filter(template="patient_resume_link").count() == 2

    def test_the_save_page_without_a_form_in_progress_is_a_calm_page(self, client):
        response = client.get(reverse("referrals:intake-save"))
        assert response.status_code == 400
        assert "Start the form again" in response.content.decode()
        assert client.post(reverse("referrals:intake-save"), {"email": "a@example.com"}).status_code == 400
        assert not SavedIntake.objects.exists()


class PurgeAndHtmlTests:
    def test_abandoned_upload_cleanup_keeps_a_waiting_saved_intakes_files(self, client, settings):
        driver = IntakeDriver(client)
        driver.run_to("documents")
        driver.post("documents", {}, **{"documents-files": [pdf_file()]})
        save_from(driver, "documents", {})
        confirm_save(client)
        long_ago = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
        Document.objects.update(uploaded_at=long_ago)
        assert documents.purge_abandoned() == 0
        SavedIntake.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        assert documents.purge_abandoned() == 1  # an expired saved intake's file is abandoned

    def test_the_new_pages_are_valid_html(self, client, vnu_command, tmp_path):  # noqa: F811
        driver = IntakeDriver(client)
        pages = {"review.html": driver.run_to("review")}
        pages["step.html"] = client.get(reverse("referrals:intake-step", args=["health"]))
        pages["save.html"] = save_from(driver, "health")
        pages["save-error.html"] = confirm_save(client, "nope")
        pages["saved.html"] = confirm_save(client)
        link = link_in_outbox()
        other = Client()
        pages["resume.html"] = other.get(link)
        pages["problem.html"] = other.post(link, {"date_of_birth": "1990-01-01"})
        files = []
        for name, response in pages.items():
            assert response.status_code == 200, name
            (tmp_path / name).write_bytes(response.content)
            files.append(str(tmp_path / name))
        result = subprocess.run(
            [*vnu_command, "--errors-only", "--stdout", *files], capture_output=True, timeout=120
        )
        assert result.returncode == 0, (result.stdout + result.stderr).decode()[:3000]
