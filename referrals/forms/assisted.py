"""Forms for referrals staff enter for someone: verbal consent on a phone call, a letter received by fax or mail."""

from django import forms
from django.core.exceptions import ValidationError

from referrals.forms.fields import CleanCharField, choice
from referrals.forms.intake import StepForm
from referrals.forms.provider import ProviderReferralForm
from referrals.models import Referral


def staff_name(user) -> str:
    """The name a staff member attests with: their full name, or their username if none is set."""
    return " ".join((user.get_full_name() or user.get_username()).split())


# The call's language; staff pages are English, so these are English names.
CALL_LANGUAGES = [("en", "English"), ("es", "Spanish"), ("other", "Another language, with an interpreter")]


class VerbalConsentForm(StepForm):
    """The phone call's consent step: the caller agrees aloud; the coordinator attests to it.

    Its cleaned data keeps the keys of the typed-signature step (`accurate`, `privacy`,
    `electronic`, `signature`) so the shared submission code reads it unchanged; the signature is
    empty and the attestation is added by the staff wizard.
    """

    title = "Consent given on the call"
    intro = "Read each statement to the caller and tick it only when they agree aloud. Then attest with your own name."

    accurate = forms.BooleanField(
        label="The caller confirmed that the information they gave is true and complete to the best of their "
        "knowledge.",
        error_messages={"required": "Confirm that the caller said their information is accurate"},
    )
    privacy = forms.BooleanField(
        label="I read the caller the privacy summary, and they agreed that the clinic may use their information "
        "to review the referral.",
        error_messages={"required": "Confirm that the caller agreed to the privacy summary"},
    )
    electronic = forms.BooleanField(
        label="The caller agreed to receive emails and texts about the referral (a reference code and links only, "
        "never health details).",
        error_messages={"required": "Confirm that the caller agreed to messages about the referral"},
    )
    call_language = forms.ChoiceField(
        label="Language of the call",
        choices=CALL_LANGUAGES,
        widget=forms.RadioSelect,
        required=False,
        initial="en",
        help_text="Recorded as the caller's preferred language. If Spanish, their emails and links are in "
        "Spanish; for another language they are in English, so plan calls with an interpreter.",
        error_messages={"invalid_choice": "Choose one of the languages shown"},
    )
    other_language = CleanCharField(
        label="Which language? (only for another language)",
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    send_status_link = forms.BooleanField(
        label="Email the caller their reference code and the link to check the status.",
        required=False,
        initial=True,
        help_text="The email says nothing about this call or the answers.",
    )
    attest = forms.BooleanField(
        label="I attest that the caller gave these agreements verbally on this call, and that I entered their "
        "answers as they gave them.",
        error_messages={"required": "Tick the attestation: it takes the place of the caller's signature"},
    )
    attested_name = CleanCharField(
        label="Your full name, as attestation",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Type your own full name to attest"},
    )

    def clean_attested_name(self):
        name = " ".join(self.cleaned_data["attested_name"].split())
        expected = self.context.get("staff_name", "")
        if expected and name.casefold() != expected.casefold():
            raise ValidationError(f"Type your own name as your account has it: {expected}", code="mismatch")
        return name

    def clean(self):
        cleaned = super().clean()
        cleaned["signature"] = ""  # no typed signature: the attestation takes its place
        if cleaned.get("call_language") == "other" and not cleaned.get("other_language"):
            self.add_error("other_language", "Type the language of the call")
        if cleaned.get("call_language") != "other":
            cleaned["other_language"] = ""
        return cleaned

    @staticmethod
    def languages(cleaned: dict) -> dict:
        """What the call's language means for the referral: the preferred language, and the
        language of the patient's emails (Spanish for a Spanish call, English otherwise)."""
        spoken = cleaned.get("call_language") or ""
        if spoken == "other":
            return {"language": "en", "preferred_language": cleaned.get("other_language", "")}
        return {
            "language": "es" if spoken == "es" else "en",
            "preferred_language": dict(CALL_LANGUAGES).get(spoken, "") if spoken else "",
        }


RECEIVED_CHOICES = [
    (Referral.Channel.FAX.value, "By fax"),
    (Referral.Channel.MAIL.value, "By mail"),
]

# The clinicians' form speaks to the clinician; staff typing in a letter read it about them.
STAFF_LEGENDS = {
    "About you, the referring clinician": "The referring clinician",
    "Your patient": "The patient",
    "Why you are referring": "Why they are referring",
}


class ReceivedReferralForm(ProviderReferralForm):
    """The provider referral form, worded for a coordinator typing in a letter received by fax or mail.

    The same fields and checks (NPI, ICD-10-CM codes, the letter's content checks) as the
    clinician's own form; only the wording and how the letter arrived differ.
    """

    groups = {
        "How the letter arrived": ["received_via"],
        **{STAFF_LEGENDS.get(legend, legend): names for legend, names in ProviderReferralForm.groups.items()},
    }

    received_via = choice(
        "How did the referral letter arrive?", RECEIVED_CHOICES, required_message="Choose fax or mail"
    )

    LABELS = {
        "referrer_name": "Referring clinician's full name",
        "referrer_credentials": "Their credentials",
        "npi": "Their NPI",
        "practice": "Practice or organization",
        "referrer_phone": "Practice phone number",
        "referrer_fax": "Practice fax number",
        "referrer_email": "Practice secure email or Direct address",
        "patient_aware": "The letter says that the patient knows about this referral and agrees that the clinic "
        "may contact them.",
        "reason": "Reason for referral and clinical question, from the letter",
        "referral_letter": "The referral letter (scanned)",
    }
    HELP = {
        "npi": "The 10-digit National Provider Identifier on the letter. It is checked for typos.",
        "referrer_email": "We email the clinician only the reference code and status updates.",
        "email": "We email the patient a private link to answer their health questions.",
        "urgency": "As the letter says. If the letter suggests the patient is at risk now, tell a clinician "
        "straight away.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.LABELS.items():
            self.fields[name].label = label
        for name, help_text in self.HELP.items():
            self.fields[name].help_text = help_text
        self.fields["npi"].error_messages["required"] = "Enter the referring clinician's NPI"
        self.fields["referrer_email"].error_messages["required"] = (
            "Enter the practice's secure email or Direct address"
        )
        self.fields["patient_aware"].error_messages["required"] = (
            "Confirm that the letter says the patient knows about this referral; if it does not, call the "
            "practice first"
        )
        self.required_kinds = {
            "referral_letter": "Attach the scanned referral letter as a PDF, JPEG or PNG file"
        }
