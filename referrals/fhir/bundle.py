"""A referral as a FHIR R4 transaction Bundle, or as Bulk Data resources; the Questionnaire set.

The ORM reads happen here (one referral's findings, checklist, documents, decline event); the
resource shapes are in resources.py. Nothing here logs: a bundle is PHI.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from referrals.fhir import clinical, codes
from referrals.fhir.questionnaire import questionnaire
from referrals.fhir.resources import Entry, ReferralGraph

# Entries are listed in this order (the referral, its people, its answers, then the rest).
ORDER = ("ServiceRequest", "Patient", "Practitioner", "PractitionerRole", "Organization", "Questionnaire",
         "QuestionnaireResponse", "Observation", "DetectedIssue", "Task", "DocumentReference", "Provenance")  # fmt: skip


@dataclass(frozen=True)
class ExportOptions:
    clinic: dict
    inline_documents: bool = True
    document_url: Callable[[Any], str] | None = None
    questionnaire_texts: Callable[[str], dict | None] | None = None
    questionnaire_language: Callable[[str], str | None] | None = None  # version -> its language
    finding_titles: dict | None = None  # finding code -> rule title; read once per export when given


def with_related(queryset):
    """A Referral queryset with everything the export reads prefetched (a few queries per batch)."""
    from django.db.models import Prefetch

    from referrals.models import ClearanceItem, Finding

    return queryset.select_related("referrer").prefetch_related(
        Prefetch("findings", queryset=Finding.objects.select_related("run", "resolved_by")),
        Prefetch("checklist", queryset=ClearanceItem.objects.select_related("completed_by")),
        "documents",
    )


def referral_entries(referral, options: ExportOptions, *, style: str = "urn") -> list[Entry]:
    """Every resource of one referral, in a readable order (ServiceRequest first)."""
    from referrals.models import ContraindicationRule, ReferralEvent

    graph = ReferralGraph(
        referral=referral,
        clinic=options.clinic,
        style=style,
        inline_documents=options.inline_documents,
        document_url=options.document_url,
        questionnaire_texts=options.questionnaire_texts,
        questionnaire_language=options.questionnaire_language,
        finding_titles=options.finding_titles
        if options.finding_titles is not None
        else dict(ContraindicationRule.objects.values_list("code", "title")),
    )
    # .all() so that rows prefetched by with_related() are used (a bulk export reads them in batches).
    findings = sorted((f for f in referral.findings.all() if f.run.current), key=lambda f: f.position)
    items = sorted(referral.checklist.all(), key=lambda i: (i.order, i.id))
    documents = sorted(referral.documents.all(), key=lambda d: (d.uploaded_at, d.id))
    decline = None
    if referral.status == referral.Status.NOT_ELIGIBLE:
        decline = (
            ReferralEvent.objects.filter(referral=referral, kind="declined").select_related("actor").last()
        )

    # The ServiceRequest is built last (it lists what supports it) but placed first (ORDER).
    graph.patient()
    qr = graph.questionnaire_response()
    observations = clinical.observations(graph, qr)
    issues = clinical.detected_issues(graph, findings, qr)
    tasks = clinical.tasks(graph, items)
    docs = clinical.document_references(graph, documents)
    clinical.clearance_provenance(graph, [*issues, *tasks, *observations], decline_event=decline)
    graph.service_request([ref for ref in [qr, *observations, *docs] if ref])
    entries = list(graph.entries.values())
    entries.sort(key=lambda e: ORDER.index(e.resource_type) if e.resource_type in ORDER else len(ORDER))
    return entries


def transaction_bundle(referral, options: ExportOptions, *, now: datetime) -> dict:
    """The referral as a FHIR R4 `transaction` Bundle: POST each resource, conditionally where it can.

    Every entry has a `urn:uuid:` fullUrl that the other entries reference, so the server links
    them as it creates them; `ifNoneExist` makes a second import of the same referral match the
    resources the first one created instead of duplicating them.
    """
    entries = []
    for entry in referral_entries(referral, options, style="urn"):
        request = {"method": "POST", "url": entry.resource_type}
        if entry.if_none_exist:
            request["ifNoneExist"] = entry.if_none_exist
        entries.append({"fullUrl": f"urn:uuid:{entry.id}", "resource": entry.resource, "request": request})
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "timestamp": now.isoformat(),
        "entry": entries,
    }


def bulk_stream(referrals: Iterable, options: ExportOptions) -> Iterator[tuple[str, dict]]:
    """(type, resource) for many referrals, each resource once, with its id and `Type/id` references.

    Streams: only the ids already written are kept, so a large export never sits in memory whole.
    """
    seen: set[tuple[str, str]] = set()
    for referral in referrals:
        for entry in referral_entries(referral, options, style="relative"):
            if (entry.resource_type, entry.id) in seen:
                continue
            seen.add((entry.resource_type, entry.id))
            yield (
                entry.resource_type,
                {"resourceType": entry.resource_type, "id": entry.id, **_without_type(entry.resource)},
            )


def bulk_resources(referrals: Iterable, options: ExportOptions) -> dict[str, list[dict]]:
    """The same, grouped by resource type (for tests and small exports)."""
    by_type: dict[str, list[dict]] = {}
    for resource_type, resource in bulk_stream(referrals, options):
        by_type.setdefault(resource_type, []).append(resource)
    return dict(sorted(by_type.items()))


def _without_type(resource: dict) -> dict:
    return {k: v for k, v in resource.items() if k != "resourceType"}


def questionnaire_bundle(versions: Iterable[tuple[str, dict]], *, now: datetime) -> dict:
    """The app's Questionnaire for each wording version, as a `collection` Bundle to publish."""
    entries = []
    for version, texts in versions:
        resource = questionnaire(version, texts)
        entries.append({"fullUrl": f"{codes.APP_BASE}/Questionnaire/{resource['id']}", "resource": resource})
    return {"resourceType": "Bundle", "type": "collection", "timestamp": now.isoformat(), "entry": entries}
