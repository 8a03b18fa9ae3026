"""The provider referral: one page for a referring clinician, with the referral letter attached."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from referrals.forms.documents import UploadFormMixin, file_field
from referrals.forms.fields import CleanCharField, check_birth_date, choice, text
from referrals.forms.fields import date_of_birth as birth_date_field
from referrals.forms.fields import phone as phone_field
from referrals.forms.intake import FLAT_INDICATIONS, INDICATION_CHOICES
from referrals.models import Document
from referrals.validators_core import normalise_icd10, npi_is_valid

# Common ICD-10-CM codes for the program's indications (clinical-research §5.3; verify against the
# current fiscal-year code set each October). Any other valid code can be typed.
COMMON_ICD10 = [
    (
        "Pain",
        [
            ("G90.50", "G90.50 Complex regional pain syndrome I, unspecified"),
            ("G90.511", "G90.511 CRPS I of right upper limb"),
            ("G90.512", "G90.512 CRPS I of left upper limb"),
            ("G90.521", "G90.521 CRPS I of right lower limb"),
            ("G90.522", "G90.522 CRPS I of left lower limb"),
            ("G56.40", "G56.40 Causalgia (CRPS II) of unspecified upper limb"),
            ("G57.70", "G57.70 Causalgia (CRPS II) of unspecified lower limb"),
            ("M79.7", "M79.7 Fibromyalgia"),
            ("G43.909", "G43.909 Migraine, unspecified, not intractable, without status migrainosus"),
            ("G50.0", "G50.0 Trigeminal neuralgia"),
            ("B02.29", "B02.29 Other postherpetic nervous system involvement"),
            ("G54.6", "G54.6 Phantom limb syndrome with pain"),
            ("E11.42", "E11.42 Type 2 diabetes with diabetic polyneuropathy"),
            ("G89.0", "G89.0 Central pain syndrome"),
            ("G89.29", "G89.29 Other chronic pain"),
            ("G89.4", "G89.4 Chronic pain syndrome"),
            ("M54.50", "M54.50 Low back pain, unspecified"),
        ],
    ),
    (
        "Mental health",
        [
            ("F32.2", "F32.2 Major depressive disorder, single episode, severe without psychotic features"),
            ("F33.1", "F33.1 Major depressive disorder, recurrent, moderate"),
            ("F33.2", "F33.2 Major depressive disorder, recurrent, severe without psychotic features"),
            (
                "F31.4",
                "F31.4 Bipolar disorder, current episode depressed, severe, without psychotic features",
            ),
            ("F31.81", "F31.81 Bipolar II disorder"),
            ("F43.10", "F43.10 Post-traumatic stress disorder, unspecified"),
            ("F43.12", "F43.12 Post-traumatic stress disorder, chronic"),
            ("F41.1", "F41.1 Generalized anxiety disorder"),
            ("F42.2", "F42.2 Mixed obsessional thoughts and acts"),
            ("R45.851", "R45.851 Suicidal ideations"),
        ],
    ),
]
URGENCY_CHOICES = [
    ("routine", "Routine"),
    ("soon", "Soon: please see within 2 weeks if possible"),
]
CREDENTIAL_HELP = "For example MD, DO, NP, PA or PMHNP."


class NPIField(CleanCharField):
    def clean(self, value):
        value = super().clean(value)
        digits = re.sub(r"[\s-]", "", value or "")
        if not re.fullmatch(r"[0-9]{10}", digits):
            raise ValidationError("Enter the NPI as 10 digits, for example 1234567893", code="format")
        if not npi_is_valid(digits):
            raise ValidationError(
                "This is not a valid NPI: its last digit does not match the others. Check it for a typo.",
                code="checksum",
            )
        return digits


PATIENT_LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("other", "Another language (we arrange a free interpreter; emails stay in English)"),
]
SPOKEN = {"en": "English", "es": "Spanish"}


class ProviderReferralForm(UploadFormMixin, forms.Form):
    upload_fields = {"referral_letter": Document.Kind.REFERRAL_LETTER, "other_files": Document.Kind.RECORDS}
    required_kinds = {"referral_letter": "Attach the referral letter as a PDF, JPEG or PNG file"}
    groups = {
        "About you, the referring clinician": [
            "referrer_name", "referrer_credentials", "npi", "practice", "referrer_phone", "referrer_fax",
            "referrer_email",
        ],
        "Your patient": [
            "first_name", "last_name", "date_of_birth", "email", "phone", "patient_language",
            "patient_language_other", "patient_aware",
        ],
        "Why you are referring": [
            "indication", "secondary_indications", "icd10_common", "icd10_other", "reason", "urgency",
        ],
        "Medicines and history": ["medications", "history"],
        "Attachments": ["referral_letter", "other_files"],
    }  # fmt: skip

    referrer_name = text(
        "Your full name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    referrer_credentials = text("Your credentials", max_length=100, help_text=CREDENTIAL_HELP)
    npi = NPIField(
        label="Your NPI",
        max_length=20,
        help_text="Your 10-digit National Provider Identifier.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": "Enter your NPI"},
    )
    practice = text(
        "Practice or organization",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    referrer_phone = phone_field("Your practice phone number", autocomplete="work tel")
    referrer_fax = phone_field("Fax number", required=False, autocomplete="off", help_text="Optional.")
    referrer_email = forms.EmailField(
        label="Secure email or Direct address",
        max_length=200,
        help_text="We email you only the reference code and status updates, never clinical details.",
        widget=forms.EmailInput(attrs={"autocomplete": "work email"}),
        error_messages={
            "required": "Enter your secure email or Direct address",
            "invalid": "Enter an email address in the right format, like name@practice.example.com",
        },
    )

    first_name = text(
        "Patient's first name",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        required_message="Enter the patient's first name",
    )
    last_name = text(
        "Patient's last name",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        required_message="Enter the patient's last name",
    )
    date_of_birth = birth_date_field("Patient's date of birth")
    email = forms.EmailField(
        label="Patient's email address",
        max_length=200,
        help_text="We email the patient a private link to answer their health questions.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        error_messages={
            "required": "Enter the patient's email address: we send them a link to complete the referral",
            "invalid": "Enter an email address in the right format, like name@example.com",
        },
    )
    phone = phone_field("Patient's phone number", autocomplete="off")
    phone.error_messages["required"] = "Enter the patient's phone number"
    # The patient's emails and completion link are in this language (English or Spanish).
    patient_language = choice(
        "Patient's preferred language",
        PATIENT_LANGUAGES,
        required=False,
        help_text="We email the patient, and they answer their questions, in English or Spanish.",
    )
    patient_language_other = text("Other language", required=False, max_length=60)
    patient_aware = forms.BooleanField(
        label="The patient knows about this referral and agrees that the clinic may contact them.",
        error_messages={"required": "Confirm that the patient knows about this referral"},
    )

    indication = choice(
        "Main reason for referral",
        INDICATION_CHOICES,
        required_message="Choose the main reason for referral",
    )
    secondary_indications = forms.MultipleChoiceField(
        label="Other reasons that also apply",
        choices=INDICATION_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Optional. Tick all that apply.",
        error_messages={"invalid_choice": "Choose only from the reasons shown"},
    )
    icd10_common = forms.MultipleChoiceField(
        label="ICD-10-CM codes: common codes",
        choices=COMMON_ICD10,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick any that apply, or type codes in the next box. Treatment-resistant depression has no "
        "code of its own: code the depressive episode.",
        error_messages={"invalid_choice": "Choose only from the codes shown"},
    )
    icd10_other = text(
        "Other ICD-10-CM codes",
        required=False,
        max_length=200,
        help_text="Separate codes with commas, for example F33.2, G90.50.",
    )
    reason = text(
        "Reason for referral and your clinical question",
        max_length=4000,
        textarea=True,
        rows=4,
        help_text="Include how long the condition has lasted and what has been tried.",
        required_message="Enter the reason for referral",
    )
    urgency = choice(
        "Urgency",
        URGENCY_CHOICES,
        help_text="This service cannot respond to emergencies. If your patient is at immediate risk, "
        "call 911 or the 988 Suicide & Crisis Lifeline.",
        required_message="Choose how urgent this referral is",
    )
    medications = text(
        "Current medicines and allergies",
        max_length=4000,
        textarea=True,
        rows=4,
        help_text="Include doses. Write \u201cnone\u201d if there are none.",
        required_message="List the patient's medicines and allergies, or write \u201cnone\u201d",
    )
    history = text(
        "Relevant history",
        max_length=4000,
        textarea=True,
        rows=4,
        help_text="For example cardiac, liver or neurological history; psychosis, bipolar disorder or substance "
        "use; the most recent blood pressure and its date; current suicide risk.",
        required_message="Enter the relevant history, or write \u201cnone known\u201d",
    )
    referral_letter = file_field(
        "Referral letter",
        multiple=False,
        help_text="Required. A PDF, JPEG or PNG file of up to 10 MB.",
    )
    other_files = file_field(
        "Other records",
        help_text="Optional. Recent notes, psychiatric evaluation, labs or ECG. Up to 5 files in all, including "
        "the letter.",
    )
    submission_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date_of_birth"].error_messages.update(
            required="Enter the patient's date of birth",
            invalid="Enter a real date of birth for the patient, for example 03/27/1980",
        )
        remove = self.data.getlist("remove_document") if hasattr(self.data, "getlist") else ()
        self.init_uploads(owner, remove)

    def clean_date_of_birth(self):
        try:
            return check_birth_date(self.cleaned_data["date_of_birth"], timezone.localdate())
        except ValidationError as error:
            raise ValidationError(
                "The patient's date of birth must be in the past"
                if error.code == "future"
                else "Check the year of the patient's date of birth",
                code=error.code,
            ) from None

    def clean_icd10_other(self):
        raw = self.cleaned_data.get("icd10_other") or ""
        codes, bad = [], []
        for part in re.split(r"[,;\s]+", raw):
            if not part:
                continue
            try:
                codes.append(normalise_icd10(part))
            except ValueError:
                bad.append(part[:20])
        if bad:
            listed = ", ".join(f"\u201c{b}\u201d" for b in bad)
            raise ValidationError(
                f"{listed} {'is not an ICD-10-CM code' if len(bad) == 1 else 'are not ICD-10-CM codes'}. "
                "A code is a letter, a digit and a letter or digit, then up to 4 more after a dot, like F33.2 "
                "or G90.50.",
                code="icd10",
            )
        return codes

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("patient_language") == "other"
            and not (cleaned.get("patient_language_other") or "").strip()
        ):
            self.add_error("patient_language_other", "Enter the language the patient prefers")
        main = cleaned.get("indication")
        secondary = [c for c in cleaned.get("secondary_indications") or [] if c != main]
        cleaned["secondary_indications"] = secondary
        codes = list(
            dict.fromkeys([*(cleaned.get("icd10_common") or []), *(cleaned.get("icd10_other") or [])])
        )
        if not codes and not self.has_error("icd10_other"):
            self.add_error("icd10_other", "Tick or type at least one ICD-10-CM code")
        cleaned["icd10_codes"] = codes
        return self.clean_uploads(cleaned)

    def submission(self) -> tuple[dict, dict, dict]:
        """(referrer, identity, provider_details) for workflow.create_provider_referral."""
        c = self.cleaned_data
        referrer = {
            "name": c["referrer_name"],
            "credentials": c["referrer_credentials"],
            "npi": c["npi"],
            "practice": c["practice"],
            "phone": c["referrer_phone"],
            "fax": c.get("referrer_fax") or "",
            "email": c["referrer_email"],
        }
        identity = {key: c[key] for key in ("first_name", "last_name", "date_of_birth", "email", "phone")}
        labels = dict(FLAT_INDICATIONS)
        details = {
            # The provider's own values, kept so staff can compare them with what the patient confirms.
            "patient": {**identity, "date_of_birth": c["date_of_birth"].isoformat()},
            "patient_aware": c["patient_aware"],
            "indication": c["indication"],
            "indication_label": str(labels.get(c["indication"], c["indication"])),  # plain text for JSON
            "secondary_indications": c["secondary_indications"],
            "icd10_codes": c["icd10_codes"],
            "reason": c["reason"],
            "urgency": c["urgency"],
            "medications": c["medications"],
            "history": c["history"],
            # The forms' language for the patient's emails and completion link, and what they prefer.
            "language": "es" if c.get("patient_language") == "es" else "en",
            "preferred_language": SPOKEN.get(c.get("patient_language") or "")
            or (c.get("patient_language_other") or "").strip(),
        }
        return referrer, identity, details
