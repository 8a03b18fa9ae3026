"""Hypothesis-driven posts to every public form outside the intake wizard: a clear answer, never a 500."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile.strategies import (
    SUITE,
    assert_clear,
    field_names,
    hidden_values,
    hostile_value,
    reset_limits,
    stored_counts,
    with_value,
)
from tests.referrals.provider_data import provider_post

pytestmark = pytest.mark.django_db

STATUS_OK = {"reference": "ABC-DEF-GHJ", "date_of_birth": "1980-01-01"}


def fuzz_form(client: Client, url: str, baseline: dict, field: str, value, *, stores: bool = False):
    reset_limits()
    before = stored_counts()
    page = client.get(url)
    assert page.status_code == 200
    data = with_value({**hidden_values(page.content.decode()), **baseline}, field, value)
    response = client.post(url, data)
    assert_clear(response)
    if not stores:
        assert stored_counts() == before


def names(client, url) -> list[str]:
    return field_names(Client().get(url).content.decode())


class StatusPageTests:
    @SUITE
    @given(data=st.data())
    def test_hostile_status_lookups(self, client, data):
        url = reverse("referrals:check-status")
        field = data.draw(st.sampled_from(names(client, url)))
        fuzz_form(client, url, STATUS_OK, field, data.draw(hostile_value))


class SelfCheckTests:
    @SUITE
    @given(data=st.data())
    def test_hostile_self_checks_store_nothing(self, client, data):
        url = reverse("referrals:self-check")
        baseline = {
            "age_band": "18_64",
            "indication": "trd",
            "pregnancy": "no",
            "substance": "no",
            "safety": "no",
        }
        field = data.draw(st.sampled_from(names(client, url)))
        fuzz_form(client, url, baseline, field, data.draw(hostile_value))


class ProviderReferralTests:
    @SUITE
    @given(data=st.data())
    def test_hostile_provider_referrals_store_nothing(self, client, data):
        # No letter attached, so nothing may be stored whatever else is sent.
        url = reverse("referrals:provider-referral")
        baseline = {k: v for k, v in provider_post().items() if k != "submission_token"}
        field = data.draw(st.sampled_from(names(client, url)))
        fuzz_form(client, url, baseline, field, data.draw(hostile_value))


class CompletionLinkTests:
    @SUITE
    @given(data=st.data())
    def test_hostile_birth_dates_on_a_completion_link(self, client, provider_referral, data):
        _referral, token = provider_referral
        url = reverse("referrals:complete", args=[token])
        fuzz_form(client, url, {}, "date_of_birth", data.draw(hostile_value))

    @SUITE
    @given(token=st.text(min_size=1, max_size=300).filter(lambda t: "/" not in t and "\x00" not in t))
    def test_made_up_links_get_the_kind_page(self, client, token):
        reset_limits()
        response = client.post(reverse("referrals:complete", args=[token]), {"date_of_birth": "1975-06-15"})
        assert_clear(response)
        assert b"Casey" not in response.content


class InfoRequestTests:
    @SUITE
    @given(data=st.data())
    def test_hostile_birth_dates_on_an_info_link(self, client, info_request, data):
        _info, token = info_request
        url = reverse("referrals:info-response", args=[token])
        fuzz_form(client, url, {}, "date_of_birth", data.draw(hostile_value))

    @SUITE
    @given(data=st.data())
    def test_hostile_replies_keep_the_frozen_answers(self, client, info_request, data):
        info, token = info_request
        url = reverse("referrals:info-response", args=[token])
        reset_limits()
        client.post(url, {"date_of_birth": "1981-04-12"})  # the patient of the request
        page = client.get(url)
        fields = field_names(page.content.decode())
        assert fields, "the reply form is shown after the date of birth"
        field = data.draw(st.sampled_from(fields))
        answers = type(info.referral).objects.get(pk=info.referral_id).answers
        baseline = {**hidden_values(page.content.decode()), "stage": "answer"}
        response = client.post(url, with_value(baseline, field, data.draw(hostile_value)))
        assert_clear(response)
        # Whatever was sent, the screened answers are never overwritten by a reply.
        assert type(info.referral).objects.get(pk=info.referral_id).answers == answers
