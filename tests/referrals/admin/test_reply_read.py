"""A reply to an information request stays at the top of the review page, and marked in the queue,
until a staff member marks it read (issue 14)."""

import pytest
from django.urls import reverse

from referrals import workflow
from referrals.models import InfoRequest
from tests.referrals.admin.conftest import change_url


def reply(referral):
    info = InfoRequest.objects.get(referral=referral)
    workflow.receive_info(info, response={"blood_pressure": {"systolic": 128, "diastolic": 80}})
    return InfoRequest.objects.get(pk=info.pk)


def read_url(info):
    return reverse("admin:referrals_referral_reply_read", args=[info.referral_id, info.pk])


@pytest.mark.django_db
class ReplyReadTests:
    def test_unread_reply_is_first_on_the_page_and_marked_in_the_queue(
        self, staff_client, coordinator, make_referral
    ):
        referral = make_referral("needs_info")
        info = reply(referral)
        client = staff_client(coordinator)
        page = client.get(change_url(referral)).content.decode()
        assert page.index("New reply: read this first") < page.index("What you can do now")
        queue = client.get(reverse("admin:referrals_referral_changelist")).content.decode()
        assert "Reply received" in queue

        response = client.post(read_url(info))
        assert response.status_code == 302
        info.refresh_from_db()
        assert info.reply_read_by == coordinator and info.reply_read_at is not None
        page = client.get(change_url(referral)).content.decode()
        assert "New reply: read this first" not in page
        assert "read by coordinator" in page
        queue = client.get(reverse("admin:referrals_referral_changelist")).content.decode()
        assert "Reply received" not in queue

    def test_permission_and_get(
        self, client, staff_client, staff_without_permission, coordinator, make_referral
    ):
        info = reply(make_referral("needs_info"))
        assert "/staff/login/" in client.post(read_url(info))["Location"]
        assert staff_client(staff_without_permission).post(read_url(info)).status_code == 403
        assert staff_client(coordinator).get(read_url(info)).status_code == 302  # a GET marks nothing
        info.refresh_from_db()
        assert info.reply_read_at is None

    def test_a_request_without_reply_is_404(self, staff_client, coordinator, make_referral):
        referral = make_referral("needs_info")
        info = InfoRequest.objects.get(referral=referral)
        assert staff_client(coordinator).post(read_url(info)).status_code == 404


@pytest.mark.django_db
def test_saving_assignee_or_notes_stays_on_the_referral(staff_client, coordinator, make_referral):
    referral = make_referral("in_review")
    response = staff_client(coordinator).post(
        change_url(referral),
        {"assignee": coordinator.pk, "staff_notes": "Called the patient.", "_save": "Save"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{change_url(referral)}#notes"
    referral.refresh_from_db()
    assert referral.staff_notes == "Called the patient."
