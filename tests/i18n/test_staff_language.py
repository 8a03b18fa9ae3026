"""Staff work in English (issue 18, point 3): the patient's language is shown, never spoken.

A referral completed in Spanish carries a "Completed in Spanish" badge and the patient's preferred
language (else the forms' language, "Spanish (forms)") on the queue, the review page, the CSV export
and the printable summary; its answers show with the clinic's English wording. Staff may write an
information request in Spanish (the patient's email and its link follow; a referrer's stays
English), and the phone wizard records the language of the call.
"""

import csv
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.functional import lazy

from referrals import demo, notifications, workflow
from referrals.forms import intake as intake_forms
from referrals.models import InfoRequest, Notification, Referral
from tests.referrals.admin.test_phone_referral import phone_data, staff_driver
from tests.referrals.intake_driver import IntakeDriver

pytestmark = pytest.mark.django_db

QUEUE = "/staff/referrals/referral/"
EXPORT = "/staff/referrals/referral/export/"
BADGE = "Completed in Spanish"


def change_url(referral) -> str:
    return reverse("admin:referrals_referral_change", args=[referral.pk])


def summary_url(referral) -> str:
    return reverse("admin:referrals_referral_summary", args=[referral.pk])


def spanish(**kwargs) -> Referral:
    return demo.submit(**{"first_name": "Rosa", "last_name": "Ejemplo", "language": "es", **kwargs})


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def queue_row(page: str, referral: Referral) -> str:
    """The queue's table row of one referral (its HTML)."""
    start = page.index(change_url(referral))
    return page[page.rindex("<tr", 0, start) : page.index("</tr>", start)]


class QueueTests:
    def test_badge_and_preferred_language_in_the_row(self, staff_client, coordinator):
        forms_only = spanish()
        asked = spanish(first_name="Luis", preferred_language="Spanish")
        english = demo.submit(first_name="Avery")
        page = staff_client(coordinator).get(QUEUE).content.decode()
        row = queue_row(page, forms_only)
        assert BADGE in row and "prefers Spanish (forms)" in row
        row = queue_row(page, asked)
        assert BADGE in row and "prefers Spanish<" in row and "(forms)" not in row
        # The usual case says nothing, so the column stays as narrow as it was.
        row = queue_row(page, english)
        assert BADGE not in row and "prefers" not in row

    def test_english_forms_with_another_preferred_language(self, staff_client, coordinator):
        referral = demo.submit(preferred_language="Vietnamese")
        row = queue_row(staff_client(coordinator).get(QUEUE).content.decode(), referral)
        assert BADGE not in row and "prefers Vietnamese" in row

    def test_the_language_costs_no_query(self, staff_client, coordinator):
        client = staff_client(coordinator)
        for n in range(3):
            demo.submit(first_name=f"Avery{n}")
        client.get(QUEUE)  # warm caches (sessions, reviewer choices)
        with CaptureQueriesContext(connection) as english_only:
            assert client.get(QUEUE).status_code == 200
        for n in range(3):
            spanish(first_name=f"Rosa{n}", preferred_language="Spanish" if n else "")
        with CaptureQueriesContext(connection) as with_spanish:
            page = client.get(QUEUE).content.decode()
        assert page.count(BADGE) == 3
        assert len(with_spanish) == len(english_only)


class ReviewAndSummaryTests:
    def test_review_page(self, staff_client, coordinator):
        referral = spanish()
        page = staff_client(coordinator).get(change_url(referral)).content.decode()
        assert BADGE in page
        assert "Forms completed in Spanish · preferred language: Spanish (forms)" in page
        assert "the questions and answers show here with the clinic's English wording" in page

    def test_review_page_of_an_english_referral(self, staff_client, coordinator):
        referral = demo.submit()
        page = staff_client(coordinator).get(change_url(referral)).content.decode()
        assert BADGE not in page
        assert "Forms completed in English · preferred language: English (forms)" in page

    def test_recorded_preferred_language_wins(self, staff_client, coordinator):
        referral = spanish(preferred_language="Portuguese")
        page = staff_client(coordinator).get(change_url(referral)).content.decode()
        assert "preferred language: Portuguese" in page and "Portuguese (forms)" not in page

    def test_printable_summary(self, staff_client, coordinator):
        referral = spanish(preferred_language="Spanish")
        page = staff_client(coordinator).get(summary_url(referral)).content.decode()
        assert f"<strong>{BADGE}.</strong>" in page
        assert "Forms completed in Spanish · preferred language: Spanish" in page
        assert "Answered in Spanish; shown with the clinic's English wording." in page


class ExportTests:
    def test_csv_columns(self, staff_client, coordinator):
        forms_only = spanish()
        asked = spanish(first_name="Luis", preferred_language="Spanish")
        english = demo.submit(first_name="Avery")
        data = csv_rows(staff_client(coordinator).get(EXPORT))
        header = data[0]
        assert header[-2:] == [BADGE, "Preferred language"]
        by_reference = {row[0]: row for row in data[1:]}
        assert by_reference[forms_only.reference][-2:] == ["yes", "Spanish (forms)"]
        assert by_reference[asked.reference][-2:] == ["yes", "Spanish"]
        assert by_reference[english.reference][-2:] == ["", "English (forms)"]

    def test_preferred_language_cannot_be_a_formula(self, staff_client, coordinator):
        referral = demo.submit(preferred_language="=HYPERLINK(1)")
        data = csv_rows(staff_client(coordinator).get(EXPORT))
        row = next(row for row in data[1:] if row[0] == referral.reference)
        assert row[-1] == "'=HYPERLINK(1)"


def _per_language(english: str, spanish_text: str):
    """A label the way gettext_lazy behaves: Spanish while Spanish is active, else English."""
    return lazy(lambda: spanish_text if translation.get_language() == "es" else english, str)()


class SpanishDriver(IntakeDriver):
    """The patient's wizard at /es/..."""

    def start(self):
        with translation.override("es"):
            return super().start()

    def post(self, step=None, values=None, **extra):
        with translation.override("es"):
            return super().post(step, values, **extra)


class EnglishLabelsTests:
    def test_spanish_intake_is_stored_with_english_labels(
        self, client, staff_client, coordinator, monkeypatch
    ):
        field = intake_forms.AboutYouForm.base_fields["sex_at_birth"]
        monkeypatch.setattr(field, "label", _per_language("Sex assigned at birth", "Sexo asignado al nacer"))
        monkeypatch.setattr(
            field,
            "choices",
            [
                (
                    code,
                    _per_language(label, {"Male": "Hombre", "Female": "Mujer"}.get(str(label), str(label))),
                )
                for code, label in field.choices
            ],
        )
        driver = SpanishDriver(client)
        review = driver.run_to("review")
        assert review.request["PATH_INFO"].startswith("/es/")
        patient_page = review.content.decode()
        assert "Sexo asignado al nacer" in patient_page and "Hombre" in patient_page  # what the patient read
        driver.post("review")

        referral = Referral.objects.get()
        assert referral.language == "es"
        rows = [row for section in referral.details["summary"] for row in section["rows"]]
        assert {"question": "Sex assigned at birth", "answer": "Male"} in rows
        stored = str(referral.details["summary"])
        assert "Sexo" not in stored and "Hombre" not in stored

        review_page = staff_client(coordinator).get(change_url(referral)).content.decode()
        assert "Sex assigned at birth" in review_page and "<dd>Male</dd>" in review_page
        assert "Sexo" not in review_page and "Hombre" not in review_page
        assert BADGE in review_page
        summary = staff_client(coordinator).get(summary_url(referral)).content.decode()
        assert "<dt>Sex assigned at birth</dt><dd>Male</dd>" in summary

    def test_english_intake_keeps_english(self, client):
        IntakeDriver(client).complete()
        referral = Referral.objects.get()
        assert referral.language == "en" and referral.preferred_language == ""


class InfoRequestTests:
    def _in_review(self, coordinator, clinician, **kwargs):
        return demo.make_referral("in_review", coordinator=coordinator, clinician=clinician, **kwargs)

    def test_form_offers_the_language_defaulting_to_the_forms(self, staff_client, coordinator, clinician):
        referral = self._in_review(coordinator, clinician, language="es", first_name="Rosa")
        url = reverse("admin:referrals_referral_request_info", args=[referral.pk])
        page = staff_client(coordinator).get(url).content.decode()
        assert "Language of the message" in page
        assert 'value="es" required' not in page  # optional: left out, the forms' language is used
        assert 'name="language" value="es"' in page and 'value="es" id="id_language_1" checked' in page
        english = self._in_review(coordinator, clinician, first_name="Avery")
        url = reverse("admin:referrals_referral_request_info", args=[english.pk])
        page = staff_client(coordinator).get(url).content.decode()
        assert 'value="en" id="id_language_0" checked' in page

    def test_spanish_request_sends_a_spanish_email_with_an_es_link(
        self, staff_client, coordinator, clinician
    ):
        referral = self._in_review(coordinator, clinician)  # English forms; staff choose Spanish anyway
        since = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        url = reverse("admin:referrals_referral_request_info", args=[referral.pk])
        data = {"audience": "patient", "items": ["medications"], "message": "Por favor, envíe sus medicinas.",
                "language": "es"}  # fmt: skip
        response = staff_client(coordinator).post(url, data)
        assert response.status_code == 302
        info = InfoRequest.objects.get(referral=referral)
        assert info.language == "es"
        email = Notification.objects.get(referral=referral, pk__gt=since, template="patient_info_request")
        assert email.language == "es"
        assert email.context["link"].startswith(f"{notifications.absolute_url('/es/info/')}")
        _subject, body = notifications.render(email)
        assert "/es/info/" in body
        page = staff_client(coordinator).get(change_url(referral)).content.decode()
        assert ", in Spanish</h3>" in page

    def test_english_request_for_a_spanish_patient(self, coordinator, clinician):
        referral = self._in_review(coordinator, clinician, language="es")
        info, _token = workflow.request_info(
            referral, actor=coordinator, items=["medications"], message="Please send them.", language="en"
        )
        email = Notification.objects.get(referral=referral, template="patient_info_request")
        assert info.language == email.language == "en"
        assert "/es/" not in email.context["link"] and "/info/" in email.context["link"]

    def test_left_out_the_language_follows_the_forms(self, coordinator, clinician):
        referral = self._in_review(coordinator, clinician, language="es")
        info, _token = workflow.request_info(
            referral, actor=coordinator, items=["medications"], message="Por favor."
        )
        assert info.language == "es"

    def test_the_referrer_is_written_to_in_english(self, staff_client, coordinator):
        provider, _token = demo.provider_referral()
        with translation.override("es"):  # the patient completes the forms at /es/
            referral = demo.complete_provider_referral(provider)
        referral.refresh_from_db()
        assert referral.language == "es"
        demo.advance(referral, "in_review", coordinator=coordinator, clinician=coordinator)
        url = reverse("admin:referrals_referral_request_info", args=[referral.pk])
        data = {"audience": "referrer", "items": ["diagnosis_history"], "message": "Please send the notes.",
                "language": "es"}  # fmt: skip
        assert staff_client(coordinator).post(url, data).status_code == 302
        info = InfoRequest.objects.get(referral=referral)
        assert info.language == "en"
        email = Notification.objects.get(referral=referral, template="referrer_info_request")
        assert email.language == "en" and "/es/" not in email.context["link"]


class PhoneWizardTests:
    def test_a_call_in_spanish(self, staff_client, coordinator):
        data = phone_data(consent__attested_name="coordinator", consent__call_language="es")
        driver = staff_driver(staff_client, coordinator, data)
        driver.run_to("consent")
        page = driver.response.content.decode()
        assert "Language of the call" in page
        driver.complete()
        referral = Referral.objects.get()
        assert referral.preferred_language == "Spanish"
        assert referral.language == "es"  # the patient's status emails are Spanish
        email = Notification.objects.get(referral=referral, audience="patient")
        assert email.language == "es" and "/es/" in email.context["status_url"]
        # The coordinator's answers are stored in English, like every summary staff read.
        assert "the link to check the status, in Spanish." in driver.response.content.decode()
        rows = [row for section in referral.details["summary"] for row in section["rows"]]
        assert {"question": "Language of the call", "answer": "Spanish"} in rows
        review = driver.client.get(change_url(referral)).content.decode()
        assert BADGE in review and "preferred language: Spanish" in review

    def test_the_call_language_is_asked_once(self, staff_client, coordinator):
        """The coordinator records the call's language at consent; the patient's own "language we
        should use" question is not asked again on the contact step."""
        driver = staff_driver(staff_client, coordinator, phone_data(consent__attested_name="coordinator"))
        driver.run_to("about")
        page = driver.response.content.decode()
        assert 'name="about-email"' in page
        assert "preferred_language" not in page
        patient = IntakeDriver(Client())
        patient.run_to("about")
        assert 'name="about-preferred_language"' in patient.response.content.decode()

    def test_a_call_with_an_interpreter(self, staff_client, coordinator):
        data = phone_data(
            consent__attested_name="coordinator",
            consent__call_language="other",
            consent__other_language="Tagalog",
        )
        staff_driver(staff_client, coordinator, data).complete()
        referral = Referral.objects.get()
        assert referral.preferred_language == "Tagalog" and referral.language == "en"
        email = Notification.objects.get(referral=referral, audience="patient")
        assert email.language == "en"

    def test_another_language_must_be_named(self, staff_client, coordinator):
        data = phone_data(consent__attested_name="coordinator", consent__call_language="other")
        driver = staff_driver(staff_client, coordinator, data)
        driver.run_to("consent")
        driver.post()
        assert driver.current_step == "consent"
        assert "Type the language of the call" in driver.response.content.decode()
        assert not Referral.objects.exists()

    def test_a_call_in_english_is_recorded(self, staff_client, coordinator):
        data = phone_data(consent__attested_name="coordinator", consent__call_language="en")
        staff_driver(staff_client, coordinator, data).complete()
        referral = Referral.objects.get()
        assert referral.preferred_language == "English" and referral.language == "en"

    def test_not_recorded_leaves_it_blank(self, staff_client, coordinator):
        staff_driver(staff_client, coordinator).complete()
        referral = Referral.objects.get()
        assert referral.preferred_language == "" and referral.language == "en"


class DemoTests:
    def test_seed_demo_has_a_referral_completed_in_spanish(self):
        from django.core.management import call_command

        call_command("seed_demo", "--allow-outside-development", stdout=io.StringIO())
        spanish_rows = Referral.objects.filter(language="es")
        assert spanish_rows.count() == 1
        referral = spanish_rows.get()
        assert referral.preferred_language == "Spanish" and referral.is_open


class FhirTests:
    """Patient.communication, checked by the independent validator (fhir.resources, R4B)."""

    def _patient(self, referral) -> dict:
        from tests.referrals.fhir.conftest import make_bundle, resources_of, validate

        bundle = make_bundle(referral)
        validate(bundle)
        (patient,) = resources_of(bundle, "Patient")
        model = validate(patient)
        assert model.get_resource_type() == "Patient"
        return patient

    def test_spanish_preferred(self):
        patient = self._patient(spanish(preferred_language="Spanish"))
        assert patient["communication"] == [
            {
                "language": {
                    "coding": [{"system": "urn:ietf:bcp:47", "code": "es", "display": "Spanish"}],
                    "text": "Spanish",
                },
                "preferred": True,
            }
        ]

    def test_forms_language_when_nothing_recorded(self):
        patient = self._patient(spanish())
        assert patient["communication"] == [
            {
                "language": {
                    "coding": [{"system": "urn:ietf:bcp:47", "code": "es", "display": "Spanish"}],
                    "text": "Spanish",
                }
            }
        ]

    def test_another_language_as_text_beside_the_forms(self):
        patient = self._patient(demo.submit(preferred_language="Tagalog"))
        assert patient["communication"] == [
            {"language": {"text": "Tagalog"}, "preferred": True},
            {
                "language": {
                    "coding": [{"system": "urn:ietf:bcp:47", "code": "en", "display": "English"}],
                    "text": "English",
                }
            },
        ]
