"""The queue: open referrals by default, urgent first then oldest, columns, search, filters, no N+1."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referrals import demo
from referrals.models import Referral

URL = "/staff/referrals/referral/"


def refs(response) -> list[str]:
    return [row.reference for row in response.context["cl"].result_list]


def backdate(referral, days):
    moment = timezone.now() - timedelta(days=days)
    Referral.objects.filter(pk=referral.pk).update(created_at=moment, submitted_at=moment)


@pytest.mark.django_db
class ChangelistTests:
    def test_anonymous_is_sent_to_sign_in(self, client):
        response = client.get(URL)
        assert response.status_code == 302 and "/staff/login/" in response["Location"]

    def test_staff_without_permission_is_refused(self, staff_client, staff_without_permission):
        assert staff_client(staff_without_permission).get(URL).status_code == 403

    def test_loads_with_every_column(self, staff_client, coordinator, make_referral):
        referral = make_referral("in_review", sleep_apnea=True)
        response = staff_client(coordinator).get(URL)
        assert response.status_code == 200
        page = response.content.decode()
        for text in (referral.reference, "Avery Example", "CRPS", "Self", "In review", "Relative", "0/16",
                     "coordinator", "business day", "Export these rows (CSV)"):  # fmt: skip
            assert text in page, text

    def test_open_by_default_urgent_first_then_oldest(self, staff_client, coordinator, make_referral):
        old = make_referral(first_name="Old")
        backdate(old, 5)
        new = make_referral(first_name="New")
        urgent = make_referral(first_name="Urgent", phq9=[0, 0, 0, 0, 0, 0, 0, 0, 1])
        closed = make_referral("withdrawn", first_name="Closed")
        response = staff_client(coordinator).get(URL)
        assert refs(response) == [urgent.reference, old.reference, new.reference]
        assert closed.reference not in refs(response)
        assert closed.reference in refs(staff_client(coordinator).get(URL + "?queue=closed"))
        assert len(refs(staff_client(coordinator).get(URL + "?queue=all"))) == 4

    def test_overdue_badge_past_the_target(self, staff_client, coordinator, make_referral):
        late = make_referral(first_name="Late")
        backdate(late, 10)
        make_referral(first_name="Fresh")
        response = staff_client(coordinator).get(URL)
        assert response.content.decode().count('class="badge badge-overdue"') == 1
        assert refs(staff_client(coordinator).get(URL + "?target=overdue")) == [late.reference]
        assert late.reference not in refs(staff_client(coordinator).get(URL + "?target=on_time"))

    @pytest.mark.parametrize(
        ("term", "match"),
        [("Zebediah", True), ("zeb@example.com", True), ("010-0199", True), ("5550100199", True),
         ("1977-02-03", True), ("02/03/1977", True), ("Nobody", False)],
    )  # fmt: skip
    def test_search(self, staff_client, coordinator, make_referral, term, match):
        from datetime import date

        target = make_referral(first_name="Zebediah", email="zeb@example.com", phone="(555) 010-0199",
                               date_of_birth=date(1977, 2, 3))  # fmt: skip
        make_referral(first_name="Other")
        found = refs(staff_client(coordinator).get(URL, {"q": term}))
        assert (found == [target.reference]) is match

    def test_search_by_reference_with_or_without_dashes(self, staff_client, coordinator, make_referral):
        target = make_referral()
        make_referral(first_name="Other")
        for term in (target.reference, target.reference.replace("-", "").lower()):
            assert refs(staff_client(coordinator).get(URL, {"q": term})) == [target.reference]

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("flag=urgent", "urgent"),
            ("flag=acute", "urgent"),
            ("flag=absolute", "absolute"),
            ("flag=relative", "relative"),
            ("flag=duplicate", "duplicate"),
            ("flag=differences", "provider"),
            ("status__exact=in_review", "in_review"),
            ("source__exact=provider", "provider"),
            ("indication=trd", "urgent"),
            ("assigned=me", "in_review"),
            ("assigned=none", None),
        ],
    )
    def test_each_filter(self, staff_client, coordinator, make_referral, query, expected):
        rows = {
            "urgent": make_referral(
                first_name="Urgent",
                indication="trd",
                phq9=[0, 0, 0, 0, 0, 0, 0, 0, 2],
                gad7=[1] * 7,
                asq={"q1": True, "q2": False, "q3": False, "q4": False, "acuity": True},
                pain_current=None,
                pain_average=None,
                pain_worst=None,
            ),  # fmt: skip
            "absolute": make_referral(first_name="Absolute", ketamine_allergy="yes"),
            "relative": make_referral(first_name="Relative", glaucoma=True),
            "in_review": make_referral("in_review", first_name="Reviewing"),
        }
        rows["duplicate"] = make_referral(first_name="Relative", glaucoma=True)
        provider, _token = demo.provider_referral()
        rows["provider"] = demo.complete_provider_referral(provider, indication="crps")
        found = refs(staff_client(coordinator).get(f"{URL}?{query}"))
        if expected is None:
            assert rows["in_review"].reference not in found and rows["urgent"].reference in found
        else:
            assert rows[expected].reference in found
            assert len(found) < len(rows)

    def test_free_text_is_escaped(self, staff_client, coordinator, make_referral):
        make_referral(first_name='<img src=x onerror="alert(1)">')
        page = staff_client(coordinator).get(URL).content.decode()
        assert "<img src=x" not in page
        assert "&lt;img src=x" in page

    def test_query_count_does_not_grow_with_rows(self, staff_client, coordinator, clinician, db):
        client = staff_client(coordinator)

        def make(n):
            for i in range(n):
                referral = demo.submit(first_name=f"P{i}")
                if i % 3 == 0:
                    demo.advance(referral, "in_review", coordinator=coordinator, clinician=clinician)

        def count():
            client.get(URL + "?queue=all")  # warm caches (session, content types)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(URL + "?queue=all")
            assert response.status_code == 200
            return len(queries)

        make(10)
        at_ten = count()
        make(190)
        assert count() == at_ten

    def test_export_link_keeps_the_filters(self, staff_client, coordinator, make_referral):
        make_referral()
        page = staff_client(coordinator).get(URL + "?flag=urgent").content.decode()
        assert reverse("admin:referrals_referral_export") + "?flag=urgent" in page
