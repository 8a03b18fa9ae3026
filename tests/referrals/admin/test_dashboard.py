"""The dashboard on the admin index: counts by status, overdue, urgent; links into the queue."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from referrals.models import Referral


@pytest.mark.django_db
class DashboardTests:
    def test_counts(self, staff_client, coordinator, make_referral):
        late = make_referral()
        moment = timezone.now() - timedelta(days=10)
        Referral.objects.filter(pk=late.pk).update(created_at=moment, submitted_at=moment)
        make_referral(phq9=[0, 0, 0, 0, 0, 0, 0, 0, 1])
        make_referral("withdrawn")
        response = staff_client(coordinator).get("/staff/")
        assert response.status_code == 200
        page = response.content.decode()
        assert "Referral queue today" in page
        assert '<span class="tile-count">1</span> <span class="tile-label">Overdue</span>' in page
        assert (
            '<span class="tile-count">1</span> <span class="tile-label">Urgent safety (open)</span>' in page
        )
        assert '<span class="tile-count">2</span> <span class="tile-label">Submitted</span>' in page
        assert '<span class="tile-count">1</span> <span class="tile-label">Withdrawn</span>' in page
        assert "?target=overdue" in page

    def test_hidden_from_staff_without_permission(self, staff_client, clinic_admin, staff_without_permission):
        assert (
            "Referral queue today"
            not in staff_client(staff_without_permission).get("/staff/").content.decode()
        )

    def test_query_count_is_fixed(self, staff_client, coordinator, make_referral):
        client = staff_client(coordinator)
        make_referral()
        client.get("/staff/")
        with CaptureQueriesContext(connection) as few:
            client.get("/staff/")
        for _ in range(5):
            make_referral()
        with CaptureQueriesContext(connection) as more:
            client.get("/staff/")
        assert len(more) == len(few)
