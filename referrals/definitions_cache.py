"""The clinic's rule titles and step help texts, read on every review page, kept in the cache.

They change only when a clinic admin saves a rule or a step (referrals.admin.definitions calls
`forget()`); the cache entry also lapses after DEFINITIONS_SECONDS, so another process's save is
seen within that time even where the cache is per process (development).
"""

from django.core.cache import cache

from referrals.models import ClearanceStepDefinition, ContraindicationRule

KEY = "referrals:definitions:v1"
DEFINITIONS_SECONDS = 300


def _load() -> dict:
    return {
        "rules": {
            code: {"title": title, "help": help_text}
            for code, title, help_text in ContraindicationRule.objects.values_list(
                "code", "title", "help_text"
            )
        },
        "step_help": dict(ClearanceStepDefinition.objects.values_list("step_id", "help_text")),
    }


def definitions() -> dict:
    loaded = cache.get(KEY)
    if loaded is None:
        loaded = _load()
        cache.set(KEY, loaded, DEFINITIONS_SECONDS)
    return loaded


def rule_texts() -> dict[str, dict[str, str]]:
    """Rule code -> {"title", "help"}."""
    return definitions()["rules"]


def step_help() -> dict[str, str]:
    """Clearance step id -> its help text."""
    return definitions()["step_help"]


def forget() -> None:
    cache.delete(KEY)
