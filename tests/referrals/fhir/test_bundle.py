"""A referral as a FHIR R4 transaction Bundle, checked by an independent library (fhir.resources, R4B)."""

import base64
import hashlib
import json

import pytest
from django.utils import timezone

from referrals import demo, screening
from referrals.fhir import codes
from referrals.fhir.questionnaire import answers_from_response
from referrals.models import ClearanceItem, Finding, Referral
from referrals.retention import purge_referral
from tests.referrals.fhir.conftest import (
    RICH_ANSWERS,
    make_bundle,
    references,
    resources_of,
    validate,
)

pytestmark = pytest.mark.django_db

SHAPES = ["self", "provider", "cleared", "declined", "awaiting"]
# R4 value sets of the coded elements we fill (fhir.resources checks structure, not these).
SERVICE_REQUEST_STATUSES = {
    "draft",
    "active",
    "on-hold",
    "revoked",
    "completed",
    "entered-in-error",
    "unknown",
}
REQUEST_INTENTS = {"proposal", "plan", "directive", "order", "original-order", "reflex-order", "filler-order",
                   "instance-order", "option"}  # fmt: skip
REQUEST_PRIORITIES = {"routine", "urgent", "asap", "stat"}
TASK_STATUSES = {"draft", "requested", "received", "accepted", "rejected", "ready", "cancelled", "in-progress",
                 "on-hold", "failed", "completed", "entered-in-error"}  # fmt: skip
ISSUE_SEVERITIES = {"high", "moderate", "low"}


def only(bundle_dict, resource_type):
    found = resources_of(bundle_dict, resource_type)
    assert len(found) == 1, f"{len(found)} {resource_type}"
    return found[0]


def by_code(resources, system):
    return {c["code"]: r for r in resources for c in r["code"]["coding"] if c["system"] == system}


class ValidatorTests:
    @pytest.mark.parametrize("shape", SHAPES)
    def test_every_resource_parses_with_fhir_resources(self, referrals_of_every_shape, shape):
        bundle = make_bundle(referrals_of_every_shape[shape])
        validate(bundle)  # the Bundle, with every entry's resource parsed by its own model
        for entry in bundle["entry"]:
            model = validate(entry["resource"])
            assert model.get_resource_type() == entry["resource"]["resourceType"]
            assert (
                entry["request"]["method"] == "POST"
                and entry["request"]["url"] == entry["resource"]["resourceType"]
            )
        assert bundle["type"] == "transaction"

    @pytest.mark.parametrize("shape", SHAPES)
    def test_every_reference_resolves_inside_the_bundle(self, referrals_of_every_shape, shape):
        bundle = make_bundle(referrals_of_every_shape[shape])
        full_urls = [entry["fullUrl"] for entry in bundle["entry"]]
        assert len(full_urls) == len(set(full_urls))
        found = references(bundle)
        assert found, "a bundle without references proves nothing"
        assert set(found) <= set(full_urls), set(found) - set(full_urls)
        # ...and the Questionnaire a response names is in the bundle too.
        for response in resources_of(bundle, "QuestionnaireResponse"):
            url, version = response["questionnaire"].split("|")
            assert any(
                q["url"] == url and q["version"] == version for q in resources_of(bundle, "Questionnaire")
            )

    @pytest.mark.parametrize("shape", SHAPES)
    def test_coded_elements_use_their_value_sets(self, referrals_of_every_shape, shape):
        bundle = make_bundle(referrals_of_every_shape[shape])
        request = only(bundle, "ServiceRequest")
        assert request["status"] in SERVICE_REQUEST_STATUSES
        assert request["intent"] in REQUEST_INTENTS and request["priority"] in REQUEST_PRIORITIES
        for task in resources_of(bundle, "Task"):
            assert task["status"] in TASK_STATUSES and task["intent"] in REQUEST_INTENTS
        for issue in resources_of(bundle, "DetectedIssue"):
            assert issue["severity"] in ISSUE_SEVERITIES

    def test_a_broken_resource_is_refused_by_the_validator(self, referrals_of_every_shape):
        # The check has teeth: drop a required element and fhir.resources refuses it.
        bundle = make_bundle(referrals_of_every_shape["cleared"])
        task = dict(resources_of(bundle, "Task")[0])
        del task["intent"]
        with pytest.raises(ValueError, match="intent"):
            validate(task)

    def test_ids_are_stable_across_exports(self, referrals_of_every_shape):
        referral = referrals_of_every_shape["cleared"]
        first = [e["fullUrl"] for e in make_bundle(referral)["entry"]]
        assert first == [e["fullUrl"] for e in make_bundle(referral)["entry"]]


class RoundTripTests:
    @pytest.mark.parametrize("shape", ["self", "provider", "cleared", "declined"])
    def test_every_answer_key_comes_back_from_the_response(self, referrals_of_every_shape, shape):
        referral = referrals_of_every_shape[shape]
        response = only(make_bundle(referral), "QuestionnaireResponse")
        stored = {key: referral.answers[key] for key in screening.ANSWER_KEYS if key in referral.answers}
        assert answers_from_response(response) == stored
        assert [item["linkId"] for item in response["item"] if item["linkId"] != "intake_details"] == list(
            stored
        )

    def test_the_intake_details_a_clinician_needs_are_in_the_response(self, db):
        from tests.intake_flow import submit_directly

        referral = submit_directly(marker="Qzdetail")
        Referral.objects.filter(pk=referral.pk).update(
            details={**referral.details, "allergies": "Penicillin", "phq9_difficulty": 2,
                     "depression_history": {"ect": False, "antidepressant_trials": "3_plus"}}
        )  # fmt: skip
        response = only(make_bundle(Referral.objects.get(pk=referral.pk)), "QuestionnaireResponse")
        details = {i["linkId"]: i["answer"][0] for i in response["item"][-1]["item"]}
        assert response["item"][-1]["linkId"] == "intake_details"
        assert details["medication_list"] == {"valueString": "Qzdetail pills"}
        assert details["allergies"] == {"valueString": "Penicillin"}
        assert details["depression_history.ect"] == {"valueBoolean": False}
        assert details["depression_history.antidepressant_trials"] == {"valueString": "3_plus"}
        phq9 = next(i for i in response["item"] if i["linkId"] == "phq9")["item"]
        assert phq9[-1] == {"linkId": "phq9_difficulty", "answer": [{"valueInteger": 2}]}

    def test_the_rich_answers_reach_every_kind_of_item(self, referrals_of_every_shape):
        referral = referrals_of_every_shape["self"]
        items = {i["linkId"]: i for i in only(make_bundle(referral), "QuestionnaireResponse")["item"]}
        assert set(RICH_ANSWERS) <= set(items)
        assert "answer" not in items["bp_systolic"]  # None: asked, not known
        assert [a["valueCoding"]["code"] for a in items["medications"]["answer"]] == RICH_ANSWERS[
            "medications"
        ]
        phq9 = items["phq9"]["item"]
        assert phq9[8]["answer"][0]["valueCoding"] == {
            "system": codes.LOINC,
            "code": "LA6569-3",
        }  # item 9 = 1

    @pytest.mark.parametrize("shape", SHAPES)
    def test_every_score_finding_and_checklist_item_is_in_the_bundle(self, referrals_of_every_shape, shape):
        referral = referrals_of_every_shape[shape]
        bundle = make_bundle(referral)
        observations = by_code(resources_of(bundle, "Observation"), codes.SCORE)
        scores = referral.scores
        if "phq9" in scores:
            assert observations["phq9-total"]["valueInteger"] == scores["phq9"]["total"]
            assert (
                observations["phq9-total"]["interpretation"][0]["coding"][0]["code"] == scores["phq9"]["band"]
            )
        if "gad7" in scores:
            assert observations["gad7-total"]["valueInteger"] == scores["gad7"]["total"]
        if "pc_ptsd5" in scores:
            assert observations["pc-ptsd-5-total"]["valueInteger"] == scores["pc_ptsd5"]["total"]
        if "asq" in scores:
            value = observations["asq-result"]["valueCodeableConcept"]["coding"][0]
            assert value["code"] == scores["asq"]["result"]
        if "pain_nrs" in scores:
            for part in ("current", "average", "worst"):
                assert observations[f"pain-{part}"]["valueInteger"] == scores["pain_nrs"][part]
        expected_observations = sum(3 if name == "pain_nrs" else 1 for name in scores)
        assert len(observations) == expected_observations

        issues = by_code(resources_of(bundle, "DetectedIssue"), codes.FINDING)
        findings = Finding.objects.filter(referral=referral, run__current=True)
        assert set(issues) == {f.code for f in findings}
        for finding in findings:
            issue = issues[finding.code]
            assert issue["severity"] == codes.DETECTED_ISSUE_SEVERITY[finding.severity]
            assert {"url": codes.EXT_SEVERITY, "valueCode": finding.severity} in issue["extension"]
            assert issue["detail"] == finding.reason
            if finding.resolution:
                action = issue["mitigation"][0]["action"]
                assert action["coding"][0]["code"] == finding.resolution
                assert action["text"] == finding.resolution_note

        tasks = by_code(resources_of(bundle, "Task"), codes.CLEARANCE_STEP)
        items = list(referral.checklist.all())
        assert set(tasks) == {item.step_id for item in items}
        for item in items:
            task = tasks[item.step_id]
            assert task["businessStatus"]["coding"][0]["code"] == item.status
            assert task["status"] == codes.TASK_STATUS[item.status]
            assert [n["text"] for n in task.get("note", [])] == ([item.note] if item.note else [])

    def test_the_rich_referral_has_findings_and_item_codes(self, referrals_of_every_shape):
        # Guards the test above against passing on empty lists.
        referral = referrals_of_every_shape["self"]
        bundle = make_bundle(referral)
        assert Finding.objects.filter(referral=referral).count() >= 3
        phq9 = by_code(resources_of(bundle, "Observation"), codes.LOINC)["44261-6"]
        assert [c["code"]["coding"][0]["code"] for c in phq9["component"]] == list(codes.PHQ9_ITEMS)
        assert [c["valueInteger"] for c in phq9["component"]] == RICH_ANSWERS["phq9"]
        gad7 = by_code(resources_of(bundle, "Observation"), codes.LOINC)["70274-6"]
        assert gad7["valueInteger"] == sum(RICH_ANSWERS["gad7"])
        # CRPS among the reasons: the pain ratings were asked, and "now" carries the LOINC pain code.
        pain = by_code(resources_of(bundle, "Observation"), codes.LOINC)["72514-3"]
        assert pain["valueInteger"] == demo.HEALTHY_ANSWERS["pain_current"]
        app_codes = by_code(resources_of(bundle, "Observation"), codes.SCORE)
        assert {"pc-ptsd-5-total", "asq-result", "pain-average", "pain-worst"} <= set(app_codes)
        assert referral.checklist.count() >= 10


class MappingTests:
    def test_a_self_referral_gives_reasons_in_the_apps_own_codes_never_as_diagnoses(
        self, referrals_of_every_shape
    ):
        request = only(make_bundle(referrals_of_every_shape["self"]), "ServiceRequest")
        systems = {c["system"] for reason in request["reasonCode"] for c in reason["coding"]}
        assert systems == {codes.INDICATION}
        assert [r["coding"][0]["code"] for r in request["reasonCode"]] == ["ptsd", "crps", "trd"]
        assert request["intent"] == "proposal"
        assert request["requester"] == request["subject"]  # the patient asked

    def test_a_provider_referral_has_npi_practice_and_icd10_codes(self, referrals_of_every_shape):
        bundle = make_bundle(referrals_of_every_shape["provider"])
        request = only(bundle, "ServiceRequest")
        icd = [c for r in request["reasonCode"] for c in r["coding"] if c["system"] == codes.ICD10CM]
        assert icd == [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "F33.2"}]
        assert request["intent"] == "order"
        role = only(bundle, "PractitionerRole")
        assert request["requester"]["reference"] in {e["fullUrl"] for e in bundle["entry"]}
        doctor = [
            p for p in resources_of(bundle, "Practitioner") if p["identifier"][0]["system"] == codes.NPI
        ]
        assert doctor[0]["identifier"][0] == {
            "system": "http://hl7.org/fhir/sid/us-npi",
            "value": "1234567893",
        }
        assert role["organization"]
        practices = [o["name"] for o in resources_of(bundle, "Organization")]
        assert "Example Family Practice" in practices
        pain = by_code(resources_of(bundle, "Observation"), codes.LOINC)["72514-3"]
        assert pain["valueInteger"] == demo.HEALTHY_ANSWERS["pain_current"]

    @pytest.mark.parametrize(
        ("status", "fhir_status"),
        [("awaiting_patient", "draft"), ("submitted", "active"), ("in_review", "active"), ("needs_info", "on-hold"),
         ("cleared", "active"), ("scheduled", "active"), ("not_eligible", "revoked"), ("withdrawn", "revoked")],
    )  # fmt: skip
    def test_status_maps_and_the_exact_status_rides_along(self, coordinator, clinician, status, fhir_status):
        referral = demo.make_referral(status, coordinator=coordinator, clinician=clinician)
        bundle = make_bundle(Referral.objects.get(pk=referral.pk))
        request = only(bundle, "ServiceRequest")
        assert request["status"] == fhir_status
        assert {"url": codes.EXT_REFERRAL_STATUS, "valueCode": status} in request["extension"]
        validate(bundle)

    def test_urgent_safety_is_urgent_and_an_acute_asq_is_stat(self, db):
        urgent = demo.submit(indication="trd", phq9=[0, 0, 0, 0, 0, 0, 0, 0, 1],
                             asq={"q1": True, "q2": False, "q3": False, "q4": False, "acuity": False})  # fmt: skip
        acute = demo.submit(
            indication="trd", asq={"q1": True, "q2": True, "q3": True, "q4": False, "acuity": True}
        )
        routine = demo.submit()
        assert only(make_bundle(urgent), "ServiceRequest")["priority"] == "urgent"
        assert only(make_bundle(acute), "ServiceRequest")["priority"] == "stat"
        assert only(make_bundle(routine), "ServiceRequest")["priority"] == "routine"

    def test_the_clearance_decision_has_provenance_with_its_snapshot(self, referrals_of_every_shape):
        referral = referrals_of_every_shape["cleared"]
        bundle = make_bundle(referral)
        provenance = only(bundle, "Provenance")
        assert provenance["activity"]["coding"][0]["code"] == "cleared"
        assert provenance["recorded"] == referral.clearance_snapshot["decided_at"]
        entries = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
        who = entries[provenance["agent"][0]["who"]["reference"]]
        assert who["identifier"] == [
            {"system": codes.STAFF_ID, "value": referral.clearance_snapshot["decided_by"]}
        ]
        snapshots = [entries[e["what"]["reference"]] for e in provenance["entity"]
                     if entries[e["what"]["reference"]]["resourceType"] == "DocumentReference"]  # fmt: skip
        data = base64.b64decode(snapshots[0]["content"][0]["attachment"]["data"])
        assert json.loads(data) == referral.clearance_snapshot
        targets = {e["what"]["reference"] for e in provenance["entity"]}
        assert {e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Task"} <= targets

    def test_a_decline_has_provenance_with_the_clinician_and_reason(self, referrals_of_every_shape):
        bundle = make_bundle(referrals_of_every_shape["declined"])
        provenance = only(bundle, "Provenance")
        assert provenance["activity"]["coding"][0]["code"] == "declined"
        assert provenance["reason"] == [{"text": "Absolute contraindication confirmed at consult."}]

    def test_tasks_carry_owner_and_waived_reason(self, referrals_of_every_shape, clinician):
        from referrals import workflow

        referral = referrals_of_every_shape["provider"]
        item = referral.checklist.get(step_id="records_received")
        workflow.update_checklist_item(item, actor=clinician, status=ClearanceItem.ItemStatus.WAIVED,
                                       reason="Letter covers it.", note="Checked by phone.")  # fmt: skip
        bundle = make_bundle(referral)
        task = by_code(resources_of(bundle, "Task"), codes.CLEARANCE_STEP)["records_received"]
        assert task["status"] == "cancelled" and task["statusReason"] == {"text": "Letter covers it."}
        assert task["note"] == [{"text": "Checked by phone."}]
        owner = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}[task["owner"]["reference"]]
        assert owner["identifier"] == [{"system": codes.STAFF_ID, "value": "clinician"}]
        pending = by_code(resources_of(bundle, "Task"), codes.CLEARANCE_STEP)["initial_consult"]
        assert {e["fullUrl"]: e["resource"] for e in bundle["entry"]}[pending["owner"]["reference"]][
            "resourceType"] == "Organization"  # fmt: skip

    def test_documents_inline_or_by_reference(self, referrals_of_every_shape):
        referral = referrals_of_every_shape["provider"]
        document = referral.documents.get()
        inline = only(make_bundle(referral), "DocumentReference")["content"][0]["attachment"]
        content = b"%PDF-1.4 demo letter"
        assert base64.b64decode(inline["data"]) == content
        assert inline["hash"] == base64.b64encode(hashlib.sha1(content).digest()).decode()  # noqa: S324
        assert "url" not in inline
        linked = only(make_bundle(referral, inline_documents=False), "DocumentReference")["content"][0][
            "attachment"
        ]
        assert "data" not in linked
        assert linked["url"].endswith(f"/staff/documents/{document.pk}/download/")
        assert linked["contentType"] == "application/pdf" and linked["size"] == len(content)

    def test_a_document_whose_file_is_gone_is_linked_instead(self, referrals_of_every_shape):
        referral = referrals_of_every_shape["provider"]
        document = referral.documents.get()
        document.file.storage.delete(document.file.name)
        attachment = only(make_bundle(referral), "DocumentReference")["content"][0]["attachment"]
        assert "data" not in attachment and attachment["url"].endswith(
            f"/staff/documents/{document.pk}/download/"
        )

    def test_a_purged_referral_still_exports_without_identity(self, coordinator, clinician):
        referral = demo.make_referral(
            "withdrawn", coordinator=coordinator, clinician=clinician, first_name="Qzpurge"
        )
        purge_referral(Referral.objects.get(pk=referral.pk), now=timezone.now())
        bundle = make_bundle(Referral.objects.get(pk=referral.pk))
        validate(bundle)
        assert "Qzpurge" not in json.dumps(bundle) and "purged" not in json.dumps(only(bundle, "Patient"))
        assert not resources_of(bundle, "QuestionnaireResponse")
