"""Template context shared by every page: the clinic's configured details, in the page's language."""

from django.conf import settings
from django.utils import translation


def clinic_in(language: str | None) -> dict:
    """settings.CLINIC with its patient-visible text in `language` where the clinic has it.

    CLINIC["translations"][language] replaces values key by key (nested dicts such as "care" and
    "prices" too); anything it leaves out stays as configured (see clinic/settings.py).
    """
    values = settings.CLINIC
    overrides = values.get("translations", {}).get(language)
    if not overrides:
        return values
    merged = dict(values)
    for key, value in overrides.items():
        merged[key] = {**values.get(key, {}), **value} if isinstance(value, dict) else value
    return merged


def clinic(request):
    return {"clinic": clinic_in(translation.get_language())}
