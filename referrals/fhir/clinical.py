"""Builders for what was found and decided: scores, findings, checklist, documents, the decision.

Each takes the referral's ReferralGraph (resources.py), adds its resources to it and returns the
references to them.
"""

import base64
import hashlib
import json

from referrals.fhir import codes
from referrals.fhir.questionnaire import coding
from referrals.fhir.resources import stamp

SCORE_CODES = {
    # score name -> (app code, display); LOINC codings are added where LOINC has a code.
    "phq9": ("phq9-total", "PHQ-9 total score"),
    "gad7": ("gad7-total", "GAD-7 total score"),
    "pc_ptsd5": ("pc-ptsd-5-total", "PC-PTSD-5 total score"),
    "asq": ("asq-result", "ASQ suicide risk screening result"),
    "pain_current": ("pain-current", "Pain right now, 0 to 10"),
    "pain_average": ("pain-average", "Average pain over the past week, 0 to 10"),
    "pain_worst": ("pain-worst", "Worst pain over the past week, 0 to 10"),
}
ASQ_LABELS = {"negative": "Negative", "non_acute_positive": "Non-acute positive",
              "acute_positive": "Acute positive (imminent risk)"}  # fmt: skip
RESOLUTION_LABELS = {"confirmed": "Confirmed (present)", "dismissed": "Dismissed (not present)",
                     "overridden": "Overridden (risk accepted)"}  # fmt: skip


def _observation(graph, name: str, value: dict, *, loinc=None, interpretation=None, components=(), qr=None):
    r = graph.referral
    oid = graph.local_id("Observation", name)
    app_code, display = SCORE_CODES[name]
    codings = ([coding(codes.LOINC, *loinc)] if loinc else []) + [coding(codes.SCORE, app_code, display)]
    resource = {
        "status": "final",
        "category": [{"coding": [coding(codes.OBSERVATION_CATEGORY, "survey", "Survey")]}],
        "code": {"coding": codings, "text": display},
        "subject": graph.patient(),
        "basedOn": [graph.service_request_ref()],
        "effectiveDateTime": stamp(r.submitted_at or r.created_at),
        **value,
        "interpretation": interpretation or [],
        "derivedFrom": [qr] if qr else [],
        "component": list(components),
    }
    return graph._own("Observation", oid, resource)


def observations(graph, qr: dict | None) -> list[dict]:
    r = graph.referral
    scores = r.scores or {}
    answers = r.answers or {}
    refs = []
    for name, loinc, items in (
        ("phq9", codes.PHQ9_TOTAL, codes.PHQ9_ITEMS),
        ("gad7", codes.GAD7_TOTAL, codes.GAD7_ITEMS),
    ):
        score = scores.get(name)
        if not score:
            continue
        components = [
            {"code": {"coding": [coding(codes.LOINC, code)]}, "valueInteger": value}
            for code, value in zip(items, answers.get(name) or [], strict=False)
            if isinstance(value, int)
        ]
        band = [
            {
                "coding": [
                    coding(codes.SCORE_BAND, score["band"], score["band"].replace("_", " ").capitalize())
                ]
            }
        ]
        refs.append(_observation(graph, name, {"valueInteger": score["total"]}, loinc=loinc,
                                      interpretation=band, components=components, qr=qr))  # fmt: skip
    if scores.get("pc_ptsd5"):
        score = scores["pc_ptsd5"]
        flag = ("POS", "Positive") if score["positive"] else ("NEG", "Negative")
        refs.append(_observation(graph, "pc_ptsd5", {"valueInteger": score["total"]},
                                      interpretation=[{"coding": [coding(codes.INTERPRETATION, *flag)]}], qr=qr))  # fmt: skip
    if scores.get("asq"):
        result = scores["asq"]["result"]
        flag = ("NEG", "Negative") if result == "negative" else ("POS", "Positive")
        value = {
            "valueCodeableConcept": {"coding": [coding(codes.ASQ_RESULT, result, ASQ_LABELS.get(result))]}
        }
        refs.append(
            _observation(
                graph, "asq", value, interpretation=[{"coding": [coding(codes.INTERPRETATION, *flag)]}], qr=qr
            )
        )
    pain = scores.get("pain_nrs")
    if pain:
        for part in ("current", "average", "worst"):
            loinc = codes.PAIN_SEVERITY if part == "current" else None
            refs.append(_observation(graph, f"pain_{part}", {"valueInteger": pain[part]}, loinc=loinc, qr=qr))
    return refs


# --- findings, checklist, documents -------------------------------------------------------------
def detected_issues(graph, findings, qr: dict | None) -> list[dict]:
    refs = []
    for finding in findings:
        did = graph.local_id("DetectedIssue", f"{finding.run_id}/{finding.code}")
        mitigation = []
        if finding.resolution:
            mitigation.append(
                {
                    "action": {
                        "coding": [
                            coding(
                                codes.FINDING_RESOLUTION,
                                finding.resolution,
                                RESOLUTION_LABELS.get(finding.resolution),
                            )
                        ],  # fmt: skip
                        "text": finding.resolution_note or RESOLUTION_LABELS.get(finding.resolution),
                    },
                    "date": stamp(finding.resolved_at),
                    "author": graph.staff(finding.resolved_by.get_username(), finding.resolved_by)
                    if finding.resolved_by
                    else None,
                }
            )
        resource = {
            "extension": [
                {"url": codes.EXT_GATE, "valueCode": finding.gate},
                {"url": codes.EXT_SEVERITY, "valueCode": finding.severity},
            ],
            "status": "final",
            "code": {
                "coding": [coding(codes.FINDING, finding.code, graph.finding_titles.get(finding.code))],
                "text": graph.finding_titles.get(finding.code) or finding.code.replace("_", " "),
            },
            "severity": codes.DETECTED_ISSUE_SEVERITY.get(finding.severity),
            "patient": graph.patient(),
            "identifiedDateTime": stamp(finding.run.created_at),
            "implicated": [graph.service_request_ref()],
            "evidence": [{"detail": [qr]}] if qr else [],
            "detail": finding.reason,
            "mitigation": mitigation,
        }
        refs.append(graph._own("DetectedIssue", did, resource))
    return refs


def tasks(graph, items) -> list[dict]:
    r = graph.referral
    refs = []
    for item in items:
        tid = graph.local_id("Task", item.step_id)
        if item.completed_by:
            owner = graph.staff(item.completed_by.get_username(), item.completed_by)
        else:
            owner = graph.clinic_organization()
        resource = {
            "extension": [{"url": codes.EXT_GATE, "valueCode": item.gate}],
            "status": codes.TASK_STATUS.get(item.status, "requested"),
            "statusReason": {"text": item.reason} if item.reason else None,
            "businessStatus": {
                "coding": [coding(codes.CLEARANCE_ITEM_STATUS, item.status, item.get_status_display())]
            },
            "intent": "order",
            "priority": graph.priority(),
            "code": {
                "coding": [coding(codes.CLEARANCE_STEP, item.step_id, item.title)],
                "text": item.title,
            },
            "description": item.title,
            "focus": graph.service_request_ref(),
            "basedOn": [graph.service_request_ref()],
            "for": graph.patient(),
            "authoredOn": stamp(r.submitted_at or r.created_at),
            "lastModified": stamp(item.completed_at),
            "performerType": [{"coding": [coding(codes.STEP_KIND, item.kind, item.get_kind_display())]}],
            "owner": owner,
            "note": [{"text": item.note}] if item.note else [],
        }
        refs.append(graph._own("Task", tid, resource))
    return refs


def _attachment(graph, document) -> dict:
    attachment = {
        "contentType": document.content_type,
        "title": document.original_name,
        "size": document.size,
        "creation": stamp(document.uploaded_at),
    }
    if graph.inline_documents:
        try:
            with document.file.open("rb") as handle:
                content = handle.read()
        except (FileNotFoundError, ValueError, OSError):
            content = None
        if content is not None:
            attachment["data"] = base64.b64encode(content).decode("ascii")
            # FHIR's Attachment.hash is the SHA-1 of the data, base64-encoded.
            attachment["hash"] = base64.b64encode(hashlib.sha1(content).digest()).decode("ascii")  # noqa: S324
            return attachment
    if graph.document_url:
        attachment["url"] = graph.document_url(document)
    return attachment


def document_references(graph, documents) -> list[dict]:
    refs = []
    for document in documents:
        did = graph.local_id("DocumentReference", str(document.pk))
        resource = {
            "status": "current",
            "type": {"coding": [coding(codes.DOCUMENT_KIND, document.kind, document.get_kind_display())]},
            "subject": graph.patient(),
            "date": stamp(document.uploaded_at),
            "description": document.get_kind_display(),
            "content": [{"attachment": _attachment(graph, document)}],
            "context": {"related": [graph.service_request_ref()]},
        }
        refs.append(graph._own("DocumentReference", did, resource,
                              extra_ids=[{"system": codes.DOCUMENT_SHA256, "value": document.sha256}]))  # fmt: skip
    return refs


# --- the decision ---------------------------------------------------------------------------------
def clearance_provenance(graph, sources: list[dict], decline_event=None) -> None:
    r = graph.referral
    snapshot = r.clearance_snapshot or {}
    if snapshot.get("decided_by"):
        data = json.dumps(snapshot, sort_keys=True, default=str).encode()
        sid = graph.local_id("DocumentReference", "clearance-snapshot")
        snapshot_ref = graph._own(
            "DocumentReference",
            sid,
            {
                "status": "current",
                "type": {"coding": [coding(codes.DOCUMENT_KIND, "clearance_snapshot", "Clearance snapshot")]},
                "subject": graph.patient(),
                "date": snapshot.get("decided_at"),
                "description": "Checklist, findings and scores as they stood when the referral was cleared",
                "content": [
                    {
                        "attachment": {
                            "contentType": "application/json",
                            "title": "Clearance snapshot",
                            "data": base64.b64encode(data).decode("ascii"),
                        }
                    }
                ],
                "context": {"related": [graph.service_request_ref()]},
            },
        )
        graph.add(
            "Provenance",
            graph.local_id("Provenance", "cleared"),
            {
                "target": [graph.service_request_ref()],
                "occurredDateTime": snapshot.get("decided_at"),
                "recorded": snapshot.get("decided_at"),
                "activity": {"coding": [coding(codes.DECISION, "cleared", "Cleared for treatment")]},
                "agent": [
                    {
                        "type": {"coding": [coding(codes.PROVENANCE_AGENT_TYPE, "author", "Author")]},
                        "who": graph.staff(snapshot["decided_by"]),
                        "onBehalfOf": graph.clinic_organization(),
                    }
                ],
                "entity": [{"role": "source", "what": ref} for ref in [snapshot_ref, *sources]],
            },
        )
    if decline_event is not None:
        actor = decline_event.actor
        graph.add(
            "Provenance",
            graph.local_id("Provenance", "declined"),
            {
                "target": [graph.service_request_ref()],
                "occurredDateTime": stamp(decline_event.created_at),
                "recorded": stamp(decline_event.created_at),
                "reason": [{"text": decline_event.message}] if decline_event.message else [],
                "activity": {"coding": [coding(codes.DECISION, "declined", "Declined (not eligible)")]},
                "agent": [
                    {
                        "type": {"coding": [coding(codes.PROVENANCE_AGENT_TYPE, "author", "Author")]},
                        "who": graph.staff(actor.get_username(), actor)
                        if actor
                        else graph.clinic_organization(),
                        "onBehalfOf": graph.clinic_organization(),
                    }
                ],
                "entity": [{"role": "source", "what": ref} for ref in sources],
            },
        )
