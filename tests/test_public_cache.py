"""Information pages are the same for everyone: served from the cache, with no cookie (issue 13)."""

import pytest
from django.test import Client

from clinic.pages import PAGES, InfoPageView, info_page_paths
from referrals.models import ScreeningPolicy
from tests.referrals.admin.test_definitions import policy_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch):
    """How many times the information page view really rendered."""
    calls = []
    original = InfoPageView.get_context_data

    def counting(self, **kwargs):
        calls.append(self.page.slug)
        return original(self, **kwargs)

    monkeypatch.setattr(InfoPageView, "get_context_data", counting)
    return calls


def test_every_information_page_is_cacheable():
    # Every page in English (unprefixed) and in Spanish (/es/).
    assert info_page_paths() == {f"/{page.route}" for page in PAGES} | {f"/es/{page.route}" for page in PAGES}


def test_second_visit_comes_from_the_cache_with_the_same_headers(renders):
    first = Client().get("/")
    second = Client().get("/")
    assert renders == ["home"]
    assert second.status_code == 200 and second.content == first.content
    for header in ("Content-Security-Policy", "X-Frame-Options", "Permissions-Policy", "Cache-Control"):
        assert second[header] == first[header], header


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.slug)
def test_no_cookie_on_any_information_page(page):
    for _ in range(2):  # rendered, then cached
        response = Client().get(f"/{page.route}")
        assert response.status_code == 200
        assert not response.cookies
        assert "Set-Cookie" not in response


def test_a_visitor_with_a_session_goes_through_the_whole_stack(client, renders):
    session = client.session
    session["intake"] = {"step": "about"}
    session.save()
    Client().get("/faq/")
    client.get("/faq/")
    assert renders == ["faq", "faq"]


def test_query_strings_and_posts_are_not_cached(renders):
    Client().get("/faq/")
    Client().get("/faq/?utm=1")
    assert renders == ["faq", "faq"]


def test_saving_the_policy_renders_the_pages_anew(staff_client, clinic_admin, renders):
    Client().get("/clearance-process/")
    Client().get("/clearance-process/")
    assert renders == ["clearance"]
    current = ScreeningPolicy.current()
    response = staff_client(clinic_admin).post(
        f"/staff/referrals/screeningpolicy/{current.pk}/change/", policy_data(ecg_age=55)
    )
    assert response.status_code == 302
    Client().get("/clearance-process/")
    assert renders == ["clearance", "clearance"]


def test_other_pages_are_never_cached(client):
    from django.core.cache import cache

    from clinic.middleware import info_page_cache_key

    for _ in range(2):
        assert client.get("/refer/self/about/").status_code in (200, 302)
    assert cache.get(info_page_cache_key("/refer/self/about/")) is None
    Client().get("/faq/")
    assert cache.get(info_page_cache_key("/faq/")) is not None


def test_each_process_keeps_pages_a_few_seconds(settings, renders):
    from django.core.cache import cache

    from clinic import middleware

    settings.INFO_PAGE_LOCAL_SECONDS = 5
    middleware._local_pages.clear()
    try:
        Client().get("/faq/")
        cache.clear()  # the shared cache lost it; this process still answers from memory
        assert Client().get("/faq/").status_code == 200
        assert renders == ["faq"]
        middleware.forget_info_pages()  # a policy save forgets in this process at once
        Client().get("/faq/")
        assert renders == ["faq", "faq"]
    finally:
        middleware._local_pages.clear()
