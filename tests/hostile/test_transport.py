"""Missing or wrong CSRF tokens and wrong content types on every public form: a clear error, nothing stored."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile.strategies import SUITE, assert_clear, reset_limits, stored_counts
from tests.intake_data import step_data
from tests.intake_flow import payload
from tests.referrals.provider_data import provider_post

pytestmark = pytest.mark.django_db


def public_forms(provider_referral, info_request) -> dict[str, dict]:
    _referral, completion_token = provider_referral
    _info, info_token = info_request
    return {
        reverse("referrals:intake-step", args=["about"]): payload("about", step_data()["about"]),
        reverse("referrals:provider-referral"): provider_post(),
        reverse("referrals:check-status"): {"reference": "ABC-DEF-GHJ", "date_of_birth": "1980-01-01"},
        reverse("referrals:self-check"): {"age_band": "18_64", "indication": "trd"},
        reverse("referrals:complete", args=[completion_token]): {"date_of_birth": "1975-06-15"},
        reverse("referrals:info-response", args=[info_token]): {"date_of_birth": "1981-04-12"},
    }


@pytest.fixture
def forms(provider_referral, info_request):
    return public_forms(provider_referral, info_request)


class CsrfTests:
    @pytest.mark.parametrize("token", [None, "", "wrong", "x" * 64])
    def test_every_public_form_refuses_a_missing_or_wrong_token(self, forms, token):
        for url, data in forms.items():
            client = Client(enforce_csrf_checks=True)
            client.get(url)
            before = stored_counts()
            post = dict(data)
            if token is not None:
                post["csrfmiddlewaretoken"] = token
            response = client.post(url, post)
            assert response.status_code == 403, url
            assert "This form has expired" in response.content.decode()
            assert stored_counts() == before

    def test_a_token_from_another_session_is_refused(self, forms):
        other = Client(enforce_csrf_checks=True)
        other.get(reverse("referrals:check-status"))
        foreign = other.cookies["csrftoken"].value if "csrftoken" in other.cookies else "x" * 32
        for url, data in forms.items():
            client = Client(enforce_csrf_checks=True)
            client.get(url)
            response = client.post(url, {**data, "csrfmiddlewaretoken": foreign})
            assert response.status_code == 403, url


BODIES = [
    ("application/json", b'{"about-first_name": "Avery", "intake_wizard-current_step": "about"}'),
    ("application/json", b"{not json"),
    ("text/plain", b"about-first_name=Avery&\x00\xff\xfe"),
    ("multipart/form-data; boundary=xyz", b"--xyz\r\ngarbage without headers\r\n--xyz--"),
    ("multipart/form-data", b"no boundary at all"),
    ("multipart/form-data; boundary=", b"--\r\n"),
    ("application/x-www-form-urlencoded", b"%ZZ%00=%%%&a=" + b"\xff" * 20),
    ("application/x-www-form-urlencoded; charset=unknown-charset", b"a=b"),
    (
        "application/xml",
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
    ),
]


class ContentTypeTests:
    @pytest.mark.parametrize("content_type,body", BODIES)
    def test_wrong_content_types_get_a_clear_error(self, forms, content_type, body):
        for url in forms:
            reset_limits()
            client = Client()
            client.get(url)
            before = stored_counts()
            response = client.generic("POST", url, body, content_type=content_type)
            assert_clear(response)
            assert stored_counts() == before

    @SUITE
    @given(body=st.binary(max_size=2000), boundary=st.text(alphabet="abcxyz-0123", min_size=0, max_size=12))
    def test_random_multipart_bodies(self, client, body, boundary):
        reset_limits()
        before = stored_counts()
        response = client.generic(
            "POST",
            reverse("referrals:provider-referral"),
            body,
            content_type=f"multipart/form-data; boundary={boundary}",
        )
        assert_clear(response)
        assert stored_counts() == before


class HostileUrlTests:
    @SUITE
    @given(text=st.text(max_size=60))
    def test_hostile_query_strings_and_paths(self, client, text):
        from urllib.parse import quote

        reset_limits()
        for url in (
            f"/status/?q={quote(text)}",
            f"/refer/self/about/?{quote(text)}",
            f"/complete/{quote(text, safe='')}/" if text else "/complete/x/",
            f"/info/{quote(text, safe='')}/" if text else "/info/x/",
            f"/refer/self/{quote(text, safe='')}/" if text else "/refer/self/x/",
        ):
            assert_clear(client.get(url))


class AntiAbuseCoverageTests:
    def test_every_public_form_carries_the_honeypot(self, forms):
        for url in forms:
            html = Client().get(url).content.decode()
            assert 'name="hp_check"' in html and 'tabindex="-1"' in html, url

    def test_a_filled_honeypot_stores_nothing_on_any_public_form(self, forms):
        for url, data in forms.items():
            client = Client()
            client.get(url)
            before = stored_counts()
            response = client.post(url, {**data, "hp_check": "bot"})
            assert response.status_code == 400, url
            assert stored_counts() == before

    def test_every_public_form_is_rate_limited_with_a_clear_page(self, forms, settings):
        settings.RATE_LIMITS = {name: "2/900" for name in settings.RATE_LIMITS}
        for url, data in forms.items():
            reset_limits()
            client = Client()
            client.get(url)
            codes = [client.post(url, data).status_code for _ in range(12)]
            assert 429 in codes, f"{url} never limited: {codes}"
            limited = client.post(url, data)
            assert limited.status_code == 429 and "Please wait a little" in limited.content.decode()
