"""Field helpers shared by the public forms: plain yes/no radios, dates, phone numbers."""

import re
from collections.abc import Iterable
from datetime import date

from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from referrals import screening


def coded(codes: Iterable[str], labels: dict[str, str]) -> list[tuple[str, str]]:
    """Choices whose codes are the screening core's and whose wording is the patient's, in the labels' order.

    A code without a label (or a label without a code) stops the app at import, so a choice the core
    adds cannot go unasked, and a form cannot send a code the core would refuse.
    """
    mismatch = set(codes) ^ set(labels)
    if mismatch:
        raise ImproperlyConfigured(f"Form choices and screening codes differ: {sorted(mismatch)}")
    return list(labels.items())


YES_NO = [("yes", _("Yes")), ("no", _("No"))]  # a yes/no question answers True or False
YES_NO_UNSURE = coded(screening.YES_NO_UNSURE, {"yes": _("Yes"), "no": _("No"), "unsure": _("Not sure")})


def _enter_message(label) -> str:
    """ "Enter first name" in English; in another language, a sentence that quotes the question."""
    text_ = str(label)
    if (get_language() or "en").split("-")[0] == "en":
        return f"Enter {text_[0].lower() + text_[1:]}"
    return gettext("Answer this question: %(label)s") % {"label": text_}


enter_message = lazy(_enter_message, str)

# Characters that have no place in any free text we keep (NUL and other control characters).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class CleanCharField(forms.CharField):
    """A CharField that refuses control characters with a clear message."""

    def to_python(self, value):
        value = super().to_python(value)
        if value and _CONTROL.search(value):
            raise ValidationError(_("Remove the unusual hidden characters from this answer."), code="control")
        return value


def text(
    label, *, required=True, max_length=200, help_text="", textarea=False, rows=3, widget=None, **kwargs
):
    if textarea:
        widget = forms.Textarea(attrs={"rows": rows})
    field = CleanCharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=widget,
        error_messages={
            "required": kwargs.pop("required_message", None) or enter_message(label),
            "max_length": format_lazy(
                _("Keep this under {max_length} characters (you have typed %(show_value)d)."),
                max_length=max_length,
            ),
        },
        **kwargs,
    )
    return field


def yes_no(label, *, help_text="", required_message=None, unsure=False):
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO_UNSURE if unsure else YES_NO,
        coerce=(str if unsure else (lambda v: v == "yes")),
        widget=forms.RadioSelect,
        help_text=help_text,
        error_messages={
            "required": required_message or _("Choose an answer"),
            "invalid_choice": _("Choose one of the answers shown"),
        },
    )


def choice(label, choices, *, help_text="", required=True, required_message=None, widget=forms.RadioSelect):
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        widget=widget,
        help_text=help_text,
        error_messages={
            "required": required_message or _("Choose an answer"),
            "invalid_choice": _("Choose one of the answers shown"),
        },
    )


def multi(label, choices, *, help_text="", required=False):
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=required,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
        error_messages={
            "invalid_choice": _("Choose only from the options shown"),
            "required": _("Choose at least one"),
        },
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def date_of_birth(label=None):
    return forms.DateField(
        label=label or _("Date of birth"),
        widget=DateInput(attrs={"autocomplete": "bday"}),
        input_formats=["%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y"],
        help_text=_("For example, 03/27/1980."),
        error_messages={
            "required": _("Enter your date of birth"),
            "invalid": _("Enter a real date of birth, for example 03/27/1980"),
        },
    )


def check_birth_date(value: date, today: date) -> date:
    if value > today:
        raise ValidationError(_("Your date of birth must be in the past"), code="future")
    if value.year < today.year - 120:
        raise ValidationError(_("Check the year of your date of birth"), code="too_old")
    return value


PHONE_DIGITS = re.compile(r"\D")


def phone(label, *, required=True, help_text="", autocomplete="tel"):
    return PhoneField(
        label=label,
        required=required,
        help_text=help_text or _("A US number, for example (555) 010-0123."),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": autocomplete, "inputmode": "tel"}),
        error_messages={"required": enter_message(label)},
    )


class PhoneField(CleanCharField):
    """US phone numbers: 10 digits (an optional leading 1), stored as (555) 010-0123."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        if not re.fullmatch(r"[0-9()+.\-\s]+", value):
            raise ValidationError(
                _("Enter a phone number using only digits, spaces and ( ) - +"), code="chars"
            )
        digits = PHONE_DIGITS.sub("", value)
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        if len(digits) != 10:
            raise ValidationError(
                _("Enter a 10-digit US phone number, for example (555) 010-0123"), code="length"
            )
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
