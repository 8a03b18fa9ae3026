"""A coordinator takes a self-referral by phone: the patient's wizard, verbal consent, staff only."""

import pytest
from django.core import mail
from django.urls import reverse

from referrals import demo
from referrals.models import ClearanceItem, Finding, Notification, Referral, ReferralEvent
from tests.intake_data import step_data
from tests.referrals.intake_driver import IntakeDriver, errors

pytestmark = pytest.mark.django_db

CONSENT = {
    "accurate": "on",
    "privacy": "on",
    "electronic": "on",
    "send_status_link": "on",
    "attest": "on",
    "attested_name": "coordinator",
}


def phone_data(**overrides):
    """The healthy answers of tests.intake_data, with the verbal-consent step in place of the signature."""
    data = step_data(**{k: v for k, v in overrides.items() if not k.startswith("consent__")})
    data["consent"] = dict(CONSENT)
    for key, value in overrides.items():
        if key.startswith("consent__"):
            field = key.removeprefix("consent__")
            if value is None:
                data["consent"].pop(field, None)
            else:
                data["consent"][field] = value
    return data


class PhoneDriver(IntakeDriver):
    """The intake driver, pointed at the staff wizard's URLs and session prefix."""

    def start(self):
        self.response = self.client.get(reverse("admin:referrals_referral_phone") + "?reset=1", follow=True)
        assert self.response.status_code == 200
        return self.response

    def payload(self, step, values=None, **extra):
        post = super().payload(step, values, **extra)
        post["staff_phone_intake-current_step"] = post.pop("intake_wizard-current_step")
        return post

    def post(self, step=None, values=None, **extra):
        step = step or self.current_step
        url = reverse("admin:referrals_referral_phone_step", args=[step])
        self.response = self.client.post(url, self.payload(step, values, **extra), follow=True)
        return self.response


def staff_driver(staff_client, user, data=None):
    return PhoneDriver(staff_client(user), data or phone_data(consent__attested_name=user.username))


class PhoneReferralTests:
    def test_coordinator_takes_a_call_to_a_submitted_referral(self, staff_client, coordinator):
        driver = staff_driver(staff_client, coordinator)
        driver.start()
        assert driver.current_step == "about"
        assert "Read each question to the caller" in driver.response.content.decode()
        driver.run_to("consent")
        page = driver.response.content.decode()
        assert "Your full name, as attestation" in page and "Type your full name to sign" not in page
        driver.complete()
        assert driver.response.request["PATH_INFO"] == reverse("admin:referrals_referral_phone_done")

        referral = Referral.objects.get()
        assert referral.status == Referral.Status.SUBMITTED
        assert referral.source == Referral.Source.SELF
        assert referral.intake_channel == Referral.Channel.PHONE
        assert referral.source_label == "Self-referral (taken by phone)"
        assert referral.entered_by == coordinator
        assert referral.consent_method == Referral.ConsentMethod.VERBAL
        consent = referral.details["consent"]
        assert consent["method"] == "verbal" and consent["signature"] == ""
        assert consent["attested_by"] == "coordinator" and consent["attested_name"] == "coordinator"
        assert consent["accurate"] and consent["privacy"] and consent["electronic"] and consent["attested"]
        # The same core as online: scores, screening and checklist from the answers.
        assert referral.scores["phq9"]["total"] == 0
        assert referral.screening_runs.filter(current=True).count() == 1
        assert referral.checklist.filter(step_id="roi_authorization").exists()  # a self-referral's step
        assert set(referral.checklist.values_list("status", flat=True)) == {ClearanceItem.ItemStatus.PENDING}
        # Audited: who entered it, when.
        event = ReferralEvent.objects.get(referral=referral, kind="submitted")
        assert event.actor == coordinator and event.created_at is not None
        assert event.data == {"channel": "phone", "consent": "verbal"}
        page = driver.response.content.decode()
        assert referral.reference in page
        assert "We have emailed them the reference code" in page
        review = driver.client.get(
            reverse("admin:referrals_referral_change", args=[referral.pk])
        ).content.decode()
        assert "Self-referral (taken by phone)" in review
        assert "consent given verbally, attested by coordinator" in review
        assert "entered by staff: taken by phone, consent given verbally" in review  # the timeline

    def test_patient_gets_the_status_email_and_nothing_about_the_call(
        self, staff_client, coordinator, django_capture_on_commit_callbacks, settings
    ):
        settings.NOTIFICATIONS_SEND_ON_COMMIT = True
        with django_capture_on_commit_callbacks(execute=True):
            staff_driver(staff_client, coordinator).complete()
        referral = Referral.objects.get()
        patient = Notification.objects.get(referral=referral, audience="patient")
        assert patient.template == "patient_received" and patient.recipient == "avery@example.com"
        # Sent: the outbox row keeps the reference and the name of the link, never the link itself.
        assert patient.context == {"reference": referral.reference, "links_removed": ["status_url"]}
        sent = [m for m in mail.outbox if m.to == ["avery@example.com"]]
        assert len(sent) == 1
        body = sent[0].subject + sent[0].body
        assert referral.reference in body
        # The same email as an online self-referral: no name, no answer, no word of the call.
        for word in ("Avery", "Testpatient", "by phone", "on the call", "coordinator", "verbal", "attest"):
            assert word.lower() not in body.lower(), word

    def test_status_email_can_be_left_out(self, staff_client, coordinator):
        data = phone_data(consent__attested_name="coordinator", consent__send_status_link=None)
        driver = staff_driver(staff_client, coordinator, data)
        driver.complete()
        referral = Referral.objects.get()
        assert not Notification.objects.filter(referral=referral, audience="patient").exists()
        assert Notification.objects.filter(referral=referral, audience="staff").exists()
        assert "No email was sent to the caller" in driver.response.content.decode()

    def test_safety_answer_shows_guidance_marks_urgent_and_alerts_clinicians(self, staff_client, clinician):
        data = phone_data(
            indication="trd",
            consent__attested_name="clinician",
            mood__phq9_9="1",
            safety__asq_q1="yes",
            safety__asq_acuity="no",
        )
        driver = staff_driver(staff_client, clinician, data)
        driver.run_to("safety")
        driver.post()
        page = driver.response.content.decode()
        assert "Safety answer: what to do now" in page
        assert "Stay on the line" in page and "warm hand-off to 988" in page and "call 911" in page
        driver.run_to("review")
        driver.post("review")
        referral = Referral.objects.get()
        assert referral.urgent_safety
        assert referral.entered_by == clinician
        alert = Notification.objects.get(referral=referral, audience="staff")
        assert alert.template == "staff_urgent_safety"
        done = driver.response.content.decode()
        assert "marked urgent and the clinicians have been alerted" in done
        assert "Safety answer: what to do now" in done

    def test_attestation_is_required_and_must_be_the_staff_members_own_name(self, staff_client, coordinator):
        driver = staff_driver(staff_client, coordinator)
        driver.run_to("consent")
        driver.post(values={**CONSENT, "attest": "", "attested_name": "Avery Testpatient"})
        assert driver.current_step == "consent"
        problems = errors(driver.response)
        assert any(p.startswith("Tick the attestation: it takes the place of the caller") for p in problems)
        assert "Type your own name as your account has it: coordinator" in problems
        assert not Referral.objects.exists()

    def test_same_validation_as_the_patients_form(self, staff_client, coordinator):
        driver = staff_driver(staff_client, coordinator)
        driver.start()
        driver.post(values={**driver.data["about"], "email": "not-an-email", "date_of_birth": "2999-01-01"})
        assert driver.current_step == "about"
        problems = errors(driver.response)
        assert "Enter an email address in the right format, like name@example.com" in problems
        assert len(problems) == 2

    def test_duplicate_of_an_open_referral_is_flagged_and_shown(self, staff_client, coordinator):
        earlier = demo.submit(first_name="Avery", last_name="Testpatient", date_of_birth="1981-04-12")
        driver = staff_driver(staff_client, coordinator)
        driver.complete()
        referral = Referral.objects.exclude(pk=earlier.pk).get()
        assert referral.possible_duplicate
        page = driver.response.content.decode()
        assert "Possible duplicate" in page and earlier.reference in page

    def test_a_second_post_of_the_same_submit_stores_one_referral(self, staff_client, coordinator):
        driver = staff_driver(staff_client, coordinator)
        driver.run_to("review")
        payload = driver.payload("review")
        url = reverse("admin:referrals_referral_phone_step", args=["review"])
        first = driver.client.post(url, payload)
        second = driver.client.post(url, payload)
        assert first.status_code == second.status_code == 302
        assert Referral.objects.count() == 1

    def test_a_post_after_the_answers_were_cleared_offers_a_staff_restart(self, staff_client, coordinator):
        driver = staff_driver(staff_client, coordinator)
        driver.run_to("reason")
        session = driver.client.session
        del session["wizard_staff_phone_intake"]
        session.save()
        url = reverse("admin:referrals_referral_phone_step", args=["reason"])
        response = driver.client.post(url, driver.payload("reason"))
        assert response.status_code == 400
        assert reverse("admin:referrals_referral_phone") + "?reset=1" in response.content.decode()
        assert not Referral.objects.exists()

    def test_its_session_storage_is_apart_from_the_patients_wizard(self, staff_client, coordinator):
        driver = staff_driver(staff_client, coordinator)
        driver.run_to("reason")
        session = driver.client.session
        assert "wizard_staff_phone_intake" in session
        assert "wizard_intake_wizard" not in session


class PhoneReferralPermissionTests:
    def urls(self):
        return [
            reverse("admin:referrals_referral_phone"),
            reverse("admin:referrals_referral_phone_step", args=["about"]),
            reverse("admin:referrals_referral_phone_done"),
        ]

    def test_anonymous_is_sent_to_sign_in(self, client, db):
        for url in self.urls():
            response = client.get(url)
            assert response.status_code == 302 and "/staff/login/" in response["Location"]

    @pytest.mark.parametrize("persona", ["clinic_admin", "staff_without_permission"])
    def test_clinic_admin_and_staff_without_the_role_are_refused(self, staff_client, request, persona):
        client = staff_client(request.getfixturevalue(persona))
        for url in self.urls():
            assert client.get(url).status_code == 403
        post = {
            "staff_phone_intake-current_step": "about",
            **{f"about-{k}": v for k, v in step_data()["about"].items()},
        }
        assert client.post(self.urls()[1], post).status_code == 403
        assert not Referral.objects.exists()

    def test_queue_shows_the_entry_buttons_only_to_those_who_may_enter(
        self, staff_client, coordinator, clinic_admin
    ):
        changelist = reverse("admin:referrals_referral_changelist")
        page = staff_client(coordinator).get(changelist).content.decode()
        assert "Take a referral by phone" in page and "Enter a faxed or mailed letter" in page
        page = staff_client(clinic_admin).get(changelist).content.decode()
        assert "Take a referral by phone" not in page

    def test_posted_findings_scores_and_checklist_states_are_ignored(self, staff_client, coordinator):
        driver = staff_driver(staff_client, coordinator)
        smuggled = {
            "findings": "bp_severe",
            "review-findings": "bp_severe",
            "review-scores": '{"phq9": {"total": 27}}',
            "scores": '{"phq9": {"total": 27}}',
            "review-checklist": "done",
            "checklist-roi_authorization": "done",
            "status": "cleared",
            "urgent_safety": "on",
            "entered_by": "1",
        }
        driver.run_to("review")
        driver.post("review", **smuggled)
        referral = Referral.objects.get()
        assert referral.status == Referral.Status.SUBMITTED
        assert referral.scores["phq9"]["total"] == 0
        assert not referral.urgent_safety
        assert referral.entered_by == coordinator
        assert not Finding.objects.filter(referral=referral, code="bp_severe").exists()
        assert not referral.checklist.exclude(status=ClearanceItem.ItemStatus.PENDING).exists()
        assert not Finding.objects.filter(referral=referral).exclude(resolution="").exists()

    def test_the_referral_admin_still_refuses_direct_adds(self, staff_client, coordinator, clinician):
        for user in (coordinator, clinician):
            client = staff_client(user)
            add = reverse("admin:referrals_referral_add")
            assert client.get(add).status_code == 403
            assert client.post(add, {"status": "cleared", "first_name": "X"}).status_code == 403
        assert not Referral.objects.exists()

    def test_findings_and_checklist_cannot_be_set_on_the_entered_referral_without_the_role(
        self, staff_client, coordinator
    ):
        # The coordinator's path onward is the review workspace: clinical items and findings stay a
        # clinician's (workflow guards), and they are never set by entering the referral.
        staff_driver(
            staff_client,
            coordinator,
            phone_data(consent__attested_name="coordinator", health__sleep_apnea="yes"),
        ).complete()
        referral = Referral.objects.get()
        finding = Finding.objects.filter(referral=referral).exclude(severity="note").first()
        assert finding is not None and finding.resolution == ""
        client = staff_client(coordinator)
        url = reverse("admin:referrals_referral_resolve_finding", args=[referral.pk, finding.pk])
        response = client.post(url, {"resolution": "dismissed", "note": "Not present"})
        assert response.status_code == 403
        finding.refresh_from_db()
        assert finding.resolution == ""
        clinical = referral.checklist.filter(kind="clinical").first()
        url = reverse("admin:referrals_referral_checklist_item", args=[referral.pk, clinical.pk])
        client.post(url, {"status": "done"})
        clinical.refresh_from_db()
        assert clinical.status == ClearanceItem.ItemStatus.PENDING
