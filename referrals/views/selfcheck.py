"""The self-check: "Could ketamine infusion be right for me?" Answers are screened and forgotten."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from referrals import ratelimit, screening, workflow
from referrals.forms.selfcheck import SelfCheckForm
from referrals.models import ScreeningPolicy
from referrals.views.intake import error_list

# Findings the self-check can raise, most important first; the wording is in the template.
TOPIC_ORDER = [
    "age_under_18", "pregnancy_current", "ketamine_hypersensitivity", "aneurysm_or_avm",
    "intracerebral_hemorrhage_history", "icp_elevated", "theophylline_aminophylline", "psychosis_active",
    "mania_active", "cv_unstable", "bp_severely_elevated", "sud_active", "psychosis_history",
    "bipolar_disorder", "cv_stable_disease", "sud_history", "age_65_plus",
]  # fmt: skip


@never_cache
def self_check(request):
    policy_row = ScreeningPolicy.current()
    kwargs = {
        "cardiac_months": policy_row.cardiac_lookback_months,
        "substance_months": policy_row.substance_lookback_months,
    }
    if request.method != "POST":
        return render(request, "referrals/selfcheck/form.html", {"form": SelfCheckForm(**kwargs)})
    if ratelimit.hit(request, "form"):
        return ratelimit.limited_response(request, "form")
    form = SelfCheckForm(request.POST, **kwargs)
    if not form.is_valid():
        return render(
            request, "referrals/selfcheck/form.html", {"form": form, "error_list": error_list(form)}
        )
    today = timezone.localdate()
    # Nothing here is saved: no session, no database row, no log. Incomplete answers are expected.
    result = screening.screen(form.answers(today=today), today=today, policy=workflow.current_policy())
    fired = {f.code: f.severity for f in result.findings}
    topics = [{"code": code, "severity": fired[code]} for code in TOPIC_ORDER if code in fired]
    context = {
        "topics": topics,
        "has_absolute": any(t["severity"] == screening.ABSOLUTE for t in topics),
        "safety": result.urgent_safety,
        "ecg": "ecg" in result.required_steps,
    }
    return render(request, "referrals/selfcheck/result.html", context)
