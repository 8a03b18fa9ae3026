"""The audit trail: who changed what (django-auditlog) and who read what (AccessEvent), never PHI.

Changes: every model below is registered with django-auditlog. Only the fields in its allow-list keep
their before/after values; every other field is masked to "[redacted]", so a field added later is
masked until someone decides it is not PHI. Workflow moves write the status with a conditional
`update()` (no model signals), so each `ReferralEvent` is copied into the trail with its actor.

Reads: views that show PHI call `record_access(request, action, referral=..., obj=...)`; the
queue page records every referral it listed with `record_queue_reads` (one insert). A read that
repeats one by the same user of the same record within `READ_RUN_WINDOW` points at the first read
of its run (`AccessEvent.first_read`), so the audit list shows one line per run; every read is
still its own row.
"""

from datetime import timedelta

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from auditlog.signals import post_log
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from referrals.models import (
    AccessEvent,
    ClearanceItem,
    ClearanceStepDefinition,
    ContraindicationRule,
    Document,
    Finding,
    InfoRequest,
    QuestionnaireText,
    Referral,
    ReferralEvent,
    RoleGrant,
    ScreeningPolicy,
)

REDACTED = "[redacted]"
ALL_FIELDS = None  # the model holds no PHI: keep every value

# Fields whose values may appear in the trail. Everything else on the model is masked.
NOT_PHI: dict = {
    Referral: {
        "id", "reference", "source", "status", "status_changed_at", "questionnaire_version",
        "possible_duplicate", "referrer", "assignee", "completion_expires_at", "completion_used_at",
        "created_at", "submitted_at", "purged_at",
    },
    Finding: {
        "id", "run", "referral", "code", "severity", "gate", "position", "resolution", "resolved_by",
        "resolved_at",
    },
    ClearanceItem: {
        "id", "referral", "definition", "step_id", "title", "gate", "kind", "order", "status",
        "completed_by", "completed_at",
    },
    Document: {"id", "referral", "kind", "content_type", "size", "uploaded_at"},
    InfoRequest: {
        "id", "referral", "audience", "requested_items", "expires_at", "created_by", "created_at",
        "responded_at",
    },
    ClearanceStepDefinition: ALL_FIELDS,
    ContraindicationRule: ALL_FIELDS,
    ScreeningPolicy: ALL_FIELDS,
    QuestionnaireText: ALL_FIELDS,
    RoleGrant: ALL_FIELDS,  # who proposed and confirmed each staff role
}  # fmt: skip

# Events that record a read: those are AccessEvent rows (record_access), not changes.
READ_EVENT_KINDS = frozenset(
    {ReferralEvent.Kind.DOCUMENT_DOWNLOADED, ReferralEvent.Kind.SUMMARY_PRINTED, ReferralEvent.Kind.EXPORTED}
)
# Event data keys copied into the trail (codes and statuses; never messages or reasons).
EVENT_DATA_KEYS = ("step_id", "from", "to", "code", "severity", "resolution")


def redact(value) -> str:
    """auditlog's mask callable: nothing of the value survives (its default keeps half)."""
    return REDACTED


def _masked(model, allowed) -> list[str]:
    if allowed is ALL_FIELDS:
        return []
    return [field.name for field in model._meta.fields if field.name not in allowed]


def register_models() -> None:
    """Register the audited models with auditlog (called once from ReferralsConfig.ready)."""
    mask = "referrals.audit.redact"
    for model, allowed in NOT_PHI.items():
        if not auditlog.contains(model):
            auditlog.register(model, mask_fields=_masked(model, allowed), mask_callable=mask)
    # Staff accounts, roles and second factors: who may see PHI is itself audited.
    user_model = get_user_model()
    if not auditlog.contains(user_model):
        auditlog.register(
            user_model,
            exclude_fields=["last_login"],
            mask_fields=["password"],
            mask_callable=mask,
            m2m_fields={"groups", "user_permissions"},
        )
    if not auditlog.contains(Group):
        auditlog.register(Group, m2m_fields={"permissions"})
    if not auditlog.contains(TOTPDevice):
        auditlog.register(
            TOTPDevice,
            # Sign-ins move these on every use; the trail records enrolment and changes, not logins.
            exclude_fields=[
                "last_t",
                "drift",
                "last_used_at",
                "throttling_failure_timestamp",
                "throttling_failure_count",
            ],  # fmt: skip
            mask_fields=["key"],
            mask_callable=mask,
        )


def referral_of(obj) -> Referral | None:
    if isinstance(obj, Referral):
        return obj
    referral_id = getattr(obj, "referral_id", None)
    if referral_id is None:
        return None
    return getattr(obj, "referral", None)


@receiver(post_log)
def _tag_referral(sender, instance, log_entry=None, **kwargs):
    # Rows about a referral or one of its parts carry its reference code, so the trail filters by it.
    if log_entry is None or sender not in NOT_PHI:
        return
    referral = referral_of(instance)
    if referral is not None:
        data = {**(log_entry.additional_data or {}), "referral": referral.reference}
        LogEntry.objects.filter(pk=log_entry.pk).update(additional_data=data)
        log_entry.additional_data = data


@receiver(post_save, sender=ReferralEvent)
def _copy_workflow_event(sender, instance: ReferralEvent, created: bool, raw=False, **kwargs):
    if not created or raw or instance.kind in READ_EVENT_KINDS:
        return
    changes = {}
    if instance.to_status and instance.from_status != instance.to_status:
        changes["status"] = [instance.from_status or "", instance.to_status]
    data = {key: str(instance.data[key]) for key in EVENT_DATA_KEYS if key in (instance.data or {})}
    LogEntry.objects.log_create(
        instance.referral,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        changes=changes,
        actor=instance.actor,
        actor_email=getattr(instance.actor, "email", None),
        additional_data={"referral": instance.referral.reference, "event": instance.kind, **data},
    )


# Reads of the same record by the same user this close together are one run in the audit list.
READ_RUN_WINDOW = timedelta(minutes=5)


def _reader(request):
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user, user.get_username()
    return None, ""


def _run_starts(user, action: str, references, object_type: str = "", object_id: str = "") -> dict:
    """For each reference: the first read of the run a new read now would join (or nothing)."""
    if user is None or not references:
        return {}
    recent = (
        AccessEvent.objects.filter(
            user=user,
            action=action,
            referral_reference__in=list(references),
            object_type=object_type,
            object_id=object_id,
            at__gte=timezone.now() - READ_RUN_WINDOW,
        )
        .order_by("referral_reference", "-at", "-id")
        .values_list("referral_reference", "id", "first_read_id")
    )
    starts = {}
    for reference, pk, first_read_id in recent:
        starts.setdefault(reference, first_read_id or pk)  # the latest read of each reference
    return starts


def record_access(
    request, action: str, referral: Referral | None = None, obj=None, *, count=None, object_type=""
):
    """Record that a staff member read patient data: a review page, a document, an export.

    `action` is one of `AccessEvent.Action` (e.g. "view_referral", "download_document", "export");
    `obj` is what was read (e.g. the Document), `count` how many referrals an export held. Stores
    no PHI: the user, the time, the reference code, the object's type and id, and the path without
    its query string (staff searches can carry names). `object_type` names what was read when it is
    not a model row (e.g. "fhir:bundle").
    """
    if referral is None and obj is not None:
        referral = referral_of(obj)
    user, username = _reader(request)
    reference = referral.reference if referral is not None else ""
    object_type = object_type or (obj._meta.label_lower if obj is not None else "")
    object_id = str(obj.pk) if obj is not None else ""
    action = str(action)[:40]
    starts = _run_starts(user, action, [reference] if reference else [], object_type, object_id)
    return AccessEvent.objects.create(
        user=user,
        username=username,
        action=action,
        referral=referral,
        referral_reference=reference,
        object_type=object_type,
        object_id=object_id,
        row_count=count,
        path=request.path[:200],
        first_read_id=starts.get(reference),
    )


def record_queue_reads(request, referrals) -> list[AccessEvent]:
    """The queue page shows names and dates of birth: one read per referral listed, one insert."""
    referrals = [referral for referral in referrals if isinstance(referral, Referral)]
    if not referrals:
        return []
    user, username = _reader(request)
    action = AccessEvent.Action.VIEW_QUEUE
    starts = _run_starts(user, action, {referral.reference for referral in referrals})
    path = request.path[:200]
    return AccessEvent.objects.bulk_create(
        AccessEvent(
            user=user,
            username=username,
            action=action,
            referral=referral,
            referral_reference=referral.reference,
            row_count=len(referrals),
            path=path,
            first_read_id=starts.get(referral.reference),
        )
        for referral in referrals
    )


def record_bulk_access(action: str, referrals, *, user=None, username: str, path: str, object_type: str = ""):
    """Record a read of every referral in a bulk export made outside a request (a management command).

    One AccessEvent per referral, each with the export's total in `row_count`; no PHI (`path` names
    the command, `username` who ran it).
    """
    referrals = list(referrals)
    return AccessEvent.objects.bulk_create(
        [
            AccessEvent(
                user=user,
                username=username[:150],
                action=str(action)[:40],
                referral=referral,
                referral_reference=referral.reference,
                object_type=object_type,
                row_count=len(referrals),
                path=path[:200],
            )
            for referral in referrals
        ],
        batch_size=1000,
    )
