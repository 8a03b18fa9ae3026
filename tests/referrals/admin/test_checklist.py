"""Admin view: several checklist items in one save (issue 14), with the single-item rules unchanged."""

import pytest
from django.urls import reverse

from referrals.models import ClearanceItem, ReferralEvent
from tests.referrals.admin.conftest import change_url


def url(referral):
    return reverse("admin:referrals_referral_checklist", args=[referral.pk])


def messages_after(client, response, level):
    page = client.get(response["Location"])
    return [str(m) for m in page.context["messages"] if m.level_tag == level]


def statuses(referral):
    return dict(referral.checklist.values_list("step_id", "status"))


@pytest.mark.django_db
class ChecklistTests:
    def test_anonymous_and_no_permission(self, client, staff_client, staff_without_permission, make_referral):
        referral = make_referral("in_review")
        item = referral.checklist.get(step_id="records_received")
        data = {"do": "done", "selected": [item.pk]}
        response = client.post(url(referral), data)
        assert response.status_code == 302 and "/staff/login/" in response["Location"]
        assert staff_client(staff_without_permission).post(url(referral), data).status_code == 403
        item.refresh_from_db()
        assert item.status == "pending"

    def test_coordinator_marks_selected_administrative_items_done_in_one_save(
        self, staff_client, coordinator, make_referral
    ):
        referral = make_referral("in_review")
        admin_items = list(referral.checklist.filter(kind="administrative"))
        client = staff_client(coordinator)
        response = client.post(url(referral), {"do": "done", "selected": [i.pk for i in admin_items]})
        assert response.status_code == 302
        assert response["Location"] == f"{change_url(referral)}#checklist"
        assert any("7 items marked done" in m for m in messages_after(client, response, "success"))
        for item in admin_items:
            item.refresh_from_db()
            assert (item.status, item.completed_by) == ("done", coordinator)
        assert ReferralEvent.objects.filter(referral=referral, kind="checklist_updated").count() == 7
        assert referral.checklist.filter(kind="clinical", status="pending").count() == 9

    def test_a_clinical_item_in_a_coordinators_selection_saves_nothing(
        self, staff_client, coordinator, make_referral
    ):
        referral = make_referral("in_review")
        before = statuses(referral)
        chosen = referral.checklist.filter(step_id__in=["records_received", "initial_consult"])
        client = staff_client(coordinator)
        response = client.post(url(referral), {"do": "done", "selected": [i.pk for i in chosen]})
        errors = messages_after(client, response, "error")
        assert errors and "You do not have permission to do that." in errors[0]
        assert statuses(referral) == before  # all or nothing

    def test_clinician_completes_clinical_items(self, staff_client, clinician, make_referral):
        referral = make_referral("in_review")
        clinical = list(referral.checklist.filter(gate="clearance"))
        staff_client(clinician).post(url(referral), {"do": "done", "selected": [i.pk for i in clinical]})
        assert not referral.checklist.filter(gate="clearance", status="pending").exists()

    def test_save_changes_writes_only_edited_rows_and_needs_a_reason_to_waive(
        self, staff_client, clinician, make_referral
    ):
        referral = make_referral("in_review")
        waive = referral.checklist.get(step_id="baseline_measures")
        note = referral.checklist.get(step_id="records_received")
        untouched = referral.checklist.get(step_id="initial_consult")
        rows = {
            f"item-{waive.pk}-status": "waived",
            f"item-{waive.pk}-reason": "",
            f"item-{note.pk}-status": "done",
            f"item-{note.pk}-note": "Records from Dr. A.",
            f"item-{untouched.pk}-status": "pending",
        }
        client = staff_client(clinician)
        before = statuses(referral)
        response = client.post(url(referral), {"do": "save", **rows})
        errors = messages_after(client, response, "error")
        assert errors == [
            "Not saved: Baseline measures: Give a reason to waive an item or mark it not applicable."
        ]
        assert statuses(referral) == before

        rows[f"item-{waive.pk}-reason"] = "Scales done at the referring clinic."
        client.post(url(referral), {"do": "save", **rows})
        waive.refresh_from_db()
        note.refresh_from_db()
        untouched.refresh_from_db()
        assert (waive.status, waive.reason) == (
            ClearanceItem.ItemStatus.WAIVED,
            "Scales done at the referring clinic.",
        )
        assert (note.status, note.note) == ("done", "Records from Dr. A.")
        assert untouched.status == "pending" and untouched.completed_by is None
        assert ReferralEvent.objects.filter(referral=referral, kind="checklist_updated").count() == 2

    def test_nothing_selected_is_explained(self, staff_client, coordinator, make_referral):
        referral = make_referral("in_review")
        client = staff_client(coordinator)
        response = client.post(url(referral), {"do": "done"})
        assert messages_after(client, response, "error") == ["Not saved: Tick the items to mark done first."]

    def test_closed_referral_is_refused(self, staff_client, clinician, make_referral):
        referral = make_referral("withdrawn")
        item = referral.checklist.first()
        client = staff_client(clinician)
        response = client.post(url(referral), {"do": "done", "selected": [item.pk]})
        assert any("This referral is closed." in e for e in messages_after(client, response, "error"))

    def test_items_of_another_referral_are_ignored(self, staff_client, clinician, make_referral):
        first, second = make_referral("in_review"), make_referral("in_review")
        other = second.checklist.first()
        staff_client(clinician).post(url(first), {"do": "done", "selected": [other.pk]})
        other.refresh_from_db()
        assert other.status == "pending"

    def test_unknown_referral_is_404(self, staff_client, clinician):
        assert (
            staff_client(clinician)
            .post(reverse("admin:referrals_referral_checklist", args=[999999]), {})
            .status_code
            == 404
        )

    def test_review_page_offers_select_all_and_one_form(self, staff_client, coordinator, make_referral):
        referral = make_referral("in_review")
        page = staff_client(coordinator).get(change_url(referral)).content.decode()
        assert page.count('name="selected"') == 7  # administrative rows only for a coordinator
        assert 'id="select-all-clearance"' in page and 'id="select-all-scheduling"' in page
        assert "Mark selected done" in page and "Clinician only" in page
