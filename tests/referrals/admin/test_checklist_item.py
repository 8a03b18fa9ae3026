"""Admin view: update a checklist item (coordinators administrative items, clinicians any)."""

import pytest
from django.urls import reverse

from referrals.models import ClearanceItem, ReferralEvent
from tests.referrals.admin.conftest import change_url


def item_url(item):
    return reverse("admin:referrals_referral_checklist_item", args=[item.referral_id, item.pk])


def post(client, item, **data):
    return client.post(
        item_url(item), {f"item-{item.pk}-{key}": value for key, value in data.items()}, follow=True
    )


def errors(response):
    return [str(m) for m in response.context["messages"] if m.level_tag == "error"]


@pytest.mark.django_db
class ChecklistItemTests:
    def test_anonymous_and_no_permission(self, client, staff_client, staff_without_permission, make_referral):
        item = make_referral("in_review").checklist.get(step_id="records_received")
        response = client.post(item_url(item), {f"item-{item.pk}-status": "done"})
        assert response.status_code == 302 and "/staff/login/" in response["Location"]
        response = staff_client(staff_without_permission).post(
            item_url(item), {f"item-{item.pk}-status": "done"}
        )
        assert response.status_code == 403
        item.refresh_from_db()
        assert item.status == "pending"

    def test_coordinator_completes_an_administrative_item(self, staff_client, coordinator, make_referral):
        item = make_referral("in_review").checklist.get(step_id="records_received")
        response = post(staff_client(coordinator), item, status="done", note="Records from Dr. A.")
        assert response.redirect_chain[-1][0].startswith(change_url(item.referral))
        item.refresh_from_db()
        assert (item.status, item.completed_by, item.note) == ("done", coordinator, "Records from Dr. A.")
        assert ReferralEvent.objects.filter(referral=item.referral, kind="checklist_updated").exists()

    def test_coordinator_cannot_complete_a_clinical_item(self, staff_client, coordinator, make_referral):
        item = make_referral("in_review").checklist.get(step_id="initial_consult")
        response = post(staff_client(coordinator), item, status="done")
        assert errors(response) == ["You do not have permission to do that."]
        item.refresh_from_db()
        assert item.status == "pending"

    def test_clinician_waives_with_a_reason(self, staff_client, clinician, make_referral):
        item = make_referral("in_review").checklist.get(step_id="baseline_measures")
        response = post(staff_client(clinician), item, status="waived", reason="")
        assert errors(response) == ["Not saved: Give a reason to waive an item or mark it not applicable."]
        post(staff_client(clinician), item, status="waived", reason="Scales done at the referring clinic.")
        item.refresh_from_db()
        assert (item.status, item.reason) == (
            ClearanceItem.ItemStatus.WAIVED,
            "Scales done at the referring clinic.",
        )

    def test_closed_referral_is_refused(self, staff_client, clinician, make_referral):
        item = make_referral("withdrawn").checklist.first()
        response = post(staff_client(clinician), item, status="done")
        assert errors(response) == ["This referral is closed."]

    def test_item_of_another_referral_is_404(self, staff_client, clinician, make_referral):
        first, second = make_referral("in_review"), make_referral("in_review")
        item = second.checklist.first()
        url = reverse("admin:referrals_referral_checklist_item", args=[first.pk, item.pk])
        assert staff_client(clinician).post(url, {}).status_code == 404
