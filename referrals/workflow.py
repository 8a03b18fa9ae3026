"""The only code that changes a referral's status: one function per move, each atomic.

Every move checks the TRANSITIONS map and its guard, writes the status with a conditional update
(so two reviewers cannot both decide), records a ReferralEvent and queues its notifications in the
same transaction.
"""

import secrets
import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from referrals import notifications, screening
from referrals.exceptions import (
    DuplicateSubmissionError,
    GateNotMetError,
    InvalidTransitionError,
    WorkflowPermissionError,
)
from referrals.models import (
    ClearanceItem,
    ClearanceStepDefinition,
    ContraindicationRule,
    Document,
    Finding,
    InfoRequest,
    ProviderReferrer,
    Referral,
    ReferralEvent,
    ScreeningPolicy,
    ScreeningRun,
    StepKind,
    hash_token,
)

S = Referral.Status
REVIEW_PERM = "referrals.review_referral"
SIGN_PERM = "referrals.sign_clearance"
POLICY_PERM = "referrals.change_screeningpolicy"

TRANSITIONS: dict[str, frozenset[str]] = {
    S.AWAITING_PATIENT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.IN_REVIEW, S.WITHDRAWN}),
    S.IN_REVIEW: frozenset({S.NEEDS_INFO, S.CLEARED, S.NOT_ELIGIBLE, S.WITHDRAWN}),
    S.NEEDS_INFO: frozenset({S.IN_REVIEW, S.WITHDRAWN}),
    S.CLEARED: frozenset({S.SCHEDULED, S.IN_REVIEW, S.WITHDRAWN}),
    S.SCHEDULED: frozenset(),
    S.NOT_ELIGIBLE: frozenset(),
    S.WITHDRAWN: frozenset(),
}

# Staff-facing actions, with the transition each makes and the permission it needs.
ACTIONS: dict[str, tuple[str, str, str]] = {
    # action: (from, to, permission)
    "start_review": (S.SUBMITTED, S.IN_REVIEW, REVIEW_PERM),
    "request_info": (S.IN_REVIEW, S.NEEDS_INFO, REVIEW_PERM),
    "resume_review": (S.NEEDS_INFO, S.IN_REVIEW, REVIEW_PERM),
    "clear": (S.IN_REVIEW, S.CLEARED, SIGN_PERM),
    "reopen_review": (S.CLEARED, S.IN_REVIEW, SIGN_PERM),
    "decline": (S.IN_REVIEW, S.NOT_ELIGIBLE, SIGN_PERM),
    "schedule": (S.CLEARED, S.SCHEDULED, REVIEW_PERM),
}


def allowed_actions(referral: Referral, user) -> list[str]:
    """The staff actions this user may attempt on this referral now (guards are checked on use)."""
    names = [
        name
        for name, (source, _target, perm) in ACTIONS.items()
        if referral.status == source and user.has_perm(perm)
    ]
    if referral.is_open and user.has_perm(REVIEW_PERM):
        names.append("withdraw")
    if referral.status == S.AWAITING_PATIENT and user.has_perm(REVIEW_PERM):
        names.append("reissue_link")
    return names


def _require(actor, perm: str) -> None:
    if actor is None or not actor.is_active or not actor.has_perm(perm):
        raise WorkflowPermissionError("You do not have permission to do that.")


def _expect_source(referral: Referral, action: str) -> None:
    # Several moves share the target in_review; TRANSITIONS alone would let "start review" undo a
    # clearance, so each staff action also checks the status it starts from (ACTIONS).
    source = ACTIONS[action][0]
    if referral.status != source:
        raise InvalidTransitionError(
            f"This referral is {referral.get_status_display().lower()}; that step is only for a referral "
            f"that is {S(source).label.lower()}, so it cannot be done now."
        )


def _move(
    referral: Referral, target: str, *, actor=None, kind: str, message: str = "", data=None, **fields: Any
) -> Referral:
    """Conditionally update status; record the event. Raises if another change got there first."""
    current = referral.status
    if target not in TRANSITIONS.get(current, frozenset()):
        raise InvalidTransitionError(
            f"A referral that is {referral.get_status_display().lower()} cannot move to "
            f"{S(target).label.lower()}."
        )
    now = timezone.now()
    updated = Referral.objects.filter(pk=referral.pk, status=current).update(
        status=target, status_changed_at=now, **fields
    )
    if updated != 1:
        raise InvalidTransitionError("Someone else changed this referral first. Reload it and check again.")
    referral.status = target
    referral.status_changed_at = now
    for name, value in fields.items():
        setattr(referral, name, value)
    ReferralEvent.objects.create(
        referral=referral,
        kind=kind,
        from_status=current,
        to_status=target,
        actor=actor,
        message=message,
        data=data or {},
    )
    return referral


# --- Screening -------------------------------------------------------------------------------


def current_policy() -> screening.Policy:
    """The Policy the core is handed: the current ScreeningPolicy plus the inactive rules."""
    row = ScreeningPolicy.current()
    disabled = frozenset(ContraindicationRule.objects.filter(active=False).values_list("code", flat=True))
    return screening.Policy(
        bp_severe_systolic=row.bp_severe_systolic,
        bp_severe_diastolic=row.bp_severe_diastolic,
        bp_elevated_systolic=row.bp_elevated_systolic,
        bp_elevated_diastolic=row.bp_elevated_diastolic,
        min_age=row.min_age,
        older_adult_age=row.older_adult_age,
        ecg_age=row.ecg_age,
        bmi_limit=float(row.bmi_limit),
        cardiac_lookback_months=row.cardiac_lookback_months,
        substance_lookback_months=row.substance_lookback_months,
        pc_ptsd5_cutoff=row.pc_ptsd5_cutoff,
        psychosis_history_severity=row.psychosis_history_severity,
        disabled_rules=disabled,
    )


def clinic_today() -> date:
    return timezone.localdate()


def stored_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers as stored in JSON: the date of birth as an ISO string."""
    stored = dict(answers)
    if isinstance(stored.get("date_of_birth"), date):
        stored["date_of_birth"] = stored["date_of_birth"].isoformat()
    return stored


def core_answers(stored: dict[str, Any]) -> dict[str, Any]:
    """Stored answers as the screening core takes them: the date of birth as a date."""
    answers = dict(stored)
    if isinstance(answers.get("date_of_birth"), str):
        try:
            answers["date_of_birth"] = date.fromisoformat(answers["date_of_birth"])
        except ValueError:
            pass  # the core refuses it with a ValueError of its own
    return answers


def _apply_screening(referral: Referral, *, today: date, actor=None) -> tuple[ScreeningRun, Any]:
    """Screen the referral's answers, store a new current run with its findings, add checklist rows."""
    policy = current_policy()
    result = screening.screen(core_answers(referral.answers), today=today, policy=policy)
    previous = ScreeningRun.objects.filter(referral=referral, current=True).first()
    previous_findings = {}
    if previous:
        previous_findings = {(f.code, f.severity): f for f in previous.findings.all()}
        ScreeningRun.objects.filter(pk=previous.pk).update(current=False)
    run = ScreeningRun.objects.create(
        referral=referral,
        policy=policy.to_dict(),
        screened_on=today,
        required_steps=sorted(result.required_steps),
        created_by=actor,
    )
    new_findings = []
    for position, finding in enumerate(result.findings):
        row = Finding(
            run=run,
            referral=referral,
            code=finding.code,
            severity=finding.severity,
            gate=finding.gate,
            reason=finding.reason,
            position=position,
        )
        carried = previous_findings.get((finding.code, finding.severity))
        if carried and carried.resolution:
            # A resolution carries over only to a finding with the same code and severity.
            row.resolution = carried.resolution
            row.resolution_note = carried.resolution_note
            row.resolved_by_id = carried.resolved_by_id
            row.resolved_at = carried.resolved_at
        new_findings.append(row)
    Finding.objects.bulk_create(new_findings)

    scores = {name: score.to_dict() for name, score in result.scores.items()}
    asq = scores.get("asq") or {}
    Referral.objects.filter(pk=referral.pk).update(
        scores=scores,
        urgent_safety=referral.urgent_safety or result.urgent_safety,
        asq_acute=asq.get("result") == "acute_positive",
        has_absolute=any(f.severity == Finding.Severity.ABSOLUTE for f in new_findings),
        has_relative=any(f.severity == Finding.Severity.RELATIVE for f in new_findings),
    )
    referral.refresh_from_db()
    _add_checklist_items(referral, result.required_steps)
    return run, result


def _add_checklist_items(referral: Referral, required_steps: Iterable[str]) -> list[ClearanceItem]:
    """Create the items this referral needs that it does not have yet; never removes any."""
    required = set(required_steps)
    existing = set(referral.checklist.values_list("step_id", flat=True))
    wanted = []
    for definition in ClearanceStepDefinition.objects.filter(active=True):
        cond = definition.condition
        applies = (
            cond == ClearanceStepDefinition.Condition.ALWAYS
            or (cond == ClearanceStepDefinition.Condition.SELF_REFERRAL and referral.source == "self")
            or (cond == ClearanceStepDefinition.Condition.REQUIRED_STEPS and definition.step_id in required)
        )
        if applies and definition.step_id not in existing:
            wanted.append(
                ClearanceItem(
                    referral=referral,
                    definition=definition,
                    step_id=definition.step_id,
                    title=definition.title,
                    gate=definition.gate,
                    kind=definition.kind,
                    order=definition.order,
                )
            )
    ClearanceItem.objects.bulk_create(wanted)
    return wanted


def _flag_possible_duplicate(referral: Referral) -> None:
    duplicate = (
        Referral.objects.filter(
            first_name__iexact=referral.first_name,
            last_name__iexact=referral.last_name,
            date_of_birth=referral.date_of_birth,
            status__in=Referral.OPEN_STATUSES,
        )
        .exclude(pk=referral.pk)
        .exists()
    )
    if duplicate:
        Referral.objects.filter(pk=referral.pk).update(possible_duplicate=True)
        referral.possible_duplicate = True


# --- Submission ------------------------------------------------------------------------------

IDENTITY_FIELDS = ("first_name", "last_name", "date_of_birth", "email", "phone")


@transaction.atomic
def submit_referral(
    *,
    submission_token: uuid.UUID,
    identity: dict[str, Any],
    answers: dict[str, Any],
    details: dict[str, Any],
    today: date,
    questionnaire_version: str,
    session_key: str = "",
    referral: Referral | None = None,
    differences: list[dict[str, Any]] | None = None,
) -> Referral:
    """Store a complete intake, screen it and build its checklist, in one transaction.

    `referral` is given when a patient completes a provider referral (status awaiting_patient);
    otherwise a self-referral is created. The same `submission_token` twice raises
    DuplicateSubmissionError carrying the referral already stored. Answers are screened again
    here (the core raises ValueError on anything the forms should have refused).
    """
    existing = Referral.objects.filter(submission_token=submission_token).first()
    if existing:
        raise DuplicateSubmissionError(existing)
    # Validate before anything is written.
    screening.screen(core_answers(answers), today=today, policy=current_policy())
    answers = stored_answers(answers)
    identity = {key: identity.get(key) or "" for key in IDENTITY_FIELDS}
    main = answers.get("indication") or ""
    secondary = list(answers.get("secondary_indications") or [])
    now = timezone.now()
    try:
        with transaction.atomic():
            if referral is None:
                referral = Referral.objects.create(
                    source=Referral.Source.SELF,
                    status=S.SUBMITTED,
                    status_changed_at=now,
                    submission_token=submission_token,
                    indication=main,
                    secondary_indications=secondary,
                    answers=answers,
                    details=details,
                    questionnaire_version=questionnaire_version,
                    submitted_at=now,
                    **identity,
                )
                ReferralEvent.objects.create(referral=referral, kind="submitted", to_status=S.SUBMITTED)
            else:
                _move(
                    referral,
                    S.SUBMITTED,
                    kind="patient_completed",
                    submission_token=submission_token,
                    indication=main,
                    secondary_indications=secondary,
                    answers=answers,
                    details={**referral.details, **details},
                    differences=differences or [],
                    questionnaire_version=questionnaire_version,
                    submitted_at=now,
                    completion_used_at=now,
                    **identity,
                )
    except IntegrityError:
        # Two posts of the same form raced; the other one stored it.
        existing = Referral.objects.filter(submission_token=submission_token).first()
        if existing:
            raise DuplicateSubmissionError(existing) from None
        raise
    if session_key:
        Document.objects.filter(session_key=session_key, referral__isnull=True).update(
            referral=referral, session_key=""
        )
    _apply_screening(referral, today=today)
    _flag_possible_duplicate(referral)

    status_url = notifications.status_url()
    notifications.queue(referral, "patient_received", referral.email, status_url=status_url)
    if referral.referrer_id:
        notifications.queue(
            referral, "referrer_status_update", referral.referrer.email, status_url=status_url
        )
    notifications.queue_staff_alert(
        referral, "staff_urgent_safety" if referral.urgent_safety else "staff_new_referral"
    )
    return referral


def new_completion_token(referral: Referral) -> str:
    token = secrets.token_urlsafe(32)
    referral.completion_token_hash = hash_token(token)
    referral.completion_expires_at = timezone.now() + timedelta(days=settings.COMPLETION_LINK_DAYS)
    referral.completion_used_at = None
    return token


def completion_url(token: str) -> str:
    return notifications.absolute_url(reverse("referrals:complete", args=[token]))


@transaction.atomic
def create_provider_referral(
    *,
    submission_token: uuid.UUID,
    referrer: dict[str, Any],
    identity: dict[str, Any],
    provider_details: dict[str, Any],
    session_key: str = "",
) -> tuple[Referral, str]:
    """Store a clinician's referral awaiting the patient's health questions; returns (referral, token)."""
    existing = Referral.objects.filter(provider_submission_token=submission_token).first()
    if existing:
        raise DuplicateSubmissionError(existing)
    referrer_row = ProviderReferrer.objects.create(**referrer)
    referral = Referral(
        source=Referral.Source.PROVIDER,
        status=S.AWAITING_PATIENT,
        status_changed_at=timezone.now(),
        referrer=referrer_row,
        indication=provider_details.get("indication", ""),
        secondary_indications=provider_details.get("secondary_indications", []),
        provider_details=provider_details,
        **{key: identity.get(key) or "" for key in IDENTITY_FIELDS},
    )
    token = new_completion_token(referral)
    referral.provider_submission_token = submission_token
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError:
        # Two posts of the same form raced; the other one stored it.
        existing = Referral.objects.filter(provider_submission_token=submission_token).first()
        if existing:
            raise DuplicateSubmissionError(existing) from None
        raise
    if session_key:
        Document.objects.filter(session_key=session_key, referral__isnull=True).update(
            referral=referral, session_key=""
        )
    ReferralEvent.objects.create(referral=referral, kind="provider_referral", to_status=S.AWAITING_PATIENT)
    notifications.queue(
        referral, "patient_complete_health_questions", referral.email, link=completion_url(token)
    )
    notifications.queue(
        referral, "referrer_received", referrer_row.email, status_url=notifications.status_url()
    )
    notifications.queue_staff_alert(referral, "staff_new_referral")
    return referral, token


@transaction.atomic
def reissue_completion_link(referral: Referral, *, actor) -> str:
    """Give the patient a fresh 14-day link; the old one stops working."""
    _require(actor, REVIEW_PERM)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status != S.AWAITING_PATIENT:
        raise InvalidTransitionError("Only a referral waiting for the patient's health questions has a link.")
    token = new_completion_token(referral)
    referral.save(update_fields=["completion_token_hash", "completion_expires_at", "completion_used_at"])
    ReferralEvent.objects.create(referral=referral, kind="link_reissued", actor=actor)
    notifications.queue(
        referral, "patient_complete_health_questions", referral.email, link=completion_url(token)
    )
    return token


# --- Review ----------------------------------------------------------------------------------


@transaction.atomic
def start_review(referral: Referral, *, actor) -> Referral:
    _require(actor, REVIEW_PERM)
    _expect_source(referral, "start_review")
    _move(referral, S.IN_REVIEW, actor=actor, kind="review_started")
    if referral.assignee_id is None:
        Referral.objects.filter(pk=referral.pk).update(assignee=actor)
        referral.assignee = actor
    notifications.queue_status_update(referral)
    return referral


@transaction.atomic
def request_info(
    referral: Referral, *, actor, items: list[str], message: str, audience: str = "patient"
) -> tuple[InfoRequest, str]:
    """Ask the patient (or referrer) for what is missing; they get a link to a page asking only that."""
    _require(actor, REVIEW_PERM)
    if not items:
        raise GateNotMetError("Tick at least one thing you need.", ["Nothing was ticked."])
    if not message.strip():
        raise GateNotMetError("Write a short message.", ["The message is empty."])
    if audience == "referrer" and not referral.referrer_id:
        raise InvalidTransitionError("This referral has no referring clinician.")
    _move(referral, S.NEEDS_INFO, actor=actor, kind="info_requested", message=message, data={"items": items})
    token = secrets.token_urlsafe(32)
    info = InfoRequest.objects.create(
        referral=referral,
        audience=audience,
        requested_items=items,
        message=message,
        token_hash=hash_token(token),
        expires_at=timezone.now() + timedelta(days=settings.COMPLETION_LINK_DAYS),
        created_by=actor,
    )
    link = notifications.absolute_url(reverse("referrals:info-response", args=[token]))
    if audience == "referrer":
        notifications.queue(referral, "referrer_info_request", referral.referrer.email, link=link)
    else:
        notifications.queue(referral, "patient_info_request", referral.email, link=link)
    return info, token


@transaction.atomic
def receive_info(info: InfoRequest, *, response: dict[str, Any]) -> Referral:
    """Keep the reply beside the frozen answers and return the referral to the review queue."""
    info = InfoRequest.objects.select_for_update().get(pk=info.pk)
    if info.responded_at is not None:
        raise InvalidTransitionError("This request has already been answered.")
    info.response = response
    info.responded_at = timezone.now()
    info.save(update_fields=["response", "responded_at"])
    referral = info.referral
    _move(referral, S.IN_REVIEW, kind="info_received")
    notifications.queue_staff_alert(referral, "staff_info_received")
    return referral


@transaction.atomic
def resume_review(referral: Referral, *, actor) -> Referral:
    _require(actor, REVIEW_PERM)
    _expect_source(referral, "resume_review")
    _move(referral, S.IN_REVIEW, actor=actor, kind="review_resumed")
    notifications.queue_status_update(referral)
    return referral


def gate_problems(referral: Referral, gate: str, *, items=None, findings=None) -> list[str]:
    """Plain reasons why the given gate does not hold; empty when it does.

    `items` (the referral's checklist) and `findings` (those of its current screening run), when
    the caller has them loaded already, spare the queries (the review page shows both gates).
    """
    if items is None:
        items = list(referral.checklist.all())
    if findings is None:
        findings = list(Finding.objects.filter(referral=referral, run__current=True))
    problems = []
    for item in sorted(items, key=lambda item: (item.order, item.pk)):
        if item.gate == gate and item.status == ClearanceItem.ItemStatus.PENDING:
            problems.append(f"Checklist item not done: {item.title}.")
    escort_done = any(
        item.step_id == "escort_arranged" and item.status == ClearanceItem.ItemStatus.DONE for item in items
    )
    for finding in sorted(findings, key=lambda finding: (finding.run_id, finding.position)):
        if finding.gate != gate or finding.severity == Finding.Severity.NOTE:
            continue
        if gate == "scheduling" and finding.code == "no_escort" and escort_done:
            continue  # completing escort_arranged resolves no_escort
        if not finding.resolution:
            problems.append(f"Finding not resolved: {finding.code} ({finding.severity}).")
        elif (
            finding.severity == Finding.Severity.ABSOLUTE
            and finding.resolution == Finding.Resolution.CONFIRMED
        ):
            problems.append(
                f"Absolute finding confirmed as present: {finding.code}. Decline, or override with a reason."
            )
    return problems


def _snapshot(referral: Referral, actor) -> dict[str, Any]:
    return {
        "decided_by": actor.get_username(),
        "decided_at": timezone.now().isoformat(),
        "scores": referral.scores,
        "checklist": [
            {"step_id": i.step_id, "status": i.status, "reason": i.reason, "by": i.completed_by_id}
            for i in referral.checklist.all()
        ],
        "findings": [
            {
                "code": f.code,
                "severity": f.severity,
                "gate": f.gate,
                "resolution": f.resolution,
                "note": f.resolution_note,
            }
            for f in Finding.objects.filter(referral=referral, run__current=True)
        ],
    }


@transaction.atomic
def clear_referral(referral: Referral, *, actor) -> Referral:
    """Clinicians only. Refused unless the clearance gate holds (spec §4.2, §6)."""
    _require(actor, SIGN_PERM)
    if referral.status != S.IN_REVIEW:
        raise InvalidTransitionError("Only a referral in review can be cleared.")
    problems = gate_problems(referral, "clearance")
    if problems:
        raise GateNotMetError("This referral cannot be cleared yet.", problems)
    _move(referral, S.CLEARED, actor=actor, kind="cleared", clearance_snapshot=_snapshot(referral, actor))
    notifications.queue_status_update(referral)
    return referral


@transaction.atomic
def reopen_review(referral: Referral, *, actor, reason: str = "") -> Referral:
    _require(actor, SIGN_PERM)
    _expect_source(referral, "reopen_review")
    _move(referral, S.IN_REVIEW, actor=actor, kind="review_reopened", message=reason)
    notifications.queue_status_update(referral)
    return referral


@transaction.atomic
def decline_referral(referral: Referral, *, actor, reason: str) -> Referral:
    _require(actor, SIGN_PERM)
    if not reason.strip():
        raise GateNotMetError("A reason is required to decline.", ["The reason is empty."])
    _move(referral, S.NOT_ELIGIBLE, actor=actor, kind="declined", message=reason, decision_reason=reason)
    notifications.queue_status_update(referral)
    return referral


@transaction.atomic
def schedule_referral(referral: Referral, *, actor) -> Referral:
    """Requires the clearance gate still to hold and the scheduling gate too."""
    _require(actor, REVIEW_PERM)
    if referral.status != S.CLEARED:
        raise InvalidTransitionError("Only a cleared referral can be scheduled.")
    problems = gate_problems(referral, "clearance") + gate_problems(referral, "scheduling")
    if problems:
        raise GateNotMetError("This referral cannot be scheduled yet.", problems)
    _move(referral, S.SCHEDULED, actor=actor, kind="scheduled")
    notifications.queue_status_update(referral)
    return referral


@transaction.atomic
def withdraw_referral(referral: Referral, *, actor, reason: str = "") -> Referral:
    _require(actor, REVIEW_PERM)
    _move(referral, S.WITHDRAWN, actor=actor, kind="withdrawn", message=reason)
    notifications.queue_status_update(referral)
    return referral


# --- Checklist and findings --------------------------------------------------------------------


@transaction.atomic
def update_checklist_item(
    item: ClearanceItem, *, actor, status: str, reason: str = "", note: str = ""
) -> ClearanceItem:
    """Coordinators complete administrative items; clinical items need a clinician."""
    _require(actor, REVIEW_PERM)
    if item.kind == StepKind.CLINICAL:
        _require(actor, SIGN_PERM)
    if not item.referral.is_open:
        raise InvalidTransitionError("This referral is closed.")
    if status not in ClearanceItem.ItemStatus.values:
        raise GateNotMetError("Choose a valid status.", [f"Unknown status {status!r}."])
    if (
        status in (ClearanceItem.ItemStatus.WAIVED, ClearanceItem.ItemStatus.NOT_APPLICABLE)
        and not reason.strip()
    ):
        raise GateNotMetError("A reason is required.", ["Waived and not-applicable items need a reason."])
    before = item.status
    item.status = status
    item.reason = reason.strip() if status != ClearanceItem.ItemStatus.DONE else ""
    item.note = note
    pending = status == ClearanceItem.ItemStatus.PENDING
    item.completed_by = None if pending else actor
    item.completed_at = None if pending else timezone.now()
    item.save()
    ReferralEvent.objects.create(
        referral=item.referral,
        kind="checklist_updated",
        actor=actor,
        message=item.reason or note,
        data={"step_id": item.step_id, "from": before, "to": status},
    )
    return item


@transaction.atomic
def resolve_finding(finding: Finding, *, actor, resolution: str, note: str) -> Finding:
    """Clinicians resolve absolute and relative findings; an absolute one is never merely confirmed away."""
    _require(actor, SIGN_PERM)
    if not finding.run.current:
        raise InvalidTransitionError("This finding was superseded by a newer screening.")
    if not finding.referral.is_open:
        raise InvalidTransitionError("This referral is closed.")
    if finding.severity == Finding.Severity.NOTE:
        raise InvalidTransitionError("Notes need no resolution.")
    if resolution not in Finding.Resolution.values:
        raise GateNotMetError(
            "Choose confirmed, dismissed or overridden.", [f"Unknown resolution {resolution!r}."]
        )
    if not note.strip():
        raise GateNotMetError("A note or reason is required.", ["The note is empty."])
    finding.resolution = resolution
    finding.resolution_note = note.strip()
    finding.resolved_by = actor
    finding.resolved_at = timezone.now()
    finding.save()
    ReferralEvent.objects.create(
        referral=finding.referral,
        kind="finding_resolved",
        actor=actor,
        message=note.strip(),
        data={"code": finding.code, "severity": finding.severity, "resolution": resolution},
    )
    return finding


@transaction.atomic
def rescreen_referral(referral: Referral, *, actor, today: date) -> dict[str, Any]:
    """Apply the current policy and `today`; supersede findings, add newly required items.

    A cleared referral with new unresolved clearance findings goes back to review. Returns the
    differences (codes added and removed) for staff.
    """
    # Clinicians, and clinic admins who change the policy (DESIGN.md roles), may re-screen.
    if not (actor and actor.is_active and (actor.has_perm(SIGN_PERM) or actor.has_perm(POLICY_PERM))):
        raise WorkflowPermissionError("You do not have permission to do that.")
    if not referral.is_open:
        raise InvalidTransitionError("A closed referral keeps the screening it was decided on.")
    if not referral.answers:
        raise InvalidTransitionError("There are no answers to screen yet.")
    old_codes = set(
        Finding.objects.filter(referral=referral, run__current=True).values_list("code", "severity")
    )
    _run, _result = _apply_screening(referral, today=today, actor=actor)
    new_codes = set(
        Finding.objects.filter(referral=referral, run__current=True).values_list("code", "severity")
    )
    diff = {
        "added": sorted(f"{c} ({s})" for c, s in new_codes - old_codes),
        "removed": sorted(f"{c} ({s})" for c, s in old_codes - new_codes),
    }
    ReferralEvent.objects.create(
        referral=referral, kind="rescreened", actor=actor, data={**diff, "today": today.isoformat()}
    )
    if referral.status == S.CLEARED and gate_problems(referral, "clearance"):
        _move(
            referral,
            S.IN_REVIEW,
            actor=actor,
            kind="review_reopened",
            message="Re-screen found new issues.",
            data=diff,
        )
        notifications.queue_status_update(referral)
    return diff


def open_queue():
    return Referral.objects.filter(Q(status__in=Referral.OPEN_STATUSES))
