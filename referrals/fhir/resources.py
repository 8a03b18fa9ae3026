"""Builders: one referral's model rows -> FHIR R4 resources (plain dicts): its people and the request.

`ReferralGraph` walks a referral once and collects every resource it needs, each under a stable
id (a UUID derived from the referral's reference code, so an export repeated later names the same
resources). How references are written depends on where the resources go: `urn:uuid:` inside a
transaction Bundle, `Type/id` in Bulk Data NDJSON. Scores, findings, checklist, documents and the
decision are built in clinical.py.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from referrals import questionnaires
from referrals.fhir import codes
from referrals.fhir.questionnaire import (
    canonical,
    coding,
    indication_coding,
    questionnaire,
    response_items,
)

ID_NAMESPACE = uuid.UUID("0f9b7c3e-5a4d-4e8f-9d2b-7c1e6a3f8b21")


def telecom(*points: tuple[str, str | None]) -> list[dict]:
    """ContactPoints for the values given (a system without a value says nothing)."""
    return [{"system": system, "value": value} for system, value in points if value]


@dataclass
class Entry:
    resource_type: str
    id: str
    resource: dict
    if_none_exist: str | None = None


def language_concept(tag: str | None, text: str = "") -> dict:
    """A CodeableConcept for a language: its BCP-47 tag when we know it, else the words recorded."""
    if tag in codes.LANGUAGE_TAGS:
        name = codes.LANGUAGE_TAGS[tag]
        return {"coding": [{"system": codes.BCP47, "code": tag, "display": name}], "text": name}
    return {"text": text}


def communication(language: str, preferred_language: str) -> list[dict]:
    """Patient.communication: the preferred language when one was recorded (marked preferred),
    and the language the patient's forms were completed in."""
    entries = []
    recorded = " ".join((preferred_language or "").split())
    recorded_tag = codes.LANGUAGE_NAMES.get(recorded.casefold()) if recorded else None
    if recorded:
        entries.append({"language": language_concept(recorded_tag, recorded), "preferred": True})
    if language and language != recorded_tag:
        entries.append({"language": language_concept(language, language)})
    return entries


def stamp(value: datetime | date | None) -> str | None:
    return value.isoformat() if value else None


def _clean(value: Any) -> Any:
    """Drop empty elements: FHIR forbids empty strings, lists and objects."""
    if isinstance(value, dict):
        cleaned = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        cleaned = [_clean(v) for v in value]
        return [v for v in cleaned if v not in (None, "", [], {})]
    return value


@dataclass
class ReferralGraph:
    referral: Any
    clinic: dict
    style: str = "urn"  # "urn" (transaction Bundle) or "relative" (Bulk Data NDJSON)
    inline_documents: bool = True
    document_url: Any = None  # callable(Document) -> absolute staff URL, for documents by reference
    questionnaire_texts: Any = None  # callable(version) -> wording texts
    questionnaire_language: Any = None  # callable(version) -> the wording's language ("en", "es")
    finding_titles: dict = field(default_factory=dict)  # finding code -> the rule's title
    entries: dict = field(default_factory=dict)

    # --- ids and references -----------------------------------------------------------------
    def key_id(self, key: str) -> str:
        return str(uuid.uuid5(ID_NAMESPACE, key))

    def local_id(self, resource_type: str, part: str = "") -> str:
        return self.key_id(f"referral/{self.referral.reference}/{resource_type}/{part}")

    def ref(self, resource_type: str, resource_id: str, display: str | None = None) -> dict:
        target = f"urn:uuid:{resource_id}" if self.style == "urn" else f"{resource_type}/{resource_id}"
        return {"reference": target, **({"display": display} if display else {})}

    def add(self, resource_type: str, resource_id: str, resource: dict, *, if_none_exist: str | None = None):
        if (resource_type, resource_id) not in self.entries:
            body = _clean({"resourceType": resource_type, **resource})
            self.entries[(resource_type, resource_id)] = Entry(
                resource_type, resource_id, body, if_none_exist
            )
        return self.ref(resource_type, resource_id)

    def own_identifier(self, resource_id: str) -> dict:
        return {"system": codes.RESOURCE_ID, "value": resource_id}

    def _own(self, resource_type: str, resource_id: str, resource: dict, extra_ids=()) -> dict:
        resource = {"identifier": [*extra_ids, self.own_identifier(resource_id)], **resource}
        query = f"identifier={codes.RESOURCE_ID}|{resource_id}"
        return self.add(resource_type, resource_id, resource, if_none_exist=query)

    # --- people and organisations -------------------------------------------------------------
    def patient(self) -> dict:
        r = self.referral
        pid = self.local_id("Patient")
        if ("Patient", pid) in self.entries:
            return self.ref("Patient", pid)
        resource: dict[str, Any] = {"active": True}
        if r.purged_at is None:
            details = r.details or {}
            names = [{"use": "official", "family": r.last_name, "given": [r.first_name]}]
            if details.get("preferred_name"):
                names.append({"use": "usual", "given": [details["preferred_name"]]})
            resource["name"] = names
            resource["birthDate"] = stamp(r.date_of_birth)
            resource["telecom"] = telecom(("email", r.email), ("phone", r.phone))
            resource["communication"] = communication(r.language, r.preferred_language)
            emergency = details.get("emergency_contact") or {}
            if isinstance(emergency, dict) and emergency.get("name"):
                resource["contact"] = [
                    {
                        "relationship": [
                            {
                                "text": f"Emergency contact ({emergency.get('relationship') or 'relation not given'})"
                            }
                        ],
                        "name": {"text": emergency["name"]},
                        "telecom": telecom(("phone", emergency.get("phone"))),
                    }
                ]
        return self._own("Patient", pid, resource)

    def clinic_organization(self) -> dict:
        oid = self.key_id("organization/clinic")
        clinic = self.clinic
        return self._own(
            "Organization",
            oid,
            {
                "active": True,
                "name": clinic.get("name"),
                "telecom": telecom(
                    ("phone", clinic.get("phone")),
                    ("fax", clinic.get("fax")),
                    ("email", clinic.get("email")),
                ),
                "address": [{"line": list(clinic.get("address_lines") or [])}],
            },
        )

    def staff(self, username: str, user=None) -> dict:
        sid = self.key_id(f"staff/{username}")
        name = (user.get_full_name() if user is not None else "") or username
        staff_identifier = {"system": codes.STAFF_ID, "value": username}
        self.add(
            "Practitioner",
            sid,
            {"identifier": [staff_identifier], "active": True, "name": [{"text": name}]},
            if_none_exist=f"identifier={codes.STAFF_ID}|{username}",
        )
        return self.ref("Practitioner", sid, name)

    def requester(self) -> dict:
        """A provider referral's clinician (Practitioner, NPI) at their practice (Organization)."""
        referrer = self.referral.referrer
        # One clinician is one Practitioner, whichever referral names them; practice and role are as given.
        pid = self.key_id(f"npi/{referrer.npi}")
        self.add(
            "Practitioner",
            pid,
            {
                "identifier": [{"system": codes.NPI, "value": referrer.npi}],
                "active": True,
                "name": [{"text": referrer.name}],
                "telecom": telecom(
                    ("phone", referrer.phone),
                    ("fax", referrer.fax),
                    ("email", referrer.email),
                ),
                "qualification": [{"code": {"text": referrer.credentials}}],
            },
            if_none_exist=f"identifier={codes.NPI}|{referrer.npi}",
        )
        oid = self.local_id("Organization", "referrer")
        organization = self._own(
            "Organization",
            oid,
            {
                "active": True,
                "name": referrer.practice,
                "telecom": telecom(
                    ("phone", referrer.phone),
                    ("fax", referrer.fax),
                ),
            },
        )
        role_id = self.local_id("PractitionerRole", "referrer")
        return self._own(
            "PractitionerRole",
            role_id,
            {
                "active": True,
                "practitioner": self.ref("Practitioner", pid, referrer.name),
                "organization": organization,
                "telecom": telecom(
                    ("phone", referrer.phone),
                    ("email", referrer.email),
                ),
            },
        )

    # --- the referral ---------------------------------------------------------------------------
    def service_request_id(self) -> str:
        return self.local_id("ServiceRequest")

    def service_request_ref(self) -> dict:
        return self.ref("ServiceRequest", self.service_request_id(), f"Referral {self.referral.reference}")

    def reason_codes(self) -> list[dict]:
        r = self.referral
        reasons = []
        provider = r.provider_details or {}
        for code in provider.get("icd10_codes") or []:
            reasons.append(
                {"coding": [coding(codes.ICD10CM, code)], "text": f"ICD-10-CM {code} (from the referrer)"}
            )
        # The patient's (or referrer's) chosen reasons stay in the app's own codes: never diagnoses.
        for code in [r.indication, *(r.secondary_indications or [])]:
            if code:
                concept = indication_coding(code)
                reasons.append({"coding": [concept], "text": concept.get("display", code)})
        return reasons

    def notes(self) -> list[dict]:
        r = self.referral
        provider = r.provider_details or {}
        notes = []

        def note(kind: str, text: Any, author: str | None = None):
            if text:
                notes.append({"text": f"{kind}: {text}", **({"authorString": author} if author else {})})

        note("Referrer's reason and clinical question", provider.get("reason"))
        note("Referrer's urgency", provider.get("urgency"))
        note("Referrer's medicines and allergies", provider.get("medications"))
        note("Referrer's history", provider.get("history"))
        for diff in r.differences or []:
            note(
                "Referrer and patient differ",
                f"{diff.get('label')}: referrer {diff.get('provider')}, patient {diff.get('patient')}",
            )
        note("Staff notes", r.staff_notes)
        note("Decision reason", r.decision_reason)
        return notes

    def priority(self) -> str:
        r = self.referral
        if r.asq_acute:
            return "stat"
        return "urgent" if r.urgent_safety else "routine"

    def service_request(self, supporting: list[dict]) -> dict:
        r = self.referral
        provider = r.source == "provider" and r.referrer_id is not None
        requester = self.requester() if provider else self.patient()
        resource = {
            "identifier": [
                {"system": codes.REFERRAL_ID, "value": r.reference},
                self.own_identifier(self.service_request_id()),
            ],  # fmt: skip
            "extension": [{"url": codes.EXT_REFERRAL_STATUS, "valueCode": r.status}],
            "status": codes.SERVICE_REQUEST_STATUS.get(r.status, "unknown"),
            # A clinician's referral is an order; a patient's own request carries no authority to act.
            "intent": "order" if provider else "proposal",
            "category": [{"coding": [coding(codes.REFERRAL_SOURCE, r.source, r.get_source_display())]}],
            "priority": self.priority(),
            "code": {"coding": [codes.SERVICE_CODE], "text": codes.SERVICE_CODE["display"]},
            "subject": self.patient(),
            "authoredOn": stamp(r.submitted_at or r.created_at),
            "requester": requester,
            "performer": [self.clinic_organization()],
            "reasonCode": self.reason_codes(),
            "supportingInfo": supporting,
            "note": self.notes(),
        }
        return self.add(
            "ServiceRequest",
            self.service_request_id(),
            resource,
            if_none_exist=f"identifier={codes.REFERRAL_ID}|{r.reference}",
        )

    # --- answers and scores -------------------------------------------------------------------------
    def questionnaire_ref(self) -> str:
        version = self.referral.questionnaire_version
        texts = (
            self.questionnaire_texts(version) if self.questionnaire_texts else None
        ) or questionnaires.DEFAULT_TEXTS
        # The version the patient answered, in its language (a Spanish one says so); the response's
        # item texts stay the English labels staff read.
        language = (self.questionnaire_language(version) if self.questionnaire_language else None) or "en"
        body = questionnaire(version, texts, language=language)
        body.pop("id")
        query = f"url={body['url']}" + (f"&version={version}" if version else "")
        self.add("Questionnaire", self.key_id(f"questionnaire/{version}"), body, if_none_exist=query)
        return canonical(version)

    def questionnaire_response(self) -> dict | None:
        r = self.referral
        if not r.answers:
            return None  # a provider referral still waiting for the patient, or purged
        qid = self.local_id("QuestionnaireResponse")
        resource = {
            "identifier": self.own_identifier(qid),
            "questionnaire": self.questionnaire_ref(),
            "status": "completed",
            "subject": self.patient(),
            "basedOn": [self.service_request_ref()],
            "authored": stamp(r.submitted_at or r.created_at),
            "author": self.patient(),
            "source": self.patient(),
            "item": response_items(r.answers, r.details or {}),
        }
        return self.add(
            "QuestionnaireResponse", qid, resource, if_none_exist=f"identifier={codes.RESOURCE_ID}|{qid}"
        )
