"""The referral, its frozen screening, its checklist and the records around it."""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Replace, Right

REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: easy to read aloud


def new_reference() -> str:
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(9))
    return f"{chars[:3]}-{chars[3:6]}-{chars[6:]}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Gate(models.TextChoices):
    CLEARANCE = "clearance", "Clearance"
    SCHEDULING = "scheduling", "Scheduling"


class StepKind(models.TextChoices):
    ADMINISTRATIVE = "administrative", "Administrative"
    CLINICAL = "clinical", "Clinical"


class ScreeningPolicy(models.Model):
    """The clinic's screening thresholds. Rows are never edited: each change adds a version."""

    class PsychosisSeverity(models.TextChoices):
        RELATIVE = "relative", "Relative"
        ABSOLUTE = "absolute", "Absolute"

    bp_severe_systolic = models.PositiveSmallIntegerField(default=160)
    bp_severe_diastolic = models.PositiveSmallIntegerField(default=100)
    bp_elevated_systolic = models.PositiveSmallIntegerField(default=140)
    bp_elevated_diastolic = models.PositiveSmallIntegerField(default=90)
    min_age = models.PositiveSmallIntegerField(default=18)
    older_adult_age = models.PositiveSmallIntegerField(default=65)
    ecg_age = models.PositiveSmallIntegerField(default=50)
    bmi_limit = models.DecimalField(max_digits=4, decimal_places=1, default=35)
    cardiac_lookback_months = models.PositiveSmallIntegerField(default=6)
    substance_lookback_months = models.PositiveSmallIntegerField(default=3)
    pc_ptsd5_cutoff = models.PositiveSmallIntegerField(default=3)
    psychosis_history_severity = models.CharField(
        max_length=10, choices=PsychosisSeverity.choices, default=PsychosisSeverity.RELATIVE
    )
    change_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "screening policy version"
        constraints = [
            models.CheckConstraint(
                condition=Q(bp_severe_systolic__gt=models.F("bp_elevated_systolic"))
                & Q(bp_severe_diastolic__gt=models.F("bp_elevated_diastolic")),
                name="policy_severe_bp_above_elevated",
            ),
            models.CheckConstraint(condition=Q(pc_ptsd5_cutoff__lte=5), name="policy_ptsd_cutoff_at_most_5"),
        ]

    def __str__(self):
        return f"Screening policy v{self.pk}"

    @classmethod
    def current(cls) -> "ScreeningPolicy":
        return cls.objects.order_by("-id").first() or cls()


class ContraindicationRule(models.Model):
    code = models.CharField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    severity_text = models.CharField(max_length=60, help_text="The severity it carries by default.")
    gate = models.CharField(max_length=12, choices=Gate.choices, default=Gate.CLEARANCE)
    help_text = models.TextField(blank=True, help_text="Shown to reviewing staff beside the finding.")
    active = models.BooleanField(default=True, help_text="An inactive rule fires nothing at screening.")
    # The hash of the wording `migrate` last wrote from code (referrals.seeding.sync_definitions):
    # when the row still hashes to it the clinic never edited it, and new wording from code may replace it.
    seeded_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.title


class ClearanceStepDefinition(models.Model):
    class Condition(models.TextChoices):
        ALWAYS = "always", "Always"
        SELF_REFERRAL = "self_referral", "Self-referrals only"
        REQUIRED_STEPS = "required_steps", "When screening requires it"

    step_id = models.CharField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    help_text = models.TextField(blank=True)
    gate = models.CharField(max_length=12, choices=Gate.choices)
    kind = models.CharField(max_length=16, choices=StepKind.choices)
    condition = models.CharField(max_length=16, choices=Condition.choices, default=Condition.ALWAYS)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    # The hash of the wording `migrate` last wrote from code (referrals.seeding.sync_definitions):
    # when the row still hashes to it the clinic never edited it, and new wording from code may replace it.
    seeded_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["order", "step_id"]

    def __str__(self):
        return self.title


class QuestionnaireText(models.Model):
    """The wording of the questionnaires as versioned data; the newest row is used.

    Items are keyed by instrument ("phq9", "gad7", "pc_ptsd5", "asq", "pain") and hold the stem,
    the recall window, the item texts and the response labels. Structure (item count, order,
    scores) is fixed by the scoring core; only the words may be replaced, e.g. with the official
    wording the instruments' owners let clinics use.
    """

    version = models.CharField(max_length=40, unique=True)
    # Each language has its own versions; the patient sees the newest in the page's language.
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    texts = models.JSONField()
    change_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "questionnaire wording version"

    def __str__(self):
        return self.version

    @classmethod
    def current(cls, language: str = "en") -> "QuestionnaireText | None":
        return cls.objects.filter(language=language).order_by("-id").first()


class ProviderReferrer(models.Model):
    name = models.CharField(max_length=200)
    credentials = models.CharField(max_length=100)
    npi = models.CharField(max_length=10)
    practice = models.CharField(max_length=200)
    phone = models.CharField(max_length=30)
    fax = models.CharField(max_length=30, blank=True)
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.name}, {self.credentials}"


def phone_digits(expression="phone"):
    """The phone as its digits only ("(555) 010-0199" -> "5550100199"), in SQL (portable REPLACE)."""
    digits = F(expression)
    for char in ("(", ")", " ", "-", ".", "+"):
        digits = Replace(digits, Value(char), Value(""))
    return digits


def phone_tail():
    """The last seven digits of the phone: what staff search a phone number by (indexed)."""
    return Right(phone_digits(), 7)


# The queue's ordering, then the columns its filters read (QueueFilter, FlagFilter, OverdueFilter,
# AssigneeFilter, "status", "source", IndicationFilter).
QUEUE_INDEX_FIELDS = [
    "-urgent_safety", "created_at", "id", "status", "submitted_at", "source", "indication", "assignee",
    "asq_acute", "has_absolute", "has_relative", "possible_duplicate",
]  # fmt: skip


class Referral(models.Model):
    class Status(models.TextChoices):
        AWAITING_PATIENT = "awaiting_patient", "Awaiting patient"
        SUBMITTED = "submitted", "Submitted"
        IN_REVIEW = "in_review", "In review"
        NEEDS_INFO = "needs_info", "Needs information"
        CLEARED = "cleared", "Cleared"
        SCHEDULED = "scheduled", "Scheduled"
        NOT_ELIGIBLE = "not_eligible", "Not eligible"
        WITHDRAWN = "withdrawn", "Withdrawn"

    OPEN_STATUSES = (
        Status.AWAITING_PATIENT,
        Status.SUBMITTED,
        Status.IN_REVIEW,
        Status.NEEDS_INFO,
        Status.CLEARED,
    )

    class Source(models.TextChoices):
        SELF = "self", "Self-referral"
        PROVIDER = "provider", "Provider referral"

    class Channel(models.TextChoices):
        """How the referral reached the clinic: the public forms, or staff entering it for someone."""

        ONLINE = "online", "online"
        PHONE = "phone", "taken by phone"
        FAX = "fax", "received by fax"
        MAIL = "mail", "received by mail"

    class ConsentMethod(models.TextChoices):
        TYPED = "typed", "Typed signature on the form"
        VERBAL = "verbal", "Given verbally by phone, attested by staff"

    reference = models.CharField(max_length=11, unique=True, default=new_reference, editable=False)
    source = models.CharField(max_length=10, choices=Source.choices)
    intake_channel = models.CharField(
        max_length=10, choices=Channel.choices, default=Channel.ONLINE, db_index=True
    )
    # Staff who entered a referral received by phone, fax or mail (empty for the public forms).
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entered_referrals",
    )
    consent_method = models.CharField(max_length=10, choices=ConsentMethod.choices, blank=True)
    # The language the patient's own forms were completed in (the page's language at submit).
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    # The language the patient asked us to use with them (free text when neither of ours).
    preferred_language = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, db_index=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # One referral per submit, however often the same form is posted.
    submission_token = models.UUIDField(unique=True, null=True, blank=True, editable=False)
    # A provider referral's own submit token (the field above is the patient's, on completion).
    provider_submission_token = models.UUIDField(unique=True, null=True, blank=True, editable=False)

    # Identity and contact (columns staff search and filter on).
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)

    indication = models.CharField(max_length=40, blank=True)
    secondary_indications = models.JSONField(default=list, blank=True)

    # The screening answers (spec §3 keys) and everything else the patient or referrer sent.
    answers = models.JSONField(default=dict, blank=True)
    details = models.JSONField(default=dict, blank=True)
    provider_details = models.JSONField(default=dict, blank=True)
    differences = models.JSONField(default=list, blank=True)  # provider vs patient values

    # Frozen at screening.
    scores = models.JSONField(default=dict, blank=True)
    urgent_safety = models.BooleanField(default=False, db_index=True)
    asq_acute = models.BooleanField(default=False)
    has_absolute = models.BooleanField(default=False)
    has_relative = models.BooleanField(default=False)
    questionnaire_version = models.CharField(max_length=40, blank=True)
    possible_duplicate = models.BooleanField(default=False)

    referrer = models.ForeignKey(
        ProviderReferrer, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_referrals",
    )
    staff_notes = models.TextField(blank=True)
    decision_reason = models.TextField(blank=True)
    clearance_snapshot = models.JSONField(default=dict, blank=True)

    # The patient's completion link (provider referrals): stored hashed, single use, expiring.
    completion_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    completion_expires_at = models.DateTimeField(null=True, blank=True)
    completion_used_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-urgent_safety", "created_at"]
        permissions = [
            ("review_referral", "Can work the referral queue"),
            ("sign_clearance", "Can resolve findings, clear and decline referrals"),
            ("enter_referral", "Can enter a referral received by phone, fax or mail"),
        ]
        indexes = [
            models.Index(fields=["last_name", "date_of_birth"]),
            # The queue's order (ReferralAdmin.ordering), and the same for the open queue alone,
            # followed by every column a queue filter reads: a filtered page and its count are
            # answered from the index alone (index-only scans), never from the table's rows.
            models.Index(fields=QUEUE_INDEX_FIELDS, name="referral_queue_order"),
            models.Index(
                fields=QUEUE_INDEX_FIELDS,
                name="referral_open_queue_order",
                condition=Q(
                    status__in=["awaiting_patient", "submitted", "in_review", "needs_info", "cleared"]
                ),
            ),
            # The "provider and patient differ" flag: few rows, kept apart (a JSON column).
            models.Index(
                fields=["-urgent_safety", "created_at", "id", "status"],
                name="referral_differences",
                condition=~Q(differences=[]),
            ),
            # Searches: a date of birth exactly, a phone by its last seven digits.
            models.Index(fields=["date_of_birth"], name="referral_birth_date"),
            models.Index(phone_tail(), name="referral_phone_tail"),
            # Retention: closed referrals not yet purged, by when they closed.
            models.Index(
                fields=["status_changed_at"],
                name="referral_purge_due",
                condition=Q(purged_at__isnull=True, status__in=["scheduled", "not_eligible", "withdrawn"]),
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def source_label(self) -> str:
        """The source as staff read it, e.g. "Provider referral (received by fax)"."""
        return self.label_source(self.source, self.intake_channel)

    @classmethod
    def label_source(cls, source: str, channel: str) -> str:
        label = cls.Source(source).label if source in cls.Source.values else source
        if channel and channel != cls.Channel.ONLINE and channel in cls.Channel.values:
            label = f"{label} ({cls.Channel(channel).label})"
        return label

    @property
    def patient_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ScreeningRun(models.Model):
    """One application of the screening core: what it used and when. Re-screens add runs."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="screening_runs")
    policy = models.JSONField()
    # The ScreeningPolicy row (its version number) the policy above was taken from.
    policy_version = models.PositiveIntegerField(null=True, blank=True)
    screened_on = models.DateField()
    required_steps = models.JSONField(default=list)
    current = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral"], condition=Q(current=True), name="one_current_screening_run"
            )
        ]

    def __str__(self):
        return f"Screening of {self.referral} on {self.screened_on}"


class Finding(models.Model):
    class Severity(models.TextChoices):
        ABSOLUTE = "absolute", "Absolute"
        RELATIVE = "relative", "Relative"
        NOTE = "note", "Note"

    class Resolution(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed (present)"
        DISMISSED = "dismissed", "Dismissed (not present)"
        OVERRIDDEN = "overridden", "Overridden (risk accepted)"

    run = models.ForeignKey(ScreeningRun, on_delete=models.CASCADE, related_name="findings")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="findings")
    code = models.CharField(max_length=60)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    gate = models.CharField(max_length=12, choices=Gate.choices)
    reason = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)
    resolution = models.CharField(max_length=12, choices=Resolution.choices, blank=True)
    resolution_note = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "code"], name="one_finding_per_code_per_run")]

    def __str__(self):
        return f"{self.code} ({self.severity})"


class ClearanceItem(models.Model):
    class ItemStatus(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        WAIVED = "waived", "Waived"
        NOT_APPLICABLE = "not_applicable", "Not applicable"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="checklist")
    definition = models.ForeignKey(ClearanceStepDefinition, on_delete=models.PROTECT, related_name="+")
    step_id = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    gate = models.CharField(max_length=12, choices=Gate.choices)
    kind = models.CharField(max_length=16, choices=StepKind.choices)
    order = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=16, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    reason = models.TextField(blank=True)
    note = models.TextField(blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "step_id"], name="one_item_per_step"),
            models.CheckConstraint(
                condition=~Q(status__in=["waived", "not_applicable"]) | ~Q(reason=""),
                name="waived_or_na_needs_reason",
            ),
        ]

    def __str__(self):
        return f"{self.title}: {self.get_status_display()}"

    @property
    def satisfied(self) -> bool:
        return self.status != self.ItemStatus.PENDING


class ReferralEvent(models.Model):
    class Kind(models.TextChoices):
        # The label is what staff read in the referral's history.
        SUBMITTED = "submitted", "Self-referral submitted"
        PROVIDER_REFERRAL = "provider_referral", "Provider referral received"
        PATIENT_COMPLETED = "patient_completed", "Patient completed the health questions"
        REVIEW_STARTED = "review_started", "Review started"
        INFO_REQUESTED = "info_requested", "Information requested"
        INFO_RECEIVED = "info_received", "Information received"
        REVIEW_RESUMED = "review_resumed", "Review resumed"
        CLEARED = "cleared", "Cleared"
        REVIEW_REOPENED = "review_reopened", "Review reopened"
        DECLINED = "declined", "Declined"
        SCHEDULED = "scheduled", "Scheduled"
        WITHDRAWN = "withdrawn", "Withdrawn"
        LINK_REISSUED = "link_reissued", "Completion link reissued"
        CHECKLIST_UPDATED = "checklist_updated", "Checklist updated"
        FINDING_RESOLVED = "finding_resolved", "Finding resolved"
        RESCREENED = "rescreened", "Re-screened"
        STAFF_EDIT = "staff_edit", "Assignee or notes changed"
        EXPORTED = "exported", "Included in an export (CSV or FHIR)"
        SUMMARY_PRINTED = "summary_printed", "Printable summary opened"
        DOCUMENT_DOWNLOADED = "document_downloaded", "Document downloaded"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.referral}: {self.kind}"


class Notification(models.Model):
    """The outbox. Rows are queued with the change that caused them and sent outside the request."""

    class SendStatus(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (will retry)"
        GAVE_UP = "gave_up", "Gave up"

    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    recipient = models.EmailField()
    audience = models.CharField(max_length=20)  # patient, referrer, staff
    template = models.CharField(max_length=60)
    context = models.JSONField(default=dict, blank=True)  # reference code and links only, never PHI
    # Patients' emails are written in their language; staff and referrers' in English.
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    status = models.CharField(max_length=10, choices=SendStatus.choices, default=SendStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The sender's idle round reads only this (small) index: rows still to send, by due time.
            models.Index(
                fields=["next_attempt_at", "created_at", "id"],
                name="notification_pending",
                condition=Q(status__in=["queued", "failed"]),
            )
        ]

    def __str__(self):
        return f"{self.template} to {self.audience}"


def document_upload_to(instance, filename):
    # The stored name never uses the uploader's filename.
    return f"documents/{uuid.uuid4().hex}"


class Document(models.Model):
    class Kind(models.TextChoices):
        REFERRAL_LETTER = "referral_letter", "Referral letter"
        RECORDS = "records", "Medical records"
        OTHER = "other", "Other"

    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    # Files of an unfinished intake belong to its session until it is submitted.
    session_key = models.CharField(max_length=64, blank=True, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(upload_to=document_upload_to, max_length=200)
    original_name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.content_type})"


class InfoRequest(models.Model):
    """Staff ask for something missing; the reply is kept apart from the frozen answers."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="info_requests")
    audience = models.CharField(max_length=20, default="patient")  # patient or referrer
    requested_items = models.JSONField(default=list)
    message = models.TextField()
    # The language staff wrote the message in; the email and reply page use it too.
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    response = models.JSONField(default=dict, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    # A reply stays at the top of the review page, and marked in the queue, until staff mark it read.
    reply_read_at = models.DateTimeField(null=True, blank=True)
    reply_read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Information request for {self.referral}"


class AccessEvent(models.Model):
    """One read of patient data by staff: a review page, a document, an export (referrals.audit).

    Holds no PHI (the reference code is not PHI), so retention can purge a referral's answers and
    documents without touching it. Nobody edits or deletes these rows through the app.
    """

    class Action(models.TextChoices):
        VIEW_REFERRAL = "view_referral", "Viewed a referral's review page"
        VIEW_SUMMARY = "view_summary", "Viewed a referral's printable summary"
        DOWNLOAD_DOCUMENT = "download_document", "Downloaded a document"
        EXPORT = "export", "Exported referrals"
        VIEW_QUEUE = "view_queue", "Saw a referral listed in the queue"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40, choices=Action.choices)
    referral = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    referral_reference = models.CharField(max_length=11, blank=True, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    path = models.CharField(max_length=200, blank=True)
    # A repeat of an earlier read (same user, action and record within a few minutes) points at the
    # first read of its run; the audit list shows one line per run, every read is still a row.
    first_read = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="repeats", editable=False
    )

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "action", "at"], name="access_user_action_at")]
        verbose_name = "record read"
        verbose_name_plural = "record reads"

    def __str__(self):
        return f"{self.username or 'unknown'}: {self.get_action_display()} {self.referral_reference}".strip()


class RoleGrant(models.Model):
    """One staff role given to one person: proposed, then active (with its group) or withdrawn.

    The role's Django group (and so its permissions) is added only when the grant becomes active.
    A role that can clear referrals (clinician) becomes active only when a second person confirms
    it (referrals/staff_accounts.py says who may); the other roles are active when proposed.
    """

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", "Intake coordinator"
        CLINICIAN = "clinician", "Clinician"
        CLINIC_ADMIN = "clinic_admin", "Clinic admin"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for a second person to confirm"
        ACTIVE = "active", "Active"
        WITHDRAWN = "withdrawn", "Withdrawn"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=20, choices=Role.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = "role proposal"
        verbose_name_plural = "role proposals"
        permissions = [("manage_staff", "Can create staff accounts, propose roles and reset sign-in")]
        constraints = [
            # At most one live (pending or active) grant of a role per person.
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(state__in=["pending", "active"]),
                name="one_live_grant_per_role",
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()} for {self.user}: {self.get_state_display()}"


class StaffAccount(User):
    """Staff accounts as the clinic's own staff pages show them (referrals/admin/staff.py)."""

    class Meta:
        proxy = True
        verbose_name = "staff account"
        verbose_name_plural = "staff accounts"


class SavedIntake(models.Model):
    """An unfinished self-referral the patient saved to finish later (PHI at rest, like a session).

    Only the resume link's hash is stored; the link works once, after the date of birth. Staff
    never see these: there is no admin for them, and `purge_expired` removes them (and their
    uploads) once `expires_at` has passed.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField()
    date_of_birth = models.DateField()
    state = models.JSONField(default=dict)  # the wizard's stored data (answers as posted, extra data)
    current_step = models.CharField(max_length=40)
    # Uploaded documents of this intake are kept under this key until the patient resumes.
    upload_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Saved intake {self.pk}"
