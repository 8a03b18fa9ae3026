"""The self-referral wizard end to end through the Django test client."""

import re
import uuid

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from referrals import notifications
from referrals.models import Notification, Referral
from tests.intake_data import step_data
from tests.referrals.intake_driver import PREFIX, IntakeDriver, errors

pytestmark = pytest.mark.django_db


def female_depression(**overrides):
    values = {
        "about__sex_at_birth": "female",
        "about__first_name": "Robin",
        "about__last_name": "Example",
        "consent__signature": "Robin Example",
        "health__can_become_pregnant": "yes",
        "health__pregnant": "no",
        **overrides,
    }
    return step_data("trd", **values)


class PainPathTests:
    def test_pain_referral_arrives_scored_screened_and_checklisted(self, client):
        driver = IntakeDriver(client, step_data("crps"))
        response = driver.complete()

        assert response.redirect_chain[-1][0] == reverse("referrals:intake-confirmation")
        referral = Referral.objects.get()
        assert referral.status == Referral.Status.SUBMITTED
        assert referral.source == Referral.Source.SELF
        assert referral.indication == "crps"
        assert referral.reference in response.content.decode()
        assert referral.answers["pain_worst"] == 9
        assert set(referral.scores) == {"phq9", "pain_nrs"}
        assert referral.scores["pain_nrs"]["average"] == 7
        assert referral.urgent_safety is False
        steps = set(referral.checklist.values_list("step_id", flat=True))
        assert "roi_authorization" in steps and "referral_received" in steps
        assert "suicide_risk_screen" not in steps and "pregnancy_test" not in steps
        assert referral.questionnaire_version
        assert referral.details["summary"][0]["title"] == "About you"
        assert referral.details["consent"]["signature"] == "Avery Testpatient"

    def test_pain_path_skips_depression_and_safety_steps(self, client):
        driver = IntakeDriver(client, step_data("back_spine"))
        driver.start()
        seen = []
        while driver.current_step != "review":
            seen.append(driver.current_step)
            driver.post()
        assert "depression" not in seen and "safety" not in seen
        assert "gad7_1" not in driver.client.session.get("wizard_" + PREFIX, {}).get("step_data", {}).get(
            "more", {}
        )


class DepressionPathTests:
    def test_depression_referral_asks_history_anxiety_and_safety(self, client):
        driver = IntakeDriver(client, female_depression())
        driver.start()
        seen = []
        while driver.current_step != "review":
            seen.append(driver.current_step)
            driver.post()
        assert {"depression", "safety", "more"} <= set(seen)
        driver.post("review")
        referral = Referral.objects.get()
        assert set(referral.scores) == {"phq9", "gad7", "asq"}
        assert referral.answers["can_become_pregnant"] == "yes"
        assert referral.answers["pregnant"] == "no"
        assert referral.details["depression_history"]["antidepressant_trials"] == "2"
        steps = set(referral.checklist.values_list("step_id", flat=True))
        assert {"suicide_risk_screen", "pregnancy_test"} <= steps

    def test_pregnancy_answer_is_required_when_pregnancy_is_possible(self, client):
        driver = IntakeDriver(client, female_depression(health__pregnant=None))
        driver.run_to("health")
        response = driver.post()
        assert driver.current_step == "health"
        assert "Tell us whether you are, or could be, pregnant" in errors(response)


class PTSDPathTests:
    def test_ptsd_referral_scores_the_pc_ptsd5(self, client):
        driver = IntakeDriver(client, step_data("ptsd", about__sex_at_birth="male"))
        driver.complete()
        referral = Referral.objects.get()
        assert referral.scores["pc_ptsd5"] == {"total": 5, "positive": True}
        assert referral.answers["pc_ptsd5"] == [True] * 5
        assert "pain_nrs" not in referral.scores

    def test_not_exposed_needs_no_symptom_answers(self, client):
        data = step_data("ptsd")
        data["more"] = {k: v for k, v in data["more"].items() if not k.startswith("pc_ptsd5_")}
        data["more"]["pc_ptsd5_exposed"] = "no"
        IntakeDriver(client, data).complete()
        referral = Referral.objects.get()
        assert referral.scores["pc_ptsd5"]["total"] == 0
        assert "pc_ptsd5" not in referral.answers


class BackAndChangeTests:
    def test_back_saves_the_page_even_when_incomplete(self, client):
        driver = IntakeDriver(client)
        driver.run_to("reason")
        driver.back({"indication": "fibromyalgia", "treatments_tried": "Swimming"}, to="about")
        assert driver.current_step == "about"
        page = driver.post("about").content.decode()  # forward again
        assert driver.current_step == "reason"
        assert re.search(r'value="fibromyalgia"[^>]*checked', page)
        assert "Swimming" in page

    def test_back_keeps_every_earlier_answer(self, client):
        driver = IntakeDriver(client)
        driver.run_to("medications")
        driver.back(to="health_mind")
        driver.back(to="health")
        page = driver.response.content.decode()
        assert 'value="170"' in page and 'value="122"' in page

    def test_change_from_review_returns_to_review_and_keeps_answers(self, client):
        driver = IntakeDriver(client)
        driver.run_to("review")
        driver.client.get(reverse("referrals:intake-step", args=["health"]))
        driver.response = driver.client.get(reverse("referrals:intake-step", args=["health"]))
        health = {**driver.data["health"], "bp_systolic": "150", "bp_diastolic": "95"}
        driver.post("health", health)
        assert driver.current_step == "review"
        page = driver.response.content.decode()
        assert "150" in page and "Avery" in page and "Ibuprofen 400 mg as needed" in page
        driver.post("review")
        referral = Referral.objects.get()
        assert referral.answers["bp_systolic"] == 150
        assert "bp_elevated" in set(referral.findings.values_list("code", flat=True))

    def test_changing_the_reason_adds_the_steps_that_now_apply(self, client):
        driver = IntakeDriver(client)
        driver.run_to("review")
        driver.response = driver.client.get(reverse("referrals:intake-step", args=["reason"]))
        driver.post("reason", {**driver.data["reason"], "indication": "trd"})
        assert driver.current_step == "depression"


class SafetyPathwayTests:
    def test_item_nine_shows_crisis_resources_on_the_next_page_and_marks_urgent(self, client):
        data = step_data("crps")
        data["mood"]["phq9_9"] = "1"
        driver = IntakeDriver(client, data)
        driver.run_to("mood")
        assert "Support is available right now" not in driver.response.content.decode()
        response = driver.post()
        assert driver.current_step == "safety"  # ASQ now applies to a pain referral too
        page = response.content.decode()
        assert "Support is available right now" in page and "988" in page and "911" in page
        driver.complete()
        referral = Referral.objects.get()
        assert referral.urgent_safety is True
        assert "Support is available right now" in driver.response.content.decode()
        alert = Notification.objects.get(template="staff_urgent_safety")
        assert alert.audience == "staff" and alert.context == {
            "reference": referral.reference,
            "admin_url": alert.context["admin_url"],
        }
        notifications.send_due()
        staff_mail = [m for m in mail.outbox if "URGENT" in m.subject][0]
        assert "Avery" not in staff_mail.body and "Testpatient" not in staff_mail.body

    def test_positive_asq_shows_resources_and_is_urgent(self, client):
        data = female_depression()
        data["safety"] = {"asq_q1": "yes", "asq_q2": "no", "asq_q3": "no", "asq_q4": "no", "asq_acuity": "no"}
        driver = IntakeDriver(client, data)
        driver.run_to("safety")
        response = driver.post()
        assert "Support is available right now" in response.content.decode()
        driver.complete()
        referral = Referral.objects.get()
        assert referral.urgent_safety and not referral.asq_acute
        assert referral.scores["asq"]["result"] == "non_acute_positive"

    def test_acuity_must_be_answered_after_a_yes(self, client):
        data = female_depression()
        data["safety"] = {"asq_q1": "no", "asq_q2": "no", "asq_q3": "yes", "asq_q4": "no"}
        driver = IntakeDriver(client, data)
        driver.run_to("safety")
        response = driver.post()
        assert driver.current_step == "safety"
        assert "You answered yes above, so please answer this question too" in errors(response)

    def test_the_form_says_it_is_not_monitored(self, client):
        driver = IntakeDriver(client)
        page = driver.start().content.decode()
        assert "not monitored around the clock" in page


class DoubleSubmitTests:
    def test_posting_the_review_twice_stores_one_referral(self, client):
        driver = IntakeDriver(client)
        driver.run_to("review")
        payload = driver.payload("review")
        url = reverse("referrals:intake-step", args=["review"])
        first = client.post(url, payload)
        second = client.post(url, payload)
        assert Referral.objects.count() == 1
        assert first.status_code == second.status_code == 302
        assert second["Location"] == reverse("referrals:intake-confirmation")

    def test_same_token_from_two_sessions_stores_one_referral(self, client):
        from referrals import workflow
        from referrals.views.intake import build_submission

        driver = IntakeDriver(client)
        driver.complete()
        referral = Referral.objects.get()
        with pytest.raises(Exception) as raised:
            workflow.submit_referral(
                submission_token=referral.submission_token,
                identity={"first_name": "x", "last_name": "y", "date_of_birth": referral.date_of_birth},
                answers=workflow.core_answers(referral.answers),
                details={},
                today=timezone.localdate(referral.submitted_at),  # the clinic's day, as the app uses
                questionnaire_version="x",
            )
        assert type(raised.value).__name__ == "DuplicateSubmissionError"
        assert raised.value.referral == referral
        assert Referral.objects.count() == 1
        assert callable(build_submission)


class TamperedAndStaleTests:
    def test_missing_management_form_gets_a_friendly_400(self, client):
        IntakeDriver(client).start()
        response = client.post(reverse("referrals:intake-step", args=["about"]), {"about-first_name": "x"})
        assert response.status_code == 400
        assert "Something went wrong with that form" in response.content.decode()

    def test_unknown_step_in_management_form_gets_a_friendly_400(self, client):
        IntakeDriver(client).start()
        response = client.post(
            reverse("referrals:intake-step", args=["about"]), {f"{PREFIX}-current_step": "../../admin"}
        )
        assert response.status_code == 400

    def test_post_after_the_session_ended_explains_and_keeps_nothing(self, client):
        driver = IntakeDriver(client)
        driver.run_to("medications")
        client.cookies.clear()  # the session is gone, as after 2 idle hours
        response = client.post(
            reverse("referrals:intake-step", args=["medications"]), driver.payload("medications")
        )
        assert response.status_code == 400
        assert "Your form session has ended" in response.content.decode()
        assert Referral.objects.count() == 0

    def test_a_step_that_does_not_apply_redirects(self, client):
        driver = IntakeDriver(client)
        driver.run_to("health")
        response = client.get(reverse("referrals:intake-step", args=["depression"]))
        assert response.status_code == 302

    def test_bad_submission_token_is_refused(self, client):
        driver = IntakeDriver(client)
        driver.run_to("review")
        url = reverse("referrals:intake-step", args=["review"])
        payload = {**driver.payload("review"), "review-submission_token": "not-a-uuid"}
        response = client.post(url, payload)
        assert response.status_code == 200
        assert Referral.objects.count() == 0
        assert uuid.UUID(driver.token())


class ValidationTests:
    @pytest.mark.parametrize(
        "field,value,message",
        [
            ("first_name", "", "Enter first name"),
            ("date_of_birth", "2999-01-01", "Your date of birth must be in the past"),
            ("date_of_birth", "2023-02-30", "Enter a real date of birth, for example 03/27/1980"),
            ("email", "not-an-email", "Enter an email address in the right format, like name@example.com"),
            ("phone", "12345", "Enter a 10-digit US phone number, for example (555) 010-0123"),
            ("sex_at_birth", "robot", "Choose one of the answers shown"),
            ("first_name", "A\x00B", "Remove the unusual hidden characters from this answer."),
        ],
    )
    def test_about_you_messages(self, client, field, value, message):
        driver = IntakeDriver(client)
        driver.start()
        response = driver.post("about", {**driver.data["about"], field: value})
        assert driver.current_step == "about"
        assert message in errors(response)
        assert "There is a problem with your answers" in response.content.decode()
        assert response.content.decode().count("<title>Error:") == 1

    @pytest.mark.parametrize(
        "changes,field,message",
        [
            (
                {"bp_systolic": "150", "bp_diastolic": ""},
                "bp_diastolic",
                "Enter both blood pressure numbers, or leave both blank",
            ),
            ({"bp_systolic": "300"}, "bp_systolic", "The top number is usually between 60 and 260"),
            (
                {"bp_systolic": "80", "bp_diastolic": "90"},
                "bp_diastolic",
                "The bottom number should be lower than the top number",
            ),
            (
                {"height_feet": "", "height_inches": "5"},
                "height_feet",
                "Enter feet as well as inches, or leave both blank",
            ),
            ({"weight_pounds": "9000"}, "weight_pounds", "Enter a weight between 44 and 770 pounds"),
            ({"liver_disease": ""}, "liver_disease", "Choose an answer"),
        ],
    )
    def test_health_messages(self, client, changes, field, message):
        driver = IntakeDriver(client)
        driver.run_to("health")
        response = driver.post("health", {**driver.data["health"], **changes})
        assert driver.current_step == "health"
        assert message in errors(response)
        assert f'href="#id_health-{field}' in response.content.decode()

    def test_unknown_height_and_pressure_are_allowed(self, client):
        data = step_data()
        for key in ("height_feet", "height_inches", "weight_pounds", "bp_systolic", "bp_diastolic"):
            data["health"].pop(key)
        IntakeDriver(client, data).complete()
        referral = Referral.objects.get()
        assert referral.answers["height_cm"] is None and referral.answers["bp_systolic"] is None

    def test_height_and_weight_are_converted(self, client):
        IntakeDriver(client).complete()
        answers = Referral.objects.get().answers
        assert answers["height_cm"] == 177.8 and answers["weight_kg"] == 77.1

    def test_signature_must_match_the_name(self, client):
        driver = IntakeDriver(client)
        driver.run_to("consent")
        response = driver.post("consent", {**driver.data["consent"], "signature": "Someone Else"})
        assert "Type your full name exactly as you gave it earlier: Avery Testpatient" in errors(response)

    def test_insurance_details_are_required_for_insurance(self, client):
        driver = IntakeDriver(client)
        driver.run_to("practical")
        response = driver.post("practical", {"escort_available": "yes", "payment": "insurance"})
        assert "Enter the name of your insurance company" in errors(response)
        assert "Enter your member ID, as shown on your insurance card" in errors(response)


class SubmissionTests:
    def test_possible_duplicate_is_flagged_not_blocked(self, client, django_user_model):
        IntakeDriver(client).complete()
        client.cookies.clear()
        IntakeDriver(client).complete()
        first, second = Referral.objects.order_by("id")
        assert not first.possible_duplicate and second.possible_duplicate
        assert first.reference != second.reference

    def test_notifications_are_queued_not_sent_in_the_request(self, client, settings):
        settings.NOTIFICATIONS_SEND_ON_COMMIT = False
        IntakeDriver(client).complete()
        assert mail.outbox == []
        queued = Notification.objects.order_by("id")
        assert [n.template for n in queued] == ["patient_received", "staff_new_referral"]
        assert notifications.send_due() == (2, 0)
        patient_mail = mail.outbox[0]
        assert patient_mail.to == ["avery@example.com"]
        for leak in ("Avery", "Testpatient", "Ibuprofen", "1981"):
            assert leak not in patient_mail.body and leak not in patient_mail.subject

    def test_submission_is_rate_limited_without_losing_answers(self, client, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "submit": "1/3600"}
        IntakeDriver(client).complete()
        client.cookies.clear()
        driver = IntakeDriver(client)
        driver.run_to("review")
        response = client.post(reverse("referrals:intake-step", args=["review"]), driver.payload("review"))
        assert response.status_code == 429
        assert Referral.objects.count() == 1
        again = client.get(reverse("referrals:intake-step", args=["review"]))
        assert "Avery" in again.content.decode()  # the answers are still there


class QueryBudgetTests:
    def test_each_step_uses_a_bounded_number_of_queries(self, client, django_assert_max_num_queries):
        driver = IntakeDriver(client)
        driver.start()
        while driver.current_step != "review":
            with django_assert_max_num_queries(15, info=driver.current_step):
                driver.post()
        with django_assert_max_num_queries(50, info="submit"):
            driver.post("review")
        assert Referral.objects.count() == 1


class DocumentsStepTests:
    def test_the_documents_step_form_can_carry_files(self, client):
        driver = IntakeDriver(client)
        driver.run_to("documents")
        page = driver.response.content.decode()
        assert 'enctype="multipart/form-data"' in page
        assert 'type="file"' in page


class ReviewPageTests:
    def test_each_section_has_a_change_link_to_its_step(self, client):
        driver = IntakeDriver(client)
        driver.run_to("review")
        page = driver.response.content.decode()
        for step in ("about", "reason", "health", "medications", "consent"):
            assert f'href="{reverse("referrals:intake-step", args=[step])}"' in page
