"""The patient's completion link for a provider referral: date of birth first, then the same intake.

`complete/<token>/` asks only for the date of birth. A match binds the referral to the session
(by pk and token hash, never in a URL) and opens `CompletionWizard`, the self-referral wizard with
the provider's details pre-filled for the patient to confirm or correct. The patient's confirmed
answers are screened; every field where they differ from the provider's is listed for staff.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from formtools.wizard.views import normalize_name

from referrals import ratelimit
from referrals.forms.status import BirthDateCheckForm
from referrals.models import Referral, hash_token
from referrals.views.intake import RESULT_SESSION_KEY, IntakeWizard, error_list

BINDING_SESSION_KEY = "completion_referral"
# Wrong dates of birth allowed per link before it locks for a while, from any number of clients.
MAX_FAILURES_PER_LINK = 10
FAILURE_WINDOW_SECONDS = 60 * 60

COMPARED_FIELDS = [
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("date_of_birth", "Date of birth"),
    ("email", "Email address"),
    ("phone", "Phone number"),
    ("indication", "Main reason for referral"),
    ("secondary_indications", "Other reasons"),
]


def _usable(referral: Referral | None, token_hash: str) -> bool:
    return (
        referral is not None
        and referral.status == Referral.Status.AWAITING_PATIENT
        and referral.completion_token_hash == token_hash
        and referral.completion_used_at is None
        and referral.completion_expires_at is not None
        and referral.completion_expires_at > timezone.now()
    )


def link_problem(request, status=200):
    return render(request, "referrals/complete/link_problem.html", status=status)


@never_cache
def complete_link(request, token: str):
    """Ask for the date of birth; anything wrong gets the same kind page."""
    if request.method != "POST":
        return render(request, "referrals/complete/check_birth_date.html", {"form": BirthDateCheckForm()})
    if ratelimit.hit(request, "link"):
        return ratelimit.limited_response(request, "link")
    form = BirthDateCheckForm(request.POST)
    if not form.is_valid():
        context = {"form": form, "error_list": error_list(form)}
        return render(request, "referrals/complete/check_birth_date.html", context)
    token_hash = hash_token(token[:200])
    failures_key = f"completion-failures:{token_hash}"
    if (cache.get(failures_key) or 0) >= MAX_FAILURES_PER_LINK:
        return link_problem(request)
    referral = Referral.objects.filter(completion_token_hash=token_hash).first() if token_hash else None
    if not _usable(referral, token_hash) or referral.date_of_birth != form.cleaned_data["date_of_birth"]:
        cache.add(failures_key, 0, timeout=FAILURE_WINDOW_SECONDS)
        try:
            cache.incr(failures_key)
        except ValueError:
            cache.set(failures_key, 1, timeout=FAILURE_WINDOW_SECONDS)
        return link_problem(request)
    # A new key for the session that now holds a referral (no fixation), and a fresh start.
    request.session.cycle_key()
    request.session.pop(f"wizard_{normalize_name(CompletionWizard.__name__)}", None)
    request.session[BINDING_SESSION_KEY] = {"pk": referral.pk, "token_hash": token_hash}
    return redirect("referrals:complete-intake")


def bound_referral(request) -> Referral | None:
    binding = request.session.get(BINDING_SESSION_KEY) or {}
    if not binding.get("pk"):
        return None
    return Referral.objects.filter(pk=binding["pk"]).select_related("referrer").first()


class CompletionWizard(IntakeWizard):
    """The self-referral's questions and checks, joined to the provider's referral."""

    url_name = "referrals:complete-step"
    done_step_name = "finished"
    flow_label = _("complete your referral")
    can_save_for_later = False  # the emailed completion link already lets the patient come back

    def dispatch(self, request, *args, **kwargs):
        referral = bound_referral(request)
        binding = request.session.get(BINDING_SESSION_KEY) or {}
        if not _usable(referral, binding.get("token_hash", "")):
            result = request.session.get(RESULT_SESSION_KEY) or {}
            if referral is not None and result.get("reference") == referral.reference:
                return redirect("referrals:intake-confirmation")  # already sent: a reload or a second post
            return link_problem(request)
        self.referral = referral
        return super().dispatch(request, *args, **kwargs)

    def restart_url(self):
        return None  # the patient opens the link in their email again

    def get_template_names(self):
        step = self.steps.current
        return [
            f"referrals/complete/step_{step}.html",
            f"referrals/intake/step_{step}.html",
            "referrals/complete/step.html",
        ]

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        context["provider"] = self.provider_values()
        return context

    def provider_values(self) -> dict:
        details = self.referral.provider_details or {}
        patient = details.get("patient") or {}
        return {
            "first_name": patient.get("first_name", self.referral.first_name),
            "last_name": patient.get("last_name", self.referral.last_name),
            "date_of_birth": patient.get("date_of_birth", self.referral.date_of_birth.isoformat()),
            "email": patient.get("email", self.referral.email),
            "phone": patient.get("phone", self.referral.phone),
            "indication": details.get("indication", self.referral.indication),
            "secondary_indications": list(details.get("secondary_indications") or []),
        }

    def get_form_initial(self, step):
        initial = super().get_form_initial(step)
        provider = self.provider_values()
        if step == "about":
            keys = ("first_name", "last_name", "date_of_birth", "email", "phone")
            initial = {**initial, **{key: provider[key] for key in keys}}
        elif step == "reason":
            initial = {
                **initial,
                "indication": provider["indication"],
                "secondary_indications": provider["secondary_indications"],
            }
        return initial

    def submit(self, token, identity, answers, details, version):
        """The referral records the language the patient completed it in (the page's), before its emails queue."""
        language = translation.get_language() or settings.LANGUAGE_CODE
        with transaction.atomic():
            if self.referral.language != language:
                Referral.objects.filter(pk=self.referral.pk).update(language=language)
                self.referral.language = language
            return super().submit(token, identity, answers, details, version)

    def extra_submit_kwargs(self, identity, answers):
        return {
            "referral": self.referral,
            "differences": differences(self.provider_values(), identity, answers),
        }


def _comparable(field: str, value):
    if value is None:
        return ""
    if field == "date_of_birth":
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    if field == "secondary_indications":
        return sorted(value or [])
    if field in ("first_name", "last_name", "email"):
        return " ".join(str(value).split()).casefold()
    return str(value)


def _shown(field: str, value):
    if field == "date_of_birth" and hasattr(value, "isoformat"):
        return value.isoformat()
    if field == "secondary_indications":
        return list(value or [])
    return "" if value is None else str(value)


def differences(provider: dict, identity: dict, answers: dict) -> list[dict]:
    """Each field where the provider's value and the patient's confirmed value differ, for staff."""
    patient = {**identity, **{k: answers.get(k) for k in ("indication", "secondary_indications")}}
    rows = []
    for field, label in COMPARED_FIELDS:
        theirs, ours = provider.get(field), patient.get(field)
        if _comparable(field, theirs) != _comparable(field, ours):
            rows.append(
                {
                    "field": field,
                    "label": label,
                    "provider": _shown(field, theirs),
                    "patient": _shown(field, ours),
                }
            )
    return rows
