"""Small staff forms for the review workspace; each feeds one workflow function."""

from django import forms

from referrals import info_items
from referrals.models import ClearanceItem, Finding


class ConfirmForm(forms.Form):
    """Nothing to fill in: posting it is the confirmation."""


class RequestInfoForm(forms.Form):
    audience = forms.ChoiceField(
        label="Ask",
        choices=[("patient", "The patient"), ("referrer", "The referring clinician")],
        widget=forms.RadioSelect,
        initial="patient",
    )
    items = forms.MultipleChoiceField(
        label="What is missing",
        choices=info_items.choices_for(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one thing you need."},
        help_text="The reply page asks only for what you tick.",
    )
    language = forms.ChoiceField(
        label="Language of the message",
        choices=[("en", "English"), ("es", "Spanish")],
        widget=forms.RadioSelect,
        initial="en",
        required=False,  # left out: the language of the patient's forms
        help_text="Write the message in this language: the patient's email and reply page use it too. "
        "A referring clinician is always written to in English.",
    )
    message = forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="Shown on the reply page, after the person confirms the date of birth. It is never emailed.",
        error_messages={"required": "Write a short message saying what you need and why."},
    )

    def __init__(self, *args, referral=None, **kwargs):
        super().__init__(*args, **kwargs)
        if referral is not None and not referral.referrer_id:
            self.fields["audience"].choices = [("patient", "The patient")]
        if referral is not None and referral.language in dict(self.fields["language"].choices):
            self.fields["language"].initial = referral.language  # the language of the patient's forms

    def clean(self):
        cleaned = super().clean()
        audience = cleaned.get("audience")
        allowed = {key for key, _label in info_items.choices_for(audience)} if audience else set()
        wrong = [key for key in cleaned.get("items") or [] if key not in allowed]
        if wrong:
            self.add_error("items", "Some ticked items cannot be asked of the referring clinician: "
                           + "; ".join(info_items.labels(wrong)) + ".")  # fmt: skip
        if audience == "referrer":
            cleaned["language"] = "en"  # the clinicians' pages and emails are English
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text="For the record; staff only.",
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Reason for declining (staff record)",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": "Give the reason for declining."},
        help_text="Kept on the referral for staff. The patient and referrer get the clinic's kind, templated "
        "message with a link to the status page; call the patient to explain.",
    )


class ChecklistItemForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=ClearanceItem.ItemStatus.choices)
    reason = forms.CharField(
        label="Reason (needed to waive or mark not applicable)", max_length=1000, required=False
    )
    note = forms.CharField(label="Note", max_length=1000, required=False)

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if (
            status in (ClearanceItem.ItemStatus.WAIVED, ClearanceItem.ItemStatus.NOT_APPLICABLE)
            and not (cleaned.get("reason") or "").strip()
        ):
            self.add_error("reason", "Give a reason to waive an item or mark it not applicable.")
        return cleaned


class ResolveFindingForm(forms.Form):
    # No answer is preselected: a clinician picks one on purpose (a default "confirmed" was too easy
    # to submit by mistake). The empty first option keeps the browser from submitting without one.
    resolution = forms.ChoiceField(
        label="Resolution",
        choices=[("", "Choose a resolution"), *Finding.Resolution.choices],
        error_messages={"required": "Choose a resolution: confirmed, dismissed or overridden."},
    )
    note = forms.CharField(label="Note or reason", max_length=2000)

    def __init__(self, *args, finding=None, **kwargs):
        super().__init__(*args, **kwargs)
        if finding is not None and finding.severity == Finding.Severity.ABSOLUTE:
            # Spec §4.2: an absolute finding clears only by dismissal or override with a reason;
            # confirming it is recorded, but it then blocks clearing (the usual outcome is a decline).
            self.fields["resolution"].help_text = (
                "Absolute: dismiss (not present) or override (risk accepted) with a reason. Confirming it "
                "blocks clearing."
            )
        self.fields["note"].error_messages["required"] = "Write a note or reason."
