"""The only code that changes a referral's status: one function per move, each atomic.

Every move is a row of the MOVES table (where it may start and go, what it records, who may make it
and its button; TRANSITIONS is read off it). Each function checks that row and its own gate, writes
the status with a conditional update (so two reviewers cannot both decide), records a ReferralEvent
and queues its notifications in the same transaction.
"""

import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from referrals import documents, notifications, screening
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
ENTER_PERM = "referrals.enter_referral"

OPEN = frozenset(Referral.OPEN_STATUSES)


@dataclass(frozen=True)
class Move:
    """Where a move may start, where it goes, what it records, who may make it and its button."""

    sources: frozenset[str]
    target: str | None  # None: the status stays
    event: str  # the ReferralEvent.Kind it records
    perms: tuple[str, ...] = ()  # any one of these; none for the moves nobody presses a button for
    label: str = ""  # the staff button (and its confirmation page's title)
    danger: bool = False  # a closing decision, styled apart
    needs_answers: bool = False  # only once the patient has answered the health questions

    def permitted(self, user) -> bool:
        return _permitted(user, self.perms)


def _permitted(user, perms: Iterable[str]) -> bool:
    return user is not None and user.is_active and any(user.has_perm(perm) for perm in perms)


K = ReferralEvent.Kind
# The status graph, in one table: each move's guard, its event and, for a staff action, its button.
# Adding an action is a row here, its function below and its test (and the confirmation page's
# wording in admin_views.ACTIONS).
# fmt: off
MOVES: dict[str, Move] = {
    "start_review": Move(frozenset({S.SUBMITTED}), S.IN_REVIEW, K.REVIEW_STARTED, (REVIEW_PERM,),
                         "Start review"),
    "request_info": Move(frozenset({S.IN_REVIEW}), S.NEEDS_INFO, K.INFO_REQUESTED, (REVIEW_PERM,),
                         "Request information"),
    "resume_review": Move(frozenset({S.NEEDS_INFO}), S.IN_REVIEW, K.REVIEW_RESUMED, (REVIEW_PERM,),
                          "Resume review"),
    "clear": Move(frozenset({S.IN_REVIEW}), S.CLEARED, K.CLEARED, (SIGN_PERM,), "Clear for treatment"),
    "reopen_review": Move(frozenset({S.CLEARED}), S.IN_REVIEW, K.REVIEW_REOPENED, (SIGN_PERM,),
                          "Reopen review"),
    "decline": Move(frozenset({S.IN_REVIEW}), S.NOT_ELIGIBLE, K.DECLINED, (SIGN_PERM,), "Decline",
                    danger=True),
    "schedule": Move(frozenset({S.CLEARED}), S.SCHEDULED, K.SCHEDULED, (REVIEW_PERM,), "Mark scheduled"),
    "withdraw": Move(OPEN, S.WITHDRAWN, K.WITHDRAWN, (REVIEW_PERM,), "Withdraw", danger=True),
    "reissue_link": Move(frozenset({S.AWAITING_PATIENT}), None, K.LINK_REISSUED, (REVIEW_PERM,),
                         "Reissue completion link"),
    # Clinicians, and clinic admins who change the policy (DESIGN.md roles), may re-screen.
    "rescreen": Move(OPEN, None, K.RESCREENED, (SIGN_PERM, POLICY_PERM), "Re-screen with current policy",
                     needs_answers=True),
    # The moves nobody presses a button for: the patient's, through a link, and a re-screen's.
    "patient_complete": Move(frozenset({S.AWAITING_PATIENT}), S.SUBMITTED, K.PATIENT_COMPLETED),
    "receive_info": Move(frozenset({S.NEEDS_INFO}), S.IN_REVIEW, K.INFO_RECEIVED),
    "reopen_after_rescreen": Move(frozenset({S.CLEARED}), S.IN_REVIEW, K.REVIEW_REOPENED),
}
# fmt: on
ACTIONS: dict[str, Move] = {name: move for name, move in MOVES.items() if move.label}
# Status → the statuses it may move to (terminal → empty), read off MOVES.
TRANSITIONS: dict[str, frozenset[str]] = {
    status: frozenset(move.target for move in MOVES.values() if status in move.sources and move.target)
    for status in S
}


def allowed_actions(referral: Referral, user) -> list[str]:
    """The staff actions this user may attempt on this referral now (the gates are checked on use)."""
    return [
        name
        for name, move in ACTIONS.items()
        if referral.status in move.sources
        and move.permitted(user)
        and (referral.answers or not move.needs_answers)
    ]


def _require(actor, *perms: str) -> None:
    if not _permitted(actor, perms):
        raise WorkflowPermissionError("You do not have permission to do that.")


def _check(referral: Referral, name: str, *, actor) -> Move:
    """The guard of a staff action: the actor's permission, then the status it starts from."""
    _require(actor, *MOVES[name].perms)
    return _check_source(referral, name)


def _check_source(referral: Referral, name: str) -> Move:
    """The one check of the status a move starts from (and, for a re-screen, that there are answers)."""
    move = MOVES[name]
    if referral.status not in move.sources:
        current = referral.get_status_display().lower()
        if not move.label:
            raise InvalidTransitionError(
                f"A referral that is {current} cannot move to {S(move.target).label.lower()}."
            )
        starts = (
            "an open referral"
            if move.sources == OPEN
            else "a referral that is "
            + " or ".join(status.label.lower() for status in S if status in move.sources)
        )
        raise InvalidTransitionError(
            f"This referral is {current}; {move.label.lower()} is only for {starts}, so it cannot be done now."
        )
    if move.needs_answers and not referral.answers:
        raise InvalidTransitionError("There are no answers to screen yet.")
    return move


def _move(
    referral: Referral, name: str, *, actor=None, message: str = "", data=None, **fields: Any
) -> Referral:
    """Make a move: check where it starts, update the status conditionally, record the event.

    Staff actions check their permission first (`_check`). Raises if another change got there first.
    """
    current = referral.status
    move = _check_source(referral, name)
    target = move.target
    now = timezone.now()
    updated = Referral.objects.filter(pk=referral.pk, status=current).update(
        status=target, status_changed_at=now, **fields
    )
    if updated != 1:
        raise InvalidTransitionError("Someone else changed this referral first. Reload it and check again.")
    referral.status = target
    referral.status_changed_at = now
    for field_name, value in fields.items():
        setattr(referral, field_name, value)
    ReferralEvent.objects.create(
        referral=referral,
        kind=move.event,
        from_status=current,
        to_status=target,
        actor=actor,
        message=message,
        data=data or {},
    )
    return referral


def _move_and_tell(referral: Referral, name: str, *, actor, **kwargs: Any) -> Referral:
    """A move the patient (and the referrer) hear about: the move, then their status update."""
    _move(referral, name, actor=actor, **kwargs)
    notifications.queue_status_update(referral)
    return referral


# --- Screening -------------------------------------------------------------------------------


def current_policy() -> screening.Policy:
    """The Policy the core is handed: the current ScreeningPolicy plus the inactive rules.

    Every Policy field but `disabled_rules` is read from the row's column of the same name, so a
    threshold added to the core without its column fails here instead of silently keeping its default.
    """
    row = ScreeningPolicy.current()
    values = {
        field.name: getattr(row, field.name)
        for field in fields(screening.Policy)
        if field.name != "disabled_rules"
    }
    values["bmi_limit"] = float(row.bmi_limit)  # a Decimal column; the policy is stored as JSON
    values["disabled_rules"] = frozenset(
        ContraindicationRule.objects.filter(active=False).values_list("code", flat=True)
    )
    return screening.Policy(**values)


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
        policy_version=ScreeningPolicy.objects.order_by("-id").values_list("id", flat=True).first(),
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


def open_duplicates(referral: Referral):
    """Other open referrals with the same name and date of birth (what sets the duplicate flag)."""
    return Referral.objects.filter(
        first_name__iexact=referral.first_name,
        last_name__iexact=referral.last_name,
        date_of_birth=referral.date_of_birth,
        status__in=Referral.OPEN_STATUSES,
    ).exclude(pk=referral.pk)


def _flag_possible_duplicate(referral: Referral) -> None:
    if open_duplicates(referral).exists():
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
    entered_by=None,
    consent_method: str = Referral.ConsentMethod.TYPED,
    notify_patient: bool = True,
    language: str | None = None,
    preferred_language: str = "",
) -> Referral:
    """Store a complete intake, screen it and build its checklist, in one transaction.

    `referral` is given when a patient completes a provider referral (status awaiting_patient);
    otherwise a self-referral is created. The same `submission_token` twice raises
    DuplicateSubmissionError carrying the referral already stored. Answers are screened again
    here (the core raises ValueError on anything the forms should have refused).

    `entered_by` is the staff member who took a self-referral by phone (they need
    `enter_referral`); the referral records them, the channel and verbal consent, and the patient
    is emailed the status link only if `notify_patient`.

    `language` is the language of the forms (default: the active one, the page's); the patient's
    emails use it. `preferred_language` is what the patient asked us to use, when recorded.
    """
    if entered_by is not None:
        _require(entered_by, ENTER_PERM)
    existing = Referral.objects.filter(submission_token=submission_token).first()
    if existing:
        raise DuplicateSubmissionError(existing)
    # Validate before anything is written.
    screening.screen(core_answers(answers), today=today, policy=current_policy())
    answers = stored_answers(answers)
    identity = {key: identity.get(key) or "" for key in IDENTITY_FIELDS}
    main = answers.get("indication") or ""
    secondary = list(answers.get("secondary_indications") or [])
    language = forms_language(language)
    spoken = {"preferred_language": preferred_language.strip()} if preferred_language.strip() else {}
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
                    intake_channel=Referral.Channel.PHONE if entered_by else Referral.Channel.ONLINE,
                    entered_by=entered_by,
                    consent_method=consent_method,
                    language=language,
                    **spoken,
                    **identity,
                )
                ReferralEvent.objects.create(
                    referral=referral,
                    kind=K.SUBMITTED,
                    to_status=S.SUBMITTED,
                    actor=entered_by,
                    data={"channel": referral.intake_channel, "consent": consent_method}
                    if entered_by
                    else {},
                )
            else:
                _move(
                    referral,
                    "patient_complete",
                    submission_token=submission_token,
                    indication=main,
                    secondary_indications=secondary,
                    answers=answers,
                    details={**referral.details, **details},
                    differences=differences or [],
                    questionnaire_version=questionnaire_version,
                    submitted_at=now,
                    completion_used_at=now,
                    consent_method=consent_method,
                    language=language,
                    **spoken,
                    **identity,
                )
    except IntegrityError:
        # Two posts of the same form raced; the other one stored it.
        existing = Referral.objects.filter(submission_token=submission_token).first()
        if existing:
            raise DuplicateSubmissionError(existing) from None
        raise
    documents.claim_session_uploads(referral, session_key)
    _apply_screening(referral, today=today)
    _flag_possible_duplicate(referral)

    status_url = notifications.status_url()
    if notify_patient:
        notifications.queue(referral, "patient_received", referral.email, status_url=status_url)
    if referral.referrer_id:
        notifications.queue(
            referral, "referrer_status_update", referral.referrer.email, status_url=status_url
        )
    notifications.queue_staff_alert(
        referral, "staff_urgent_safety" if referral.urgent_safety else "staff_new_referral"
    )
    return referral


def forms_language(language: str | None = None) -> str:
    """One of settings.LANGUAGES: the one given, else the active one ("es" for /es/ pages), else English."""
    codes = dict(settings.LANGUAGES)
    for candidate in (language, translation.get_language()):
        if candidate:
            code = candidate.lower().split("-")[0]
            if code in codes:
                return code
    return settings.LANGUAGE_CODE


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
    entered_by=None,
    channel: str = Referral.Channel.ONLINE,
) -> tuple[Referral, str]:
    """Store a clinician's referral awaiting the patient's health questions; returns (referral, token).

    `entered_by` is the staff member who typed in a letter received by fax or mail (`channel`);
    they need `enter_referral`. The patient and referrer are emailed exactly as for the web form.
    """
    if entered_by is not None:
        _require(entered_by, ENTER_PERM)
        if channel not in (Referral.Channel.FAX, Referral.Channel.MAIL):
            raise InvalidTransitionError("A provider referral entered by staff arrived by fax or mail.")
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
        intake_channel=channel if entered_by else Referral.Channel.ONLINE,
        entered_by=entered_by,
        # The clinician's choice of the patient's language: the completion email and link use it.
        language="es" if provider_details.get("language") == "es" else "en",
        preferred_language=provider_details.get("preferred_language") or "",
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
    documents.claim_session_uploads(referral, session_key)
    ReferralEvent.objects.create(
        referral=referral,
        kind=K.PROVIDER_REFERRAL,
        to_status=S.AWAITING_PATIENT,
        actor=entered_by,
        data={"channel": referral.intake_channel} if entered_by else {},
    )
    _flag_possible_duplicate(referral)
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
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    _check(referral, "reissue_link", actor=actor)
    token = new_completion_token(referral)
    referral.save(update_fields=["completion_token_hash", "completion_expires_at", "completion_used_at"])
    ReferralEvent.objects.create(referral=referral, kind=MOVES["reissue_link"].event, actor=actor)
    notifications.queue(
        referral, "patient_complete_health_questions", referral.email, link=completion_url(token)
    )
    return token


# --- Review ----------------------------------------------------------------------------------


@transaction.atomic
def start_review(referral: Referral, *, actor) -> Referral:
    _check(referral, "start_review", actor=actor)
    _move(referral, "start_review", actor=actor)
    if referral.assignee_id is None:
        Referral.objects.filter(pk=referral.pk).update(assignee=actor)
        referral.assignee = actor
    notifications.queue_status_update(referral)
    return referral


@transaction.atomic
def request_info(
    referral: Referral,
    *,
    actor,
    items: list[str],
    message: str,
    audience: str = "patient",
    language: str | None = None,
) -> tuple[InfoRequest, str]:
    """Ask the patient (or referrer) for what is missing; they get a link to a page asking only that.

    `language` is the one staff wrote the message in (default: the patient's forms' language); the
    patient's email and its link use it. A referring clinician is written to in English.
    """
    _check(referral, "request_info", actor=actor)
    if not items:
        raise GateNotMetError("Tick at least one thing you need.", ["Nothing was ticked."])
    if not message.strip():
        raise GateNotMetError("Write a short message.", ["The message is empty."])
    if audience == "referrer" and not referral.referrer_id:
        raise InvalidTransitionError("This referral has no referring clinician.")
    if audience == "referrer":
        language = settings.LANGUAGE_CODE
    elif language not in dict(settings.LANGUAGES):
        language = referral.language or settings.LANGUAGE_CODE
    _move(referral, "request_info", actor=actor, message=message, data={"items": items})
    token = secrets.token_urlsafe(32)
    info = InfoRequest.objects.create(
        referral=referral,
        audience=audience,
        requested_items=items,
        message=message,
        language=language,
        token_hash=hash_token(token),
        expires_at=timezone.now() + timedelta(days=settings.COMPLETION_LINK_DAYS),
        created_by=actor,
    )
    link = notifications.absolute_url(reverse("referrals:info-response", args=[token]))
    if audience == "referrer":
        notifications.queue(referral, "referrer_info_request", referral.referrer.email, link=link)
    else:
        notifications.queue(
            referral, "patient_info_request", referral.email, language=info.language, link=link
        )
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
    _move(referral, "receive_info")
    notifications.queue_staff_alert(referral, "staff_info_received")
    return referral


@transaction.atomic
def resume_review(referral: Referral, *, actor) -> Referral:
    _check(referral, "resume_review", actor=actor)
    return _move_and_tell(referral, "resume_review", actor=actor)


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
    """The decision record: what the clinician cleared on, frozen (names and times as they were).

    Times are ISO 8601 in UTC; every page shows them in the clinic's time zone.
    """
    run = ScreeningRun.objects.filter(referral=referral, current=True).first()
    titles = dict(ContraindicationRule.objects.values_list("code", "title"))

    def who(user) -> str:
        return user.get_username() if user else ""

    def when(moment) -> str:
        return moment.isoformat() if moment else ""

    return {
        "decided_by": actor.get_username(),
        "decided_by_name": actor.get_full_name(),
        "decided_at": timezone.now().isoformat(),
        "scores": referral.scores,
        "questionnaire_version": referral.questionnaire_version,
        "policy_version": run.policy_version if run else None,
        "policy": run.policy if run else {},
        "screened_on": run.screened_on.isoformat() if run else "",
        "checklist": [
            {
                "step_id": i.step_id,
                "title": i.title,
                "gate": i.gate,
                "kind": i.kind,
                "status": i.status,
                "reason": i.reason,
                "note": i.note,
                "by": i.completed_by_id,
                "by_username": who(i.completed_by),
                "at": when(i.completed_at),
            }
            for i in referral.checklist.select_related("completed_by").order_by("order", "id")
        ],
        "findings": [
            {
                "code": f.code,
                "title": titles.get(f.code, ""),
                "severity": f.severity,
                "gate": f.gate,
                "reason": f.reason,
                "resolution": f.resolution,
                "note": f.resolution_note,
                "resolved_by": who(f.resolved_by),
                "resolved_at": when(f.resolved_at),
            }
            for f in Finding.objects.filter(referral=referral, run__current=True)
            .select_related("resolved_by")
            .order_by("position")
        ],
    }


@transaction.atomic
def clear_referral(referral: Referral, *, actor) -> Referral:
    """Clinicians only. Refused unless the clearance gate holds (spec §4.2, §6)."""
    _check(referral, "clear", actor=actor)
    problems = gate_problems(referral, "clearance")
    if problems:
        raise GateNotMetError("This referral cannot be cleared yet.", problems)
    return _move_and_tell(referral, "clear", actor=actor, clearance_snapshot=_snapshot(referral, actor))


@transaction.atomic
def reopen_review(referral: Referral, *, actor, reason: str = "") -> Referral:
    _check(referral, "reopen_review", actor=actor)
    return _move_and_tell(referral, "reopen_review", actor=actor, message=reason)


@transaction.atomic
def decline_referral(referral: Referral, *, actor, reason: str) -> Referral:
    _check(referral, "decline", actor=actor)
    if not reason.strip():
        raise GateNotMetError("A reason is required to decline.", ["The reason is empty."])
    return _move_and_tell(referral, "decline", actor=actor, message=reason, decision_reason=reason)


@transaction.atomic
def schedule_referral(referral: Referral, *, actor) -> Referral:
    """Requires the clearance gate still to hold and the scheduling gate too."""
    _check(referral, "schedule", actor=actor)
    problems = gate_problems(referral, "clearance") + gate_problems(referral, "scheduling")
    if problems:
        raise GateNotMetError("This referral cannot be scheduled yet.", problems)
    return _move_and_tell(referral, "schedule", actor=actor)


@transaction.atomic
def withdraw_referral(referral: Referral, *, actor, reason: str = "") -> Referral:
    _check(referral, "withdraw", actor=actor)
    return _move_and_tell(referral, "withdraw", actor=actor, message=reason)


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
        kind=K.CHECKLIST_UPDATED,
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
        kind=K.FINDING_RESOLVED,
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
    _check(referral, "rescreen", actor=actor)
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
        referral=referral,
        kind=MOVES["rescreen"].event,
        actor=actor,
        data={**diff, "today": today.isoformat()},
    )
    if referral.status == S.CLEARED and gate_problems(referral, "clearance"):
        _move_and_tell(
            referral, "reopen_after_rescreen", actor=actor, message="Re-screen found new issues.", data=diff
        )
    return diff
