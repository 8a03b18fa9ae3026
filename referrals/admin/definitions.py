"""The clinic's editable definitions: screening policy, rules, clearance steps, questionnaire wording.

Clinic admins edit them; nothing is deleted. The policy and the wording are versioned (every save
adds a row); rules and steps are edited in place with every before-and-after value kept in the
admin history (none of these hold patient data).
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from referrals import definitions_cache
from referrals.admin.read_only import ReadOnlyAdminMixin
from referrals.models import (
    ClearanceStepDefinition,
    ContraindicationRule,
    Notification,
    QuestionnaireText,
    ScreeningPolicy,
)
from referrals.questionnaires import (
    default_texts,
    scored_parts,
    structure_problems,
    with_keyed_options,
)


class HistoryMixin:
    """Record before and after values of every changed field in the admin history."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Review pages read rule titles and step help from the cache: show the new text at once.
        definitions_cache.forget()

    def construct_change_message(self, request, form, formsets, add=False):
        if add or not form.changed_data:
            return super().construct_change_message(request, form, formsets, add)
        parts = []
        for name in form.changed_data:
            label = form.fields[name].label or name
            before = form.initial.get(name)
            after = form.cleaned_data.get(name)
            parts.append(f"{label}: {before!r} \u2192 {after!r}")
        return "Changed " + "; ".join(parts) + "."

    def has_delete_permission(self, request, obj=None):
        return False


class VersionedAdmin(admin.ModelAdmin):
    """Every save adds a new version; earlier versions stay as they were."""

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = None
        obj._state.adding = True
        if hasattr(obj, "created_by_id"):
            obj.created_by = request.user
        super().save_model(request, obj, form, False)
        if change:
            messages.info(request, "Saved as a new version. The earlier version is kept unchanged.")

    def response_change(self, request, obj):
        # The saved object is a new row; send the user to the list where it shows as current.
        return self.response_post_save_change(request, obj)


POLICY_HELP = {
    "bp_severe_systolic": "Absolute finding at or above this (default 160). Sources disagree: the Spravato "
    "label uses 140/90 as a guide to weigh delaying, the Swiss ketamine label contraindicates above 180/100, "
    "ACC/AHA 2017 calls ≥180/120 severe. 160/100 is a clinic choice between them (research §2.6).",
    "bp_severe_diastolic": "Absolute finding at or above this (default 100). See the systolic note.",
    "bp_elevated_systolic": "Relative finding at or above this, below the severe limit (default 140: "
    "Spravato general guide, ACC/AHA stage 2).",
    "bp_elevated_diastolic": "Relative finding at or above this, below the severe limit (default 90).",
    "min_age": "Under this age is an absolute finding (default 18; esketamine is not approved under 18).",
    "older_adult_age": "At or above this age is a relative finding: blood-pressure surges are larger with "
    "age (default 65).",
    "ecg_age": "At or above this age an ECG is required (default 50; Cohen 2018 asks for an ECG at high "
    "cardiovascular risk).",
    "bmi_limit": "BMI at or above this is an airway relative finding (default 35).",
    "cardiac_lookback_months": "Window for a recent heart attack, unstable angina, heart-failure admission, "
    "stroke or TIA; it shapes the question's wording (default 6).",
    "substance_lookback_months": "Window for an active substance-use problem; it shapes the question's "
    "wording (default 3). Sources differ from 'active' (Cohen 2018) to a year's abstinence.",
    "pc_ptsd5_cutoff": "A PC-PTSD-5 total at or above this is positive (default 3).",
    "psychosis_history_severity": "Cohen 2018 names only active psychosis; the Spravato label says weigh "
    "benefit and risk; some programs exclude any history. Relative is the default.",
    "change_note": "Why this version was made, for the history (for example, 'Medical director approved "
    "BP limits on 3 March').",
}


# The fields' names as a clinic says them (the model's names read "Bp severe systolic", "Bmi limit").
POLICY_LABELS = {
    "bp_severe_systolic": "Severe blood pressure: top number (systolic, mmHg)",
    "bp_severe_diastolic": "Severe blood pressure: bottom number (diastolic, mmHg)",
    "bp_elevated_systolic": "High blood pressure: top number (systolic, mmHg)",
    "bp_elevated_diastolic": "High blood pressure: bottom number (diastolic, mmHg)",
    "min_age": "Youngest age accepted (years)",
    "older_adult_age": "Older adult from age (years)",
    "ecg_age": "ECG needed from age (years)",
    "bmi_limit": "Body mass index (BMI) limit",
    "cardiac_lookback_months": "Recent heart event: how far back to ask (months)",
    "substance_lookback_months": "Active substance use: how far back to ask (months)",
    "pc_ptsd5_cutoff": "PTSD screen (PC-PTSD-5): positive from this score",
    "psychosis_history_severity": "Past psychosis counts as",
    "change_note": "Why this change",
}


class ScreeningPolicyForm(forms.ModelForm):
    class Meta:
        model = ScreeningPolicy
        fields = [*POLICY_HELP]
        help_texts = POLICY_HELP
        labels = POLICY_LABELS

    def clean_change_note(self):
        note = self.cleaned_data.get("change_note", "").strip()
        if not note:
            raise forms.ValidationError("Say why this version is being made.")
        return note


@admin.register(ScreeningPolicy)
class ScreeningPolicyAdmin(VersionedAdmin):
    form = ScreeningPolicyForm
    list_display = ["__str__", "is_current", "created_at", "created_by", "change_note"]
    list_select_related = ["created_by"]
    readonly_fields = ["created_at", "created_by"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Information pages may quote policy values (the ECG age, the BMI limit): render them anew.
        from clinic.middleware import forget_info_pages

        forget_info_pages()

    @admin.display(description="Current", boolean=True)
    def is_current(self, obj):
        current = getattr(self, "_current_pk", None)
        return obj.pk == current

    def changelist_view(self, request, extra_context=None):
        self._current_pk = ScreeningPolicy.objects.order_by("-id").values_list("pk", flat=True).first()
        return super().changelist_view(request, extra_context)


class QuestionnaireTextForm(forms.ModelForm):
    class Meta:
        model = QuestionnaireText
        fields = ["version", "language", "texts", "change_note"]
        help_texts = {
            "version": "A new name for this wording (for example 'official-2026.2' or 'official-es-2026.2'); "
            "each referral records the version its patient saw.",
            "language": "The language of these words. Patients see the newest wording in the language of the "
            "page they fill in; staff always see the answers with English labels.",
            "texts": "The wording keyed by instrument. Item counts, order and options are fixed by the "
            "instruments, in every language; only the words may change. Each answer option is keyed by the "
            'score it carries ("0" to "3"), and every score needs exactly one label, so new words cannot '
            "move a label to another score.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out of a post, the language is the version's being changed (English for a new one).
        self.fields["language"].required = False
        # Start from the words shown (this version, or the one in use in the language asked for),
        # with each option keyed by its score.
        if not self.is_bound:
            if self.instance.pk:
                base = self.instance.texts
            else:
                language = self.initial.get("language") or "en"
                if language not in dict(settings.LANGUAGES):
                    language = "en"
                self.initial["language"] = language
                current = QuestionnaireText.current(language)
                base = current.texts if current else default_texts(language)[1]
            self.initial["texts"] = with_keyed_options(base)

    def clean_version(self):
        version = self.cleaned_data["version"].strip()
        if QuestionnaireText.objects.filter(version=version).exists():
            raise forms.ValidationError(
                "That version name is taken. Give the new wording a new version name."
            )
        return version

    def clean_language(self):
        return self.cleaned_data.get("language") or (self.instance.language if self.instance.pk else "en")

    def clean_texts(self):
        # The same structure check in every language: the scoring reads item n and score s the same way.
        texts = self.cleaned_data["texts"]
        problems = structure_problems(texts, keyed=True)
        if problems:
            raise forms.ValidationError(problems)
        return texts


def scores_table(texts) -> str:
    """Each scored answer option of the wording beside the score it carries."""
    parts = scored_parts(texts)
    if not parts:
        return "No scored answer options."
    return format_html_join(
        "",
        '<table class="answer-scores"><caption>{}</caption><thead><tr><th scope="col">Score</th>'
        '<th scope="col">Label</th></tr></thead><tbody>{}</tbody></table>',
        ((name, format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", options)) for name, options in parts),
    )


@admin.register(QuestionnaireText)
class QuestionnaireTextAdmin(VersionedAdmin):
    form = QuestionnaireTextForm
    list_display = ["version", "language", "is_current", "created_at", "change_note"]
    list_filter = ["language"]
    readonly_fields = ["answer_scores"]
    fields = ["version", "language", "texts", "answer_scores", "change_note"]

    @admin.display(description="In use for its language", boolean=True)
    def is_current(self, obj):
        return obj.pk in getattr(self, "_current_pks", ())

    def changelist_view(self, request, extra_context=None):
        self._current_pks = {
            row.pk for code, _name in settings.LANGUAGES if (row := QuestionnaireText.current(code))
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description="Answer options and their scores")
    def answer_scores(self, obj):
        if obj is None or not obj.pk:
            return format_html(
                "{}", "Shown for saved wording. In the text above, each label's key is its score."
            )
        return scores_table(obj.texts)


@admin.register(ContraindicationRule)
class ContraindicationRuleAdmin(HistoryMixin, admin.ModelAdmin):
    list_display = ["code", "title", "severity_text", "gate", "active"]
    list_filter = ["active", "gate"]
    search_fields = ["code", "title"]
    readonly_fields = ["code", "severity_text", "gate"]
    fields = ["code", "title", "severity_text", "gate", "help_text", "active"]

    def has_add_permission(self, request):
        # Rules are implemented by the screening core; a new row would fire nothing.
        return False


class StepForm(forms.ModelForm):
    class Meta:
        model = ClearanceStepDefinition
        fields = ["step_id", "title", "help_text", "gate", "kind", "condition", "order", "active"]
        help_texts = {
            "help_text": "Shown to staff beside the checklist item (research §1.2 describes each step).",
            "kind": "Administrative items may be completed by coordinators; clinical items need a clinician.",
            "gate": "Clearance: needed before a clinician can clear. Scheduling: before the first infusion.",
            "condition": "'When screening requires it' applies only to the step ids the screening core names.",
            "active": "Inactive steps are not added to new referrals; existing checklists keep theirs.",
        }


@admin.register(ClearanceStepDefinition)
class ClearanceStepDefinitionAdmin(HistoryMixin, admin.ModelAdmin):
    form = StepForm
    list_display = ["order", "step_id", "title", "gate", "kind", "condition", "active"]
    list_display_links = ["step_id"]
    list_filter = ["gate", "kind", "condition", "active"]

    def get_readonly_fields(self, request, obj=None):
        # The id is how checklists and the gates refer to a step: fixed once created.
        return ["step_id"] if obj else []


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The outbox, read-only: whether each message went out (their content is only links)."""

    list_display = ["created_at", "template", "audience", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "audience", "template"]
    fields = ["template", "audience", "status", "attempts", "last_error", "created_at", "sent_at"]
    readonly_fields = fields
