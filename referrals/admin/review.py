"""What the review page (the referral's change view) shows, gathered in a fixed number of queries."""

import re

from django.urls import NoReverseMatch, reverse

from referrals import definitions_cache, info_items, workflow
from referrals.admin import queue
from referrals.admin.decision import decision_record
from referrals.admin.forms import ChecklistItemForm, ResolveFindingForm
from referrals.models import (
    ClearanceItem,
    Finding,
    Referral,
    StepKind,
)
from referrals.screening import INDICATIONS

INDICATION_LABELS = dict(INDICATIONS)
_ABBREVIATION = re.compile(r"\(([A-Z]{2,6})\)\s*$")
SCORE_TITLES = {
    "phq9": "PHQ-9 (depression)",
    "gad7": "GAD-7 (anxiety)",
    "pc_ptsd5": "PC-PTSD-5 (PTSD screen)",
    "pain_nrs": "Pain (0 to 10)",
    "asq": "ASQ (suicide risk screen)",
}
ASQ_LABELS = {
    "negative": "Negative",
    "non_acute_positive": "Positive, not acute",
    "acute_positive": "Positive, ACUTE",
}

GATES = {"clearance": "Clearance gate", "scheduling": "Scheduling gate"}

# Staff pages are English: the languages by their English names (settings.LANGUAGES names them in
# their own language, for the patient's chooser).
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code or "en", code)


def language_facts(referral) -> dict:
    """The language of the patient's forms and the language they prefer, for staff (in English).

    `referral` is a Referral or any object with `language` and `preferred_language` (the CSV's
    plain rows). The preferred language is what the patient or coordinator recorded; when nothing
    was recorded, the forms' language stands in for it, marked "(forms)".
    """
    code = getattr(referral, "language", "") or "en"
    forms_language = language_name(code)
    recorded = " ".join((getattr(referral, "preferred_language", "") or "").split())
    preferred = recorded or f"{forms_language} (forms)"
    return {
        "code": code,
        "completed_in": forms_language,
        "completed_in_spanish": code == "es",
        "preferred": preferred,
        # Nothing worth a line in the queue: English forms, and English (or nothing) preferred.
        "plain_english": code == "en" and recorded.casefold() in ("", "english"),
    }


def indication_labels(referral: Referral, *, short: bool = False) -> list[str]:
    codes = [referral.indication, *(referral.secondary_indications or [])]
    labels = [str(INDICATION_LABELS.get(code, code)) for code in codes if code]
    if short:
        # "Complex regional pain syndrome (CRPS)" reads as "CRPS" in the queue's narrow column.
        labels = [match.group(1) if (match := _ABBREVIATION.search(label)) else label for label in labels]
    return labels


def available_actions(referral: Referral, user) -> list[dict]:
    """The buttons of the review page, from workflow's table of moves."""
    from referrals.admin_views import ACTIONS  # the views import this module

    return [
        {
            "name": name,
            "label": workflow.ACTIONS[name].label,
            "url": reverse(f"admin:referrals_referral_{name}", args=[referral.pk]),
            "danger": workflow.ACTIONS[name].danger,
            "confirm": ACTIONS[name].confirm,  # False: a button that posts at once
        }
        for name in workflow.allowed_actions(referral, user)
    ]


def score_rows(scores: dict) -> list[dict]:
    rows = []
    for key in ("phq9", "gad7", "pc_ptsd5", "pain_nrs", "asq"):
        score = scores.get(key)
        if not score:
            continue
        row = {"key": key, "title": SCORE_TITLES[key], "value": "", "band": "", "alert": ""}
        if key in ("phq9", "gad7"):
            row["value"] = f"{score.get('total')}"
            row["band"] = str(score.get("band", "")).replace("_", " ")
            if key == "phq9":
                item9 = score.get("item9", 0)
                row["item9"] = item9
                if item9:
                    row["alert"] = f"Item 9 (thoughts of death or self-harm) answered {item9} of 3"
        elif key == "pc_ptsd5":
            row["value"] = f"{score.get('total')} of 5"
            row["band"] = "positive" if score.get("positive") else "negative"
        elif key == "pain_nrs":
            row["value"] = (
                f"now {score.get('current')}, average {score.get('average')}, worst {score.get('worst')}"
            )
        elif key == "asq":
            result = score.get("result", "")
            row["band"] = ASQ_LABELS.get(result, result)
            if result != "negative":
                row["alert"] = "Positive suicide risk screen: contact the patient the same business day"
        rows.append(row)
    return rows


def document_links(referral: Referral) -> list[dict]:
    documents = []
    for document in referral.documents.all():
        try:
            url = reverse("referrals:document-download", args=[document.pk])
        except NoReverseMatch:
            url = ""  # downloads arrive with the provider-referral work; the list still shows what exists
        documents.append({"document": document, "url": url})
    return documents


def difference_rows(referral: Referral) -> list[dict]:
    rows = []
    for difference in referral.differences or []:
        if isinstance(difference, dict):
            label = difference.get("label") or difference.get("field") or ""
            rows.append(
                {
                    "label": str(label).replace("_", " "),
                    "provider": difference.get("provider", ""),
                    "patient": difference.get("patient", ""),
                }
            )
        else:
            rows.append({"label": str(difference), "provider": "", "patient": ""})
    return rows


def review_context(referral: Referral, user) -> dict:
    # The current run's findings with the run itself: one query (a run without findings, the run alone).
    findings = list(
        Finding.objects.filter(referral=referral, run__current=True)
        .select_related("run", "resolved_by")
        .order_by("position")
    )
    run = findings[0].run if findings else referral.screening_runs.filter(current=True).first()
    rules = definitions_cache.rule_texts()
    is_open = referral.is_open
    may_sign = user.has_perm(workflow.SIGN_PERM)
    may_review = user.has_perm(workflow.REVIEW_PERM)
    finding_rows = []
    for finding in findings:
        rule = rules.get(finding.code)
        resolvable = may_sign and is_open and finding.severity != Finding.Severity.NOTE
        finding_rows.append(
            {
                "finding": finding,
                "title": rule["title"] if rule else finding.code,
                "help": rule["help"] if rule else "",
                "needs_resolution": finding.severity != Finding.Severity.NOTE and not finding.resolution,
                "blocks": (
                    finding.severity == Finding.Severity.ABSOLUTE
                    and finding.resolution == Finding.Resolution.CONFIRMED
                ),
                "form": ResolveFindingForm(finding=finding, prefix=f"finding-{finding.pk}")
                if resolvable
                else None,
                "url": reverse("admin:referrals_referral_resolve_finding", args=[referral.pk, finding.pk]),
            }
        )

    items = list(referral.checklist.select_related("completed_by").order_by("order", "id"))
    step_help = definitions_cache.step_help()
    item_rows = []
    for item in items:
        may_edit = is_open and may_review and (item.kind == StepKind.ADMINISTRATIVE or may_sign)
        item_rows.append(
            {
                "item": item,
                "selectable": may_edit and item.status == ClearanceItem.ItemStatus.PENDING,
                "help": step_help.get(item.step_id, ""),
                "form": ChecklistItemForm(
                    initial={"status": item.status, "reason": item.reason, "note": item.note},
                    prefix=f"item-{item.pk}",
                )
                if may_edit
                else None,
                "url": reverse("admin:referrals_referral_checklist_item", args=[referral.pk, item.pk]),
            }
        )
    satisfied = sum(1 for item in items if item.status != ClearanceItem.ItemStatus.PENDING)

    info_requests = [
        {
            "request": info,
            "labels": info_items.labels(info.requested_items),
            "answers": answer_rows(info),
            "unread": info.responded_at is not None and info.reply_read_at is None,
            "read_url": reverse("admin:referrals_referral_reply_read", args=[referral.pk, info.pk]),
        }
        for info in referral.info_requests.select_related("created_by", "reply_read_by").order_by(
            "created_at"
        )
    ]
    gates = [
        {
            "gate": gate,
            "label": label,
            "rows": [row for row in item_rows if row["item"].gate == gate],
            "selectable": sum(1 for row in item_rows if row["item"].gate == gate and row["selectable"]),
        }
        for gate, label in GATES.items()
    ]
    events = list(referral.events.select_related("actor").order_by("created_at", "id"))
    status_labels = dict(Referral.Status.choices)
    for event in events:
        event.label = event.get_kind_display()
        event.from_label = status_labels.get(event.from_status, "")
        event.to_label = status_labels.get(event.to_status, "")
    problems = {
        gate: workflow.gate_problems(referral, gate, items=items, findings=findings) if is_open else []
        for gate in GATES
    }
    return {
        "referral": referral,
        "language": language_facts(referral),
        "indications": indication_labels(referral),
        "sections": (referral.details or {}).get("summary") or [],
        "scores": score_rows(referral.scores or {}),
        "run": run,
        "findings": finding_rows,
        "unresolved_count": sum(1 for row in finding_rows if row["needs_resolution"]),
        "checklist": item_rows,
        "checklist_gates": [group for group in gates if group["rows"]],
        "checklist_editable": any(row["form"] for row in item_rows),
        "checklist_url": reverse("admin:referrals_referral_checklist", args=[referral.pk]),
        "missing": missing(problems),
        "unread_replies": [row for row in info_requests if row["unread"]],
        "in_status": queue.time_in_status(referral),
        "checklist_progress": f"{satisfied}/{len(items)}",
        "clearance_problems": problems["clearance"],
        "scheduling_problems": problems["scheduling"],
        "documents": document_links(referral),
        "differences": difference_rows(referral),
        "info_requests": info_requests,
        "events": events,
        "actions": available_actions(referral, user),
        "waiting": queue.waiting(referral),
        "may_sign": may_sign,
        "decision": decision_record(referral),
    }


def missing(problems_by_gate: dict[str, list[str]]) -> list[dict]:
    """Per gate: the checklist items still open (by name) and the finding problems, for the top of the page."""
    prefix = "Checklist item not done: "
    groups = []
    for gate, label in GATES.items():
        problems = problems_by_gate[gate]
        items = [p.removeprefix(prefix).rstrip(".") for p in problems if p.startswith(prefix)]
        findings = [p for p in problems if not p.startswith(prefix)]
        groups.append({"label": label, "items": items, "findings": findings, "count": len(problems)})
    return groups


def answer_rows(info) -> list[dict]:
    """An information request's reply as labelled rows (kept apart from the frozen answers)."""
    rows = []
    for key, value in (info.response or {}).items():
        item = info_items.BY_KEY.get(key)
        heading = item.heading if item else key
        if isinstance(value, dict):
            text = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in value.items() if v not in ("", None))
        else:
            text = str(value)
        rows.append({"heading": heading, "text": text})
    return rows
