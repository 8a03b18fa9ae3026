"""Download FHIR on the review page (every status, recorded as a read) and the published Questionnaires."""

import json
import logging

import pytest
from django.urls import reverse

from referrals.fhir import codes
from referrals.models import AccessEvent, Referral, ReferralEvent
from tests.referrals.admin.conftest import change_url
from tests.referrals.fhir.conftest import references, validate

pytestmark = pytest.mark.django_db
QUESTIONNAIRES = "/staff/referrals/referral/fhir/questionnaires/"


def fhir_url(referral) -> str:
    return reverse("admin:referrals_referral_fhir", args=[referral.pk])


class DownloadTests:
    def test_anonymous_and_staff_without_permission(self, client, staff_client, staff_without_permission,
                                                    make_referral):  # fmt: skip
        referral = make_referral("in_review")
        assert "/staff/login/" in client.get(fhir_url(referral))["Location"]
        assert staff_client(staff_without_permission).get(fhir_url(referral)).status_code == 403
        assert not AccessEvent.objects.filter(action="export").exists()

    def test_unknown_referral_is_404(self, staff_client, coordinator):
        assert (
            staff_client(coordinator).get(reverse("admin:referrals_referral_fhir", args=[999999])).status_code
            == 404
        )

    @pytest.mark.parametrize("status", [s.value for s in Referral.Status])
    def test_every_status_downloads_a_valid_bundle_recorded_as_a_read(self, staff_client, coordinator, make_referral,
                                                                      status):  # fmt: skip
        referral = make_referral(status, first_name="Qzdownload")
        response = staff_client(coordinator).get(fhir_url(referral))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/fhir+json"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;") and referral.reference in disposition
        assert "Qzdownload" not in disposition and "Example" not in disposition  # no name in the file name
        assert response["Cache-Control"] == "no-store"
        bundle = json.loads(response.content)
        validate(bundle)
        assert set(references(bundle)) <= {e["fullUrl"] for e in bundle["entry"]}
        request = [
            e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "ServiceRequest"
        ][0]
        assert {"url": codes.EXT_REFERRAL_STATUS, "valueCode": status} in request["extension"]

        read = AccessEvent.objects.get(action=AccessEvent.Action.EXPORT, referral=referral)
        assert read.user == coordinator and read.object_type == "fhir:bundle" and read.row_count == 1
        assert ReferralEvent.objects.filter(referral=referral, kind="exported", actor=coordinator).exists()

    def test_queries_do_not_grow_with_findings_and_checklist(self, staff_client, coordinator, make_referral):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = staff_client(coordinator)
        plain = make_referral("cleared")
        busy = make_referral("cleared", sleep_apnea=True, glaucoma=True, seizures=True, medications=["maoi", "glp1"],
                             heart_conditions=["valve"], alcohol_heavy=True)  # fmt: skip
        assert (
            busy.findings.count() >= plain.findings.count() + 5
            and busy.checklist.count() > plain.checklist.count()
        )
        counts = []
        for referral in (plain, busy):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(fhir_url(referral)).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1]

    def test_the_review_page_offers_the_download(self, staff_client, coordinator, make_referral):
        referral = make_referral("submitted")
        page = staff_client(coordinator).get(change_url(referral)).content.decode()
        assert f'href="{fhir_url(referral)}"' in page and "Download FHIR" in page

    def test_no_phi_in_logs(self, staff_client, coordinator, make_referral, caplog):
        referral = make_referral("cleared", first_name="Qzlogmark", last_name="Qzlogfamily")
        client = staff_client(coordinator)
        with caplog.at_level(logging.DEBUG):
            response = client.get(fhir_url(referral))
        assert b"Qzlogmark" in response.content  # it really is in the bundle...
        assert (
            "qzlogmark" not in caplog.text.lower() and "qzlogfamily" not in caplog.text.lower()
        )  # ...not the logs


class QuestionnaireTests:
    def test_published_to_staff_only(self, client, staff_client, staff_without_permission, coordinator):
        assert "/staff/login/" in client.get(QUESTIONNAIRES)["Location"]
        assert staff_client(staff_without_permission).get(QUESTIONNAIRES).status_code == 403

    def test_every_wording_version_is_a_valid_questionnaire(self, staff_client, coordinator):
        from referrals.models import QuestionnaireText
        from referrals.questionnaires import DEFAULT_TEXTS

        QuestionnaireText.objects.create(version="clinic-2027.1", texts=DEFAULT_TEXTS)
        response = staff_client(coordinator).get(QUESTIONNAIRES)
        assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
        bundle = json.loads(response.content)
        validate(bundle)
        versions = [e["resource"]["version"] for e in bundle["entry"]]
        assert versions == ["plain-2026.2", "clinic-2027.1"]
        for entry in bundle["entry"]:
            validate(entry["resource"])
