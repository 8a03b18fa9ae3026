"""Fixtures for the admin review tests: referrals made through the workflow, and URL helpers."""

import pytest
from django.urls import reverse

from referrals import demo


@pytest.fixture
def make_referral(db, coordinator, clinician):
    """``make_referral(status="submitted", **answers)``: a referral moved there by the workflow."""

    def _make(status="submitted", **kwargs):
        return demo.make_referral(status, coordinator=coordinator, clinician=clinician, **kwargs)

    return _make


def action_url(referral, action: str) -> str:
    return reverse(f"admin:referrals_referral_{action}", args=[referral.pk])


def change_url(referral) -> str:
    return reverse("admin:referrals_referral_change", args=[referral.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []
