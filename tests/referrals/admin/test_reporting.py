"""CSV export of the queue (permission-gated, recorded, formula-safe) and the printable summary."""

import csv
import io

import pytest
from django.urls import reverse

from referrals.admin.reporting import neutralise
from referrals.models import ReferralEvent

EXPORT = "/staff/referrals/referral/export/"


def rows(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.django_db
class ExportTests:
    def test_anonymous_and_staff_without_permission(self, client, staff_client, staff_without_permission):
        assert "/staff/login/" in client.get(EXPORT)["Location"]
        assert staff_client(staff_without_permission).get(EXPORT).status_code == 403

    def test_exports_the_filtered_queue_and_records_it(self, staff_client, coordinator, make_referral):
        open_one = make_referral("in_review")
        closed = make_referral("withdrawn", first_name="Closed")
        response = staff_client(coordinator).get(EXPORT)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment;" in response["Content-Disposition"]
        data = rows(response)
        assert data[0][0] == "Reference"
        assert [row[0] for row in data[1:]] == [open_one.reference]
        assert ReferralEvent.objects.filter(referral=open_one, kind="exported", actor=coordinator).exists()
        assert not ReferralEvent.objects.filter(referral=closed, kind="exported").exists()
        all_rows = rows(staff_client(coordinator).get(EXPORT + "?queue=all"))
        assert len(all_rows) == 3

    def test_formula_cells_are_neutralised(self, staff_client, coordinator, make_referral):
        make_referral(first_name='=HYPERLINK("http://x")', last_name="+1")
        data = rows(staff_client(coordinator).get(EXPORT))
        patient = data[1][data[0].index("Patient")]
        assert patient.startswith("'=")

    @pytest.mark.parametrize(
        ("value", "safe"),
        [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("ok", "ok"),
         (None, ""), (3, "3")],
    )  # fmt: skip
    def test_neutralise(self, value, safe):
        assert neutralise(value) == safe


@pytest.mark.django_db
class SummaryTests:
    def test_printable_summary(
        self, staff_client, clinician, make_referral, client, staff_without_permission
    ):
        referral = make_referral("cleared", sleep_apnea=True)
        url = reverse("admin:referrals_referral_summary", args=[referral.pk])
        assert "/staff/login/" in client.get(url)["Location"]
        response = staff_client(clinician).get(url)
        assert response.status_code == 200
        page = response.content.decode()
        for text in (referral.reference, "Confidential", "Sleep apnea or airway risk", "Checklist", "admin-print.css",
                     "Answers", "Timeline"):  # fmt: skip
            assert text in page, text
        assert "<script>" not in page and "style=" not in page
        assert ReferralEvent.objects.filter(referral=referral, kind="summary_printed").exists()


@pytest.mark.django_db
class StreamedExportTests:
    def test_streams_in_chunks_and_records_every_row(
        self, staff_client, coordinator, make_referral, monkeypatch, django_assert_max_num_queries
    ):
        from referrals.admin import reporting
        from referrals.models import AccessEvent

        monkeypatch.setattr(reporting, "EXPORT_CHUNK", 2)
        made = [make_referral(first_name=f"Row{i}") for i in range(5)]
        client = staff_client(coordinator)
        with django_assert_max_num_queries(20):
            response = client.get(EXPORT)
            assert response.streaming
            data = rows(response)
        assert sorted(row[0] for row in data[1:]) == sorted(r.reference for r in made)
        assert data[1][data[0].index("Checklist")] == "0/16"
        events = ReferralEvent.objects.filter(kind="exported", actor=coordinator)
        assert sorted(events.values_list("referral__reference", flat=True)) == sorted(
            r.reference for r in made
        )
        assert AccessEvent.objects.get(action="export").row_count == 5

    def test_insert_per_chunk_not_per_row(self, staff_client, coordinator, make_referral, monkeypatch):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from referrals.admin import reporting

        monkeypatch.setattr(reporting, "EXPORT_CHUNK", 3)
        for i in range(7):
            make_referral(first_name=f"Row{i}")
        client = staff_client(coordinator)
        with CaptureQueriesContext(connection) as queries:
            rows(client.get(EXPORT))
        inserts = [
            q
            for q in queries.captured_queries
            if q["sql"].startswith('INSERT INTO "referrals_referralevent"')
        ]
        assert len(inserts) == 3  # chunks of 3, 3 and 1
