"""The decision record staff read: the clearance snapshot in the clinic's time zone, on the review page
and the printable summary; findings resolved only by a deliberate choice; refusals that look like errors."""

import re
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from referrals import demo, workflow
from referrals.models import Finding, Referral, ScreeningPolicy, ScreeningRun
from tests.referrals.admin import matrix as m
from tests.referrals.admin.conftest import change_url

# 20:09 in New York on Monday 7 December 2026 is already 8 December in UTC.
CLEARED_AT = datetime(2026, 12, 8, 1, 9, tzinfo=UTC)


def summary_url(referral):
    return reverse("admin:referrals_referral_summary", args=[referral.pk])


@pytest.fixture
def cleared(make_referral, clinician, monkeypatch):
    """A referral with a relative finding, cleared at a fixed instant (20:09 New York time)."""
    referral = make_referral("in_review", glaucoma=True)
    with monkeypatch.context() as frozen:
        frozen.setattr(timezone, "now", lambda: CLEARED_AT)
        demo.satisfy_gate(referral, "clearance", clinician=clinician)
        finding = Finding.objects.get(referral=referral, code="iop_glaucoma", run__current=True)
        workflow.resolve_finding(
            finding, actor=clinician, resolution="dismissed", note="Ophthalmology letter: pressures normal."
        )
        workflow.clear_referral(referral, actor=clinician)
    return Referral.objects.get(pk=referral.pk)


@pytest.mark.django_db
class DecisionRecordTests:
    def test_the_clinic_time_zone_is_new_york(self):
        assert settings.TIME_ZONE == "America/New_York"

    @pytest.mark.parametrize("page", ["review", "summary"])
    def test_cleared_at_2009_new_york_time_shows_that_day_and_hour(
        self, staff_client, clinician, cleared, page
    ):
        assert cleared.clearance_snapshot["decided_at"].startswith("2026-12-08T01:09")  # stored in UTC
        url = change_url(cleared) if page == "review" else summary_url(cleared)
        html = staff_client(clinician).get(url).content.decode()
        assert "Decision record: cleared" in html
        assert "Mon 12/07/2026 20:09 EST" in html
        assert "12/08/2026" not in html and "2026-12-08" not in html.replace("2026-12-08T01:09", "")

    @pytest.mark.parametrize("page", ["review", "summary"])
    def test_the_record_shows_checklist_findings_scores_policy_and_who(
        self, staff_client, clinician, cleared, page
    ):
        url = change_url(cleared) if page == "review" else summary_url(cleared)
        html = staff_client(clinician).get(url).content.decode()
        record = html[html.index('id="decision"') :]
        record = record[: record.index("</section>")]
        run = ScreeningRun.objects.get(referral=cleared, current=True)
        assert run.policy_version == ScreeningPolicy.current().pk
        assert f"Screening policy v{run.policy_version}" in record
        assert clinician.get_username() in record
        # The checklist, each row with who and when (in New York time).
        for title in ("Initial consult", "Medication reconciliation", "Contraindication review"):
            assert title in record
        assert "Done" in record and "12/07/2026 20:09" in record
        # The finding with its resolution and note.
        assert "Glaucoma or raised eye pressure" in record and "iop_glaucoma" in record
        assert "Dismissed (not present): Ophthalmology letter: pressures normal." in record
        # The scores as they were.
        assert "PHQ-9 (depression)" in record

    def test_the_record_is_frozen_while_the_referral_moves_on(self, staff_client, clinician, cleared):
        workflow.reopen_review(cleared, actor=clinician, reason="New information.")
        item = cleared.checklist.get(step_id="initial_consult")
        workflow.update_checklist_item(item, actor=clinician, status="pending")
        html = staff_client(clinician).get(change_url(cleared)).content.decode()
        record = html[html.index('id="decision"') :]
        record = record[: record.index("</section>")]
        assert re.search(r"Initial consult</th><td>Clearance</td><td>Done<", record)

    def test_an_older_snapshot_still_reads(self, staff_client, clinician, make_referral):
        referral = make_referral("in_review")
        Referral.objects.filter(pk=referral.pk).update(
            clearance_snapshot={
                "decided_by": "dr-old",
                "decided_at": "2025-03-01T01:30:00+00:00",
                "scores": {},
                "checklist": [{"step_id": "ecg", "status": "done", "reason": "", "by": None}],
                "findings": [
                    {
                        "code": "bp_elevated",
                        "severity": "relative",
                        "gate": "clearance",
                        "resolution": "overridden",
                        "note": "Repeat 132/84.",
                    }
                ],
            }  # fmt: skip
        )
        html = staff_client(clinician).get(change_url(referral)).content.decode()
        assert "Fri 02/28/2025 20:30 EST" in html
        assert "Overridden (risk accepted): Repeat 132/84." in html
        assert "version not recorded" in html

    def test_no_record_before_clearing(self, staff_client, clinician, make_referral):
        html = staff_client(clinician).get(change_url(make_referral("in_review"))).content.decode()
        assert 'id="decision"' not in html


@pytest.mark.django_db
class ResolutionChoiceTests:
    def test_no_resolution_is_preselected(self, staff_client, clinician, make_referral):
        referral = make_referral("in_review", glaucoma=True)
        finding = Finding.objects.get(referral=referral, code="iop_glaucoma", run__current=True)
        html = staff_client(clinician).get(change_url(referral)).content.decode()
        select = re.search(rf'<select name="finding-{finding.pk}-resolution"[^>]*>(.*?)</select>', html, re.S)
        assert select, "the resolution select is on the page"
        assert "required" in select.group(0)
        options = re.findall(r"<option([^>]*)>([^<]*)</option>", select.group(1))
        assert options[0] == (' value="" selected', "Choose a resolution")
        assert not any("selected" in attrs for attrs, _label in options[1:])

    def test_a_resolution_must_be_chosen_with_a_clear_error(self, staff_client, clinician, make_referral):
        referral = make_referral("in_review", glaucoma=True)
        finding = Finding.objects.get(referral=referral, code="iop_glaucoma", run__current=True)
        url = reverse("admin:referrals_referral_resolve_finding", args=[referral.pk, finding.pk])
        response = staff_client(clinician).post(
            url, {f"finding-{finding.pk}-resolution": "", f"finding-{finding.pk}-note": "Seen."}, follow=True
        )
        errors = [str(x) for x in response.context["messages"] if x.level_tag == "error"]
        assert errors == ["Not saved: Choose a resolution: confirmed, dismissed or overridden."]
        finding.refresh_from_db()
        assert finding.resolution == ""


@pytest.mark.django_db
class RefusalLooksLikeAnErrorTests:
    def test_a_refused_clearing_is_an_error_with_its_reasons_styled_apart(
        self, staff_client, clinician, make_referral
    ):
        referral = make_referral("in_review", sleep_apnea=True)
        errors = m.assert_illegal(staff_client(clinician), referral, "clear", expect="cannot be cleared yet")
        assert '<ul class="refusal-reasons"><li>' in errors[0]
        page = staff_client(clinician).get(change_url(referral)).content.decode()
        # The gate summary on the review page is marked as blocked, not as a success.
        assert 'class="gate gate-blocked"' in page and '<ul class="refusal-reasons">' in page
        assert 'class="ok"' not in page

    def test_the_reasons_inside_a_message_lose_the_success_tick(self):
        css = open(finders.find("css/admin.css"), encoding="utf-8").read()
        rule = re.search(r"ul\.messagelist li ul\.refusal-reasons li[^{]*\{([^}]*)\}", css)
        assert rule and "background: none" in rule.group(1)
