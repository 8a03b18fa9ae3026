"""Stored XSS: every free-text field, as staff see it in the admin queue, review page and summary."""

import re
import uuid
from datetime import date

import pytest
from django.urls import reverse

from referrals import workflow
from referrals.models import Referral
from tests.intake_data import step_data
from tests.intake_flow import complete

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert('{n}')</script>",
    '"><img src=x onerror=alert("{n}")>',
    "</textarea><svg onload=alert('{n}')>",
    "javascript:alert('{n}')//<a href=\"javascript:alert(1)\">x</a>",
]
INTAKE_TEXT = {
    "about": ["preferred_name", "emergency_name", "emergency_relationship"],
    "reason": ["treatments_tried", "goals"],
    "medications": ["medication_list", "allergies"],
    "practical": ["insurer", "member_id", "group_number"],
}
# Raw markup that must never reach the page unescaped.
DANGEROUS = re.compile(r"<script>alert|<img src=x onerror|<svg onload|href=\"javascript:", re.IGNORECASE)


def xss_intake(payload: str) -> dict:
    data = step_data("ptsd")
    data["practical"]["payment"] = "insurance"
    for step, fields in INTAKE_TEXT.items():
        for field in fields:
            data[step][field] = payload.format(n=f"{step}-{field}")[:40]
    # Names and the signature must match each other; markup in them is allowed through the form too.
    name = payload.format(n="name")[:60]
    data["about"]["first_name"] = name
    data["about"]["last_name"] = "Xss"
    data["consent"]["signature"] = f"{name} Xss"
    return data


def pages(client, referral) -> dict[str, str]:
    urls = {
        "queue": reverse("admin:referrals_referral_changelist"),
        "queue search": reverse("admin:referrals_referral_changelist") + "?q=Xss",
        "review": reverse("admin:referrals_referral_change", args=[referral.pk]),
        "summary": reverse("admin:referrals_referral_summary", args=[referral.pk]),
    }
    out = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, f"{name}: {response.status_code}"
        out[name] = response.content.decode()
    return out


@pytest.mark.parametrize("payload", PAYLOADS)
def test_intake_free_text_is_escaped_in_the_admin(client, staff_client, clinician, payload):
    response = complete(client, xss_intake(payload))
    assert response.status_code == 200
    referral = Referral.objects.get(last_name="Xss")
    assert referral.details["medication_list"].startswith(payload[:10])  # stored as typed

    staff = staff_client(clinician)
    for name, html in pages(staff, referral).items():
        found = DANGEROUS.findall(html)
        assert not found, f"unescaped markup on the {name} page: {found}"
    review = pages(staff, referral)["review"]
    assert "&lt;" in review, "the typed markup is shown, escaped"


@pytest.mark.parametrize("payload", PAYLOADS[:2])
def test_provider_free_text_is_escaped_in_the_admin(staff_client, clinician, payload):
    text = payload.format(n="provider")
    referral, _token = workflow.create_provider_referral(
        submission_token=uuid.uuid4(),
        referrer={
            "name": text[:100],
            "credentials": text[:50],
            "npi": "1234567893",
            "practice": text[:100],
            "phone": "(555) 010-0150",
            "email": "dr@example.com",
        },  # fmt: skip
        identity={
            "first_name": text[:100],
            "last_name": "Xss",
            "date_of_birth": date(1975, 6, 15),
            "email": "p@example.com",
            "phone": "(555) 010-0160",
        },  # fmt: skip
        provider_details={"indication": "trd", "reason": text, "medications": text, "history": text},
    )
    staff = staff_client(clinician)
    for name, html in pages(staff, referral).items():
        assert not DANGEROUS.findall(html), f"unescaped markup on the {name} page"
