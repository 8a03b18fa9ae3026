"""Admin view: resolve a finding (clinicians; spec §4.2)."""

import pytest
from django.urls import reverse

from referrals.models import Finding, ReferralEvent


def finding_url(finding):
    return reverse("admin:referrals_referral_resolve_finding", args=[finding.referral_id, finding.pk])


def post(client, finding, **data):
    return client.post(
        finding_url(finding), {f"finding-{finding.pk}-{k}": v for k, v in data.items()}, follow=True
    )


def level(response, tag):
    return [str(m) for m in response.context["messages"] if m.level_tag == tag]


@pytest.mark.django_db
class ResolveFindingTests:
    def get(self, referral, code):
        return Finding.objects.get(referral=referral, code=code, run__current=True)

    def test_anonymous_staff_without_permission_and_coordinators(
        self, client, staff_client, staff_without_permission, coordinator, make_referral
    ):
        finding = self.get(make_referral("in_review", glaucoma=True), "iop_glaucoma")
        data = {f"finding-{finding.pk}-resolution": "dismissed", f"finding-{finding.pk}-note": "x"}
        response = client.post(finding_url(finding), data)
        assert response.status_code == 302 and "/staff/login/" in response["Location"]
        assert staff_client(staff_without_permission).post(finding_url(finding), data).status_code == 403
        assert staff_client(coordinator).post(finding_url(finding), data).status_code == 403
        finding.refresh_from_db()
        assert finding.resolution == ""

    def test_clinician_overrides_an_absolute_finding_with_a_reason(
        self, staff_client, clinician, make_referral
    ):
        finding = self.get(make_referral("in_review", aneurysm_or_avm="yes"), "aneurysm_or_avm")
        response = post(
            staff_client(clinician), finding, resolution="overridden", note="Repaired in 2015; cleared."
        )
        assert level(response, "success")
        finding.refresh_from_db()
        assert (finding.resolution, finding.resolved_by) == ("overridden", clinician)
        assert ReferralEvent.objects.filter(referral=finding.referral, kind="finding_resolved").exists()

    def test_confirmed_absolute_is_shown_as_blocking(self, staff_client, clinician, make_referral):
        referral = make_referral("in_review", aneurysm_or_avm="yes")
        finding = self.get(referral, "aneurysm_or_avm")
        response = post(staff_client(clinician), finding, resolution="confirmed", note="CT confirms.")
        assert "This blocks clearing" in response.content.decode()

    def test_a_note_is_required(self, staff_client, clinician, make_referral):
        finding = self.get(make_referral("in_review", glaucoma=True), "iop_glaucoma")
        response = post(staff_client(clinician), finding, resolution="dismissed", note="")
        assert level(response, "error") == ["Not saved: Write a note or reason."]

    def test_notes_need_no_resolution(self, staff_client, clinician, make_referral):
        finding = self.get(make_referral("in_review", seizures=True), "seizure_risk")
        response = post(staff_client(clinician), finding, resolution="dismissed", note="x")
        assert level(response, "error") == ["Notes need no resolution."]

    def test_a_superseded_finding_cannot_be_resolved(self, staff_client, clinician, make_referral):
        from referrals import workflow

        referral = make_referral("in_review", glaucoma=True)
        old = self.get(referral, "iop_glaucoma")
        workflow.rescreen_referral(referral, actor=clinician, today=workflow.clinic_today())
        response = post(staff_client(clinician), old, resolution="dismissed", note="x")
        assert level(response, "error") == ["This finding was superseded by a newer screening."]
