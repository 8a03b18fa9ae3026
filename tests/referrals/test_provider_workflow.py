"""workflow.create_provider_referral: one referral per provider submit."""

import uuid
from datetime import date

import pytest

from referrals import workflow
from referrals.exceptions import DuplicateSubmissionError
from referrals.models import Referral

pytestmark = pytest.mark.django_db

REFERRER = {
    "name": "Dr Sam Example",
    "credentials": "MD",
    "npi": "1234567893",
    "practice": "Example Family Practice",
    "phone": "(555) 010-0150",
    "fax": "(555) 010-0151",
    "email": "sam@example.com",
}
PATIENT = {
    "first_name": "Lee",
    "last_name": "Sample",
    "date_of_birth": date(1975, 6, 1),
    "email": "lee@example.com",
    "phone": "(555) 010-0152",
}


class CreateProviderReferralTests:
    def test_the_same_submit_twice_raises_with_the_stored_referral(self):
        token = uuid.uuid4()
        details = {"indication": "crps", "secondary_indications": []}
        referral, link_token = workflow.create_provider_referral(
            submission_token=token, referrer=REFERRER, identity=PATIENT, provider_details=details
        )
        with pytest.raises(DuplicateSubmissionError) as raised:
            workflow.create_provider_referral(
                submission_token=token, referrer=REFERRER, identity=PATIENT, provider_details=details
            )
        assert raised.value.referral == referral
        assert Referral.objects.count() == 1
        assert referral.status == Referral.Status.AWAITING_PATIENT
        assert referral.provider_submission_token == token
        assert referral.submission_token is None  # kept for the patient's own submit
        assert link_token and referral.completion_token_hash
