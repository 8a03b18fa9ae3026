"""Referrals of every shape for the FHIR tests, made through the workflow; the validator helpers."""

from datetime import UTC, datetime

import pytest
from django.core.files.base import ContentFile

from referrals import demo
from referrals.fhir import bundle, export
from referrals.models import Document, Referral

S = Referral.Status
NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)

# Answers that reach every kind of item: lists, None, groups, an ASQ with its acuity, PC-PTSD-5.
RICH_ANSWERS = {
    "sex_at_birth": "female",
    "can_become_pregnant": "unsure",
    "pregnant": "no",
    "breastfeeding": False,
    "indication": "ptsd",
    "secondary_indications": ["crps", "trd"],
    "bp_systolic": None,
    "bp_diastolic": 96,
    "heart_conditions": ["arrhythmia"],
    "medications": ["benzodiazepine", "antihypertensive"],
    "liver_disease": "other",
    "escort_available": "not_yet",
    "height_cm": 165.5,
    "weight_kg": None,
    "phq9": [2, 2, 1, 3, 0, 1, 2, 0, 1],
    "gad7": [1, 2, 3, 0, 1, 2, 3],
    "pc_ptsd5_exposed": True,
    "pc_ptsd5": [True, True, False, True, False],
    "asq": {"q1": True, "q2": False, "q3": False, "q4": False, "acuity": False},
}


def add_document(referral, *, content=b"%PDF-1.4 demo letter", kind=Document.Kind.REFERRAL_LETTER):
    import hashlib

    document = Document(referral=referral, kind=kind, original_name="letter.pdf", content_type="application/pdf",
                        size=len(content), sha256=hashlib.sha256(content).hexdigest())  # fmt: skip
    document.file.save("x", ContentFile(content), save=False)
    document.save()
    return document


@pytest.fixture
def referrals_of_every_shape(db, coordinator, clinician):
    """Self (rich answers), provider (completed, with a document), cleared (snapshot), declined, awaiting."""
    rich = demo.submit(key="fhir-rich", **RICH_ANSWERS)
    provider, _token = demo.provider_referral(key="fhir-provider")
    add_document(provider)
    provider = demo.complete_provider_referral(provider, key="fhir-provider-done", indication="crps")
    provider = demo.advance(provider, S.IN_REVIEW, coordinator=coordinator, clinician=clinician)
    cleared = demo.make_referral(S.SCHEDULED, coordinator=coordinator, clinician=clinician, key="fhir-cleared",
                                 medications=["opioid_or_sedative"])  # fmt: skip
    add_document(cleared, content=b"records", kind=Document.Kind.RECORDS)
    declined = demo.make_referral(
        S.NOT_ELIGIBLE, coordinator=coordinator, clinician=clinician, key="fhir-declined"
    )
    awaiting = demo.make_referral(S.AWAITING_PATIENT, key="fhir-awaiting")
    return {
        "self": Referral.objects.get(pk=rich.pk),
        "provider": Referral.objects.get(pk=provider.pk),
        "cleared": Referral.objects.get(pk=cleared.pk),
        "declined": Referral.objects.get(pk=declined.pk),
        "awaiting": Referral.objects.get(pk=awaiting.pk),
    }


def make_bundle(referral, **option_overrides):
    return bundle.transaction_bundle(referral, export.options(**option_overrides), now=NOW)


def validate(resource: dict):
    """Parse with fhir.resources (R4B models): raises on a missing required element or a wrong type."""
    from fhir.resources.R4B import get_fhir_model_class

    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def references(value) -> list[str]:
    """Every Reference.reference anywhere inside a resource."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                found.append(item)
            else:
                found.extend(references(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(references(item))
    return found


def resources_of(bundle_dict: dict, resource_type: str) -> list[dict]:
    return [e["resource"] for e in bundle_dict["entry"] if e["resource"]["resourceType"] == resource_type]
