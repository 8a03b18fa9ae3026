"""docs/fhir/: the published Questionnaire is current, and the example Bundle is valid and fictional."""

import io
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from referrals import screening
from referrals.management.commands.fhir_docs import questionnaire_file
from referrals.models import Referral
from tests.referrals.fhir.conftest import references, validate

DOCS = Path(settings.BASE_DIR) / "docs" / "fhir"


def load(name: str) -> dict:
    return json.loads((DOCS / name).read_text(encoding="utf-8"))


class PublishedQuestionnaireTests:
    def test_the_committed_file_is_what_the_app_publishes(self):
        name, resource = questionnaire_file()
        assert load(name) == resource, "docs/fhir is stale: run `manage.py fhir_docs`"

    def test_it_is_valid_and_has_one_item_per_answer_key(self):
        name, resource = questionnaire_file()
        validate(resource)
        assert [item["linkId"] for item in resource["item"]] == [*screening.ANSWER_KEYS, "intake_details"]
        phq9 = next(item for item in resource["item"] if item["linkId"] == "phq9")
        assert phq9["code"][0]["code"] == "44249-1" and len(phq9["item"]) == 10  # 9 items and the difficulty


class ExampleBundleTests:
    def test_the_example_is_valid_and_self_contained(self):
        bundle = load("example-bundle.json")
        validate(bundle)
        for entry in bundle["entry"]:
            validate(entry["resource"])
        assert set(references(bundle)) <= {e["fullUrl"] for e in bundle["entry"]}
        kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
        assert {"Patient", "Practitioner", "Organization", "ServiceRequest", "QuestionnaireResponse", "Observation",
                "DetectedIssue", "Task", "DocumentReference", "Provenance"} <= kinds  # fmt: skip

    def test_the_example_people_are_fictional(self):
        text = (DOCS / "example-bundle.json").read_text(encoding="utf-8")
        assert all(email.endswith("example.com") for email in re.findall(r"[\w.+-]+@[\w.-]+", text))
        assert all(phone.startswith("(555) 01") for phone in re.findall(r"\(\d{3}\) \d{3}-\d{4}", text))

    @pytest.mark.django_db
    def test_the_command_writes_both_and_keeps_nothing(self, tmp_path):
        out = io.StringIO()
        call_command("fhir_docs", "--out", str(tmp_path), stdout=out)
        name, resource = questionnaire_file()
        assert json.loads((tmp_path / name).read_text()) == resource
        validate(json.loads((tmp_path / "example-bundle.json").read_text()))
        assert not Referral.objects.exists()  # the demo referral was rolled back
