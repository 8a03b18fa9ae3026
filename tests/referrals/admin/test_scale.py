"""The queue and the review page cost the same number of queries at any table size (issue 13).

bench/scale.py measures the time at 100 and 100,000 referrals on PostgreSQL; here the query counts
are pinned at two sizes, and the parts that make them flat are checked for behaviour: paging by
key, searches answered by one exact condition each, sessions written at most once a minute, cached
definitions that refresh when a clinic admin saves them.
"""

import re
import time
from datetime import date

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from referrals import demo
from referrals.admin.referral import ReferralAdmin
from referrals.models import ContraindicationRule, Referral
from referrals.staff_auth import LAST_SEEN_AT

URL = "/staff/referrals/referral/"
QUEUE_BUDGET = 12  # session, user, second factor, permissions (2), count, page, read audit, spare
REVIEW_BUDGET = 15


def refs(response) -> list[str]:
    return [row.reference for row in response.context["cl"].result_list]


def grow_to(total: int, coordinator, clinician) -> None:
    """Referrals in a mix of statuses, with findings, checklists and events, up to `total`."""
    for i in range(Referral.objects.count(), total):
        overrides = {"glaucoma": True} if i % 2 else {"sleep_apnea": True}
        referral = demo.submit(first_name=f"Person{i}", last_name=f"Family{i % 7}", **overrides)
        if i % 3 == 0:
            demo.advance(referral, "in_review", coordinator=coordinator, clinician=clinician)
        elif i % 5 == 0:
            demo.advance(referral, "withdrawn", coordinator=coordinator, clinician=clinician)


def queries_for(client, url) -> int:
    client.get(url)  # warm: the content types, the cached definitions and reviewer list
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
class QueryBudgetTests:
    @pytest.mark.parametrize(
        "query", ["", "?queue=all", "?queue=closed&flag=relative", "?q=family3&queue=all"]
    )
    def test_queue_costs_the_same_at_8_and_30_referrals(
        self, staff_client, coordinator, clinician, django_assert_max_num_queries, query
    ):
        client = staff_client(coordinator)
        # 8 is the smallest size at which every filter below lists a row: an empty page records no
        # reads, so it would cost fewer queries for a reason that has nothing to do with size.
        grow_to(8, coordinator, clinician)
        small = queries_for(client, URL + query)
        grow_to(30, coordinator, clinician)
        with django_assert_max_num_queries(QUEUE_BUDGET):
            assert client.get(URL + query).status_code == 200
        assert queries_for(client, URL + query) == small <= QUEUE_BUDGET

    def test_review_page_costs_the_same_at_3_and_30_referrals(
        self, staff_client, coordinator, clinician, django_assert_max_num_queries
    ):
        client = staff_client(coordinator)
        grow_to(3, coordinator, clinician)
        first = Referral.objects.filter(status=Referral.Status.IN_REVIEW).first()
        small = queries_for(client, f"{URL}{first.pk}/change/")
        grow_to(30, coordinator, clinician)
        last = Referral.objects.filter(status=Referral.Status.IN_REVIEW).last()
        assert last.pk != first.pk
        with django_assert_max_num_queries(REVIEW_BUDGET):
            assert client.get(f"{URL}{last.pk}/change/").status_code == 200
        assert queries_for(client, f"{URL}{last.pk}/change/") == small <= REVIEW_BUDGET

    def test_review_page_loads_the_referral_once(self, staff_client, coordinator, make_referral):
        referral = make_referral("in_review")
        client = staff_client(coordinator)
        client.get(f"{URL}{referral.pk}/change/")
        with CaptureQueriesContext(connection) as queries:
            client.get(f"{URL}{referral.pk}/change/")
        loads = [
            q for q in queries.captured_queries if q["sql"].startswith('SELECT "referrals_referral"."id"')
        ]
        assert len(loads) == 1


@pytest.mark.django_db
class PagingTests:
    def test_every_page_holds_the_next_rows_in_queue_order(
        self, staff_client, coordinator, clinician, monkeypatch
    ):
        grow_to(23, coordinator, clinician)
        monkeypatch.setattr(ReferralAdmin, "list_per_page", 5)
        client = staff_client(coordinator)
        expected = list(
            Referral.objects.order_by("-urgent_safety", "created_at", "pk").values_list(
                "reference", flat=True
            )
        )
        seen = []
        for page in range(1, 6):
            response = client.get(URL, {"queue": "all", "p": page})
            seen += refs(response)
        assert seen == expected
        last = client.get(URL, {"queue": "all", "p": 5})
        assert len(refs(last)) == 3 and "23 referrals" in last.content.decode()

    def test_checklist_counts_per_row(self, staff_client, coordinator, make_referral):
        referral = make_referral("cleared")
        done = referral.checklist.exclude(status="pending").count()
        total = referral.checklist.count()
        assert 0 < done < total
        response = staff_client(coordinator).get(URL)
        row = next(r for r in response.context["cl"].result_list if r.pk == referral.pk)
        assert (row.items_done, row.items_total) == (done, total)


@pytest.mark.django_db
class SearchTests:
    @pytest.fixture
    def target(self, make_referral):
        make_referral(first_name="Other", last_name="Person", email="other@example.com", phone="555-010-0111")
        return make_referral(
            first_name="Zebediah",
            last_name="Quartermaine",
            email="Zeb.Q@Example.com",
            phone="(555) 010-0199",
            date_of_birth=date(1977, 2, 3),
        )

    @pytest.mark.parametrize(
        "term",
        ["zebediah", "QUARTERMAINE", "zeb quarter", "Zebediah Quartermaine", "zeb.q@example.com",
         "ZEB.Q@EXAMPLE.COM", "5550100199", "+1 (555) 010-0199", "555.010.0199", "010 0199",
         "1977-02-03", "02/03/1977", "2/3/1977"],
    )  # fmt: skip
    def test_finds_the_patient(self, staff_client, coordinator, target, term):
        assert refs(staff_client(coordinator).get(URL, {"q": term})) == [target.reference]

    @pytest.mark.parametrize("term", ["Nobody", "zeb other", "5550100198", "1977-02-04", "1990"])
    def test_finds_nobody_else(self, staff_client, coordinator, target, term):
        assert refs(staff_client(coordinator).get(URL, {"q": term})) == []

    def test_reference_in_any_spelling(self, staff_client, coordinator, target):
        for term in (target.reference, target.reference.lower(), target.reference.replace("-", " ")):
            assert refs(staff_client(coordinator).get(URL, {"q": term})) == [target.reference]

    def test_a_full_phone_must_match_all_its_digits(self, staff_client, coordinator, target):
        # Same last seven digits, another area code: not the same number.
        assert refs(staff_client(coordinator).get(URL, {"q": "(212) 010-0199"})) == []


@pytest.mark.django_db
class SessionWriteTests:
    def test_staff_session_is_saved_at_most_once_a_minute(self, staff_client, coordinator):
        client = staff_client(coordinator)
        client.get("/staff/")
        with CaptureQueriesContext(connection) as queries:
            client.get("/staff/")
            client.get(URL)
        assert not [
            q for q in queries.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]
        ]

    def test_staff_last_seen_moves_after_a_minute(self, staff_client, coordinator):
        client = staff_client(coordinator)
        session = client.session
        session[LAST_SEEN_AT] = int(time.time()) - 61
        session.save()
        before = Session.objects.get(pk=session.session_key).expire_date
        assert client.get("/staff/").status_code == 200
        assert client.session[LAST_SEEN_AT] >= int(time.time()) - 2
        assert Session.objects.get(pk=session.session_key).expire_date > before

    def test_patient_session_expiry_slides_once_a_minute(self, client, db):
        from clinic.middleware import TOUCHED_AT

        session = client.session
        session["intake"] = {"step": "about"}
        session.save()
        Session.objects.filter(pk=session.session_key).update(expire_date="2030-01-01T00:00:00Z")
        client.get("/")
        stored = Session.objects.get(pk=session.session_key)
        assert stored.expire_date.year > 2030 or stored.get_decoded().get(TOUCHED_AT)
        first_touch = Session.objects.get(pk=session.session_key).get_decoded()[TOUCHED_AT]
        client.get("/")  # within the minute: not written again
        assert Session.objects.get(pk=session.session_key).get_decoded()[TOUCHED_AT] == first_touch

    def test_a_visitor_without_a_session_gets_none(self, client, db):
        response = client.get("/")
        assert response.status_code == 200
        assert not Session.objects.exists()


@pytest.mark.django_db
class CachedDefinitionTests:
    def test_rule_title_change_shows_on_the_next_review_page(
        self, staff_client, clinic_admin, coordinator, make_referral
    ):
        referral = make_referral("in_review", glaucoma=True)
        code = referral.findings.get().code
        client = staff_client(coordinator)
        rule = ContraindicationRule.objects.get(code=code)
        assert rule.title in client.get(f"{URL}{referral.pk}/change/").content.decode()
        admin_client = staff_client(clinic_admin)
        response = admin_client.post(
            f"/staff/referrals/contraindicationrule/{rule.pk}/change/",
            {"title": "Glaucoma (renamed by the clinic)", "help_text": rule.help_text, "active": "on"},
        )
        assert response.status_code == 302
        client = staff_client(coordinator)
        assert (
            "Glaucoma (renamed by the clinic)" in client.get(f"{URL}{referral.pk}/change/").content.decode()
        )

    def test_assignee_menu_lists_reviewers_and_refuses_others(
        self, staff_client, coordinator, clinician, staff_without_permission, make_referral
    ):
        referral = make_referral("in_review")
        client = staff_client(coordinator)
        page = client.get(f"{URL}{referral.pk}/change/").content.decode()
        menu = re.search(r'<select name="assignee".*?</select>', page, re.S).group(0)
        assert f'value="{clinician.pk}"' in menu
        assert f'value="{staff_without_permission.pk}"' not in menu
        client.post(
            f"{URL}{referral.pk}/change/", {"assignee": staff_without_permission.pk, "staff_notes": ""}
        )
        referral.refresh_from_db()
        assert referral.assignee_id != staff_without_permission.pk
