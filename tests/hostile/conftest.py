"""Fixtures of the hostile-input suite: a provider referral with its completion link, an info request."""

import uuid
from datetime import date

import pytest

from referrals import workflow
from tests.intake_flow import submit_directly
from tests.referrals.provider_data import provider_post


@pytest.fixture
def provider_referral(db):
    """(referral, completion token) of a provider referral waiting for the patient."""
    post = provider_post()
    referral, token = workflow.create_provider_referral(
        submission_token=uuid.uuid4(),
        referrer={
            "name": post["referrer_name"],
            "credentials": "MD",
            "npi": post["npi"],
            "practice": post["practice"],
            "phone": post["referrer_phone"],
            "email": post["referrer_email"],
        },
        identity={
            "first_name": "Casey",
            "last_name": "Otherpatient",
            "date_of_birth": date(1975, 6, 15),
            "email": "casey@example.com",
            "phone": "(555) 010-0160",
        },  # fmt: skip
        provider_details={"indication": "trd", "reason": "Another patient's reason"},
    )
    return referral, token


@pytest.fixture
def info_request(provider_referral, coordinator):
    """(info request, link token) asking the patient of `provider_referral` for more information."""
    referral = submit_directly()
    workflow.start_review(referral, actor=coordinator)
    info, token = workflow.request_info(
        referral, actor=coordinator, items=["blood_pressure", "medications"], message="Please send these."
    )
    return info, token
