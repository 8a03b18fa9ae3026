"""The status look-up and the completion link's date-of-birth check."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from referrals.forms.fields import CleanCharField
from referrals.forms.fields import date_of_birth as shared_birth_date_field


def birth_date_field(label=None):
    """The shared date-of-birth field, its help and messages in the page's language."""
    field = shared_birth_date_field(label or _("Date of birth"))
    field.help_text = _("For example, 03/27/1980.")
    field.error_messages.update(
        {
            "required": _("Enter your date of birth"),
            "invalid": _("Enter a real date of birth, for example 03/27/1980"),
        }
    )
    return field


def normalise_reference(value: str) -> str:
    """Accept any case, with or without dashes or spaces; return the stored form KX7-4PQ-M2D."""
    chars = re.sub(r"[\s\-\u2010-\u2015]", "", value or "").upper()
    if not re.fullmatch(r"[A-Z0-9]{9}", chars):
        raise ValidationError(
            gettext("Enter the 9 letters and numbers of your reference code, for example KX7-4PQ-M2D"),
            code="format",
        )
    return f"{chars[:3]}-{chars[3:6]}-{chars[6:]}"


class StatusForm(forms.Form):
    reference = CleanCharField(
        label=_("Reference code"),
        max_length=20,
        help_text=_("It is in the email we sent you, for example KX7-4PQ-M2D."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        error_messages={"required": _("Enter your reference code")},
    )
    date_of_birth = birth_date_field(_("Patient's date of birth"))

    def clean_reference(self):
        return normalise_reference(self.cleaned_data["reference"])


class BirthDateCheckForm(forms.Form):
    date_of_birth = birth_date_field()


class SaveLaterForm(forms.Form):
    """Where to send the link that lets a patient finish their form later."""

    email = forms.EmailField(
        label=_("Email address for your link"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("We send only a link, never your answers."),
        error_messages={
            "required": _("Enter the email address where we should send your link"),
            "invalid": _("Enter an email address in the right format, like name@example.com"),
        },
    )
