"""The provider referral page: NPIs, ICD-10 codes, the required letter, attachments, one referral per submit."""

import hashlib
import io

import pikepdf
import pytest
from django.urls import reverse

from referrals.models import Document, Notification, Referral
from tests.referrals.provider_data import (
    PDF,
    image_bytes,
    pdf_file,
    provider_post,
    send_provider_referral,
    upload,
)

pytestmark = pytest.mark.django_db
URL = "provider-referral"


def errors_for(response, field):
    return [str(e) for e in response.context["form"].errors.get(field, [])]


class ProviderReferralTests:
    def test_page_shows_the_form_with_a_submission_token(self, client):
        response = client.get(reverse("referrals:provider-referral"))
        assert response.status_code == 200
        assert b'name="submission_token"' in response.content
        assert b'enctype="multipart/form-data"' in response.content
        assert b"G90.50" in response.content  # the pick list of common codes

    def test_good_referral_is_created_awaiting_the_patient(self, client):
        response = send_provider_referral(client)
        assert response.status_code == 302
        assert response["Location"] == reverse("referrals:provider-confirmation")
        referral = Referral.objects.get()
        assert referral.status == Referral.Status.AWAITING_PATIENT
        assert referral.source == Referral.Source.PROVIDER
        assert referral.referrer.npi == "1234567893"
        assert referral.indication == "trd"
        assert referral.secondary_indications == ["anxiety"]
        assert referral.provider_details["icd10_codes"] == ["F33.2", "F41.1"]
        assert referral.provider_details["patient"]["date_of_birth"] == "1975-06-15"
        assert referral.completion_token_hash and referral.completion_expires_at
        letter = referral.documents.get()
        assert letter.kind == Document.Kind.REFERRAL_LETTER
        assert letter.original_name == "letter.pdf"
        assert letter.session_key == ""
        templates = set(Notification.objects.values_list("template", flat=True))
        assert {"patient_complete_health_questions", "referrer_received", "staff_new_referral"} <= templates

    def test_confirmation_shows_the_reference_without_phi_in_the_url(self, client):
        response = send_provider_referral(client)
        page = client.get(response["Location"])
        referral = Referral.objects.get()
        assert referral.reference in page.content.decode()
        assert "Casey" not in response["Location"] and referral.reference not in response["Location"]

    def test_emails_carry_no_patient_details(self, client):
        send_provider_referral(client)
        for note in Notification.objects.all():
            text = str(note.context)
            assert "Casey" not in text and "1975" not in text and "Sertraline" not in text

    @pytest.mark.parametrize("npi", ["1234567893", "1234 567 893", "1234-567-893"])
    def test_valid_npis_are_accepted(self, client, npi):
        assert send_provider_referral(client, npi=npi).status_code == 302
        assert Referral.objects.get().referrer.npi == "1234567893"

    @pytest.mark.parametrize(
        ("npi", "message"),
        [
            ("1234567890", "last digit does not match"),
            ("123456789", "10 digits"),
            ("12345678931", "10 digits"),
            ("12345abc93", "10 digits"),
            ("", "Enter your NPI"),
        ],
    )
    def test_bad_npis_are_refused_with_a_clear_message(self, client, npi, message):
        response = send_provider_referral(client, npi=npi)
        assert response.status_code == 200
        assert any(message in e for e in errors_for(response, "npi"))
        assert Referral.objects.count() == 0
        assert message in response.content.decode()  # beside the field and in the summary

    @pytest.mark.parametrize(
        ("typed", "stored"),
        [
            ("F33.2", ["F33.2"]),
            ("f332", ["F33.2"]),
            ("G90.50, M79.7", ["G90.50", "M79.7"]),
            ("F32.A", ["F32.A"]),
        ],
    )
    def test_icd10_codes_are_normalised(self, client, typed, stored):
        response = send_provider_referral(client, icd10_common=None, icd10_other=typed)
        assert response.status_code == 302
        assert Referral.objects.get().provider_details["icd10_codes"] == stored

    @pytest.mark.parametrize("typed", ["FAB.1", "F3", "F33.23456", "33.2"])
    def test_bad_icd10_codes_are_refused(self, client, typed):
        response = send_provider_referral(client, icd10_other=typed)
        assert response.status_code == 200
        assert any("not an ICD-10-CM code" in e for e in errors_for(response, "icd10_other"))
        assert Referral.objects.count() == 0

    def test_at_least_one_code_is_needed(self, client):
        response = send_provider_referral(client, icd10_common=None, icd10_other="")
        assert "Tick or type at least one ICD-10-CM code" in errors_for(response, "icd10_other")

    def test_unknown_pick_list_code_is_refused(self, client):
        response = send_provider_referral(client, icd10_common=["Z99.99"])
        assert errors_for(response, "icd10_common") == ["Choose only from the codes shown"]

    def test_missing_letter_is_refused_and_the_form_kept(self, client):
        response = client.post(reverse("referrals:provider-referral"), provider_post())
        assert response.status_code == 200
        assert errors_for(response, "referral_letter") == [
            "Attach the referral letter as a PDF, JPEG or PNG file"
        ]
        assert 'value="Dr Robin Example"' in response.content.decode()
        assert Referral.objects.count() == 0

    def test_bad_attachment_keeps_the_rest_of_the_form(self, client):
        fake = upload("letter.pdf", b"MZ\x90\x00\x03\x00\x00\x00This program cannot be run in DOS mode")
        response = send_provider_referral(client, referral_letter=fake)
        assert response.status_code == 200
        assert any("not a PDF, JPEG or PNG" in e for e in errors_for(response, "referral_letter"))
        content = response.content.decode()
        assert 'value="Casey"' in content and "Sertraline 200 mg daily" in content
        assert Referral.objects.count() == 0 and Document.objects.count() == 0

    def test_a_good_letter_is_kept_while_another_field_is_fixed(self, client):
        data = provider_post(npi="1234567890")
        response = client.post(
            reverse("referrals:provider-referral"), {**data, "referral_letter": pdf_file()}
        )
        assert response.status_code == 200
        assert "letter.pdf" in response.content.decode()  # listed as attached
        assert Document.objects.filter(referral__isnull=True).count() == 1
        # The clinician fixes the NPI and sends again without choosing the letter again.
        response = client.post(reverse("referrals:provider-referral"), {**data, "npi": "1234567893"})
        assert response.status_code == 302
        assert Referral.objects.get().documents.count() == 1

    def test_an_attached_file_can_be_removed(self, client):
        data = provider_post(npi="1234567890")
        client.post(reverse("referrals:provider-referral"), {**data, "referral_letter": pdf_file()})
        doc = Document.objects.get()
        response = client.post(
            reverse("referrals:provider-referral"), {**data, "remove_document": str(doc.pk)}
        )
        assert response.status_code == 200
        assert not response.context["form"].errors
        assert Document.objects.count() == 0

    def test_other_records_are_attached_with_the_letter(self, client):
        records = [upload("scan.png", image_bytes("PNG")), upload("ecg.jpg", image_bytes("JPEG"))]
        response = send_provider_referral(client, other_files=records)
        assert response.status_code == 302
        kinds = sorted(Referral.objects.get().documents.values_list("kind", flat=True))
        assert kinds == ["records", "records", "referral_letter"]

    def test_double_submit_makes_one_referral(self, client):
        data = provider_post()
        first = client.post(reverse("referrals:provider-referral"), {**data, "referral_letter": pdf_file()})
        second = client.post(reverse("referrals:provider-referral"), {**data, "referral_letter": pdf_file()})
        assert first.status_code == second.status_code == 302
        assert second["Location"] == reverse("referrals:provider-confirmation")
        assert Referral.objects.count() == 1

    def test_double_submit_from_another_session_makes_one_referral(self, client):
        from django.test import Client

        data = provider_post()
        client.post(reverse("referrals:provider-referral"), {**data, "referral_letter": pdf_file()})
        other = Client().post(reverse("referrals:provider-referral"), {**data, "referral_letter": pdf_file()})
        assert other.status_code == 302
        assert Referral.objects.count() == 1

    def test_tampered_token_gets_a_fresh_form(self, client):
        response = send_provider_referral(client, submission_token="not-a-uuid")
        assert response.status_code == 302
        assert Referral.objects.count() == 0

    def test_future_birth_date_is_refused(self, client):
        response = send_provider_referral(client, date_of_birth="2999-01-01")
        assert errors_for(response, "date_of_birth") == ["The patient's date of birth must be in the past"]

    def test_patient_email_is_required_for_the_link(self, client):
        response = send_provider_referral(client, email="")
        assert "we send them a link" in errors_for(response, "email")[0]

    def test_confirmation_without_a_referral_goes_to_the_form(self, client):
        response = client.get(reverse("referrals:provider-confirmation"))
        assert response.status_code == 302

    def test_pdf_letter_is_stored_as_a_clean_copy_of_the_same_document(self, client):
        send_provider_referral(client)
        letter = Referral.objects.get().documents.get()
        with letter.file.open("rb") as handle:
            stored = handle.read()
        assert stored.startswith(b"%PDF-")
        with pikepdf.open(io.BytesIO(stored)) as pdf, pikepdf.open(io.BytesIO(PDF)) as original:
            assert len(pdf.pages) == len(original.pages) == 1
        assert letter.sha256 == hashlib.sha256(stored).hexdigest()
