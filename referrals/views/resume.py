"""Save and finish later: the pages around `referrals/saved_intakes.py`.

`refer/self/save/` asks (or confirms) where to send the link, stores the unfinished intake and
clears it from this browser. `refer/resume/<token>/` asks for the date of birth and, on a match,
puts every answer and upload into a fresh session on any device, at the step where the patient
stopped. No answer, name or date ever goes in a URL, a log or the email.
"""

from datetime import date

from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from referrals import documents, ratelimit, saved_intakes
from referrals.forms.status import BirthDateCheckForm, SaveLaterForm
from referrals.models import SavedIntake
from referrals.views.intake import RESULT_SESSION_KEY, SAVE_SESSION_KEY, IntakeWizard, error_list

SAVED_SESSION_KEY = "intake_saved"  # the pk of the intake this browser just saved (for a new link)


def _render(request, template: str, context: dict | None = None, status: int = 200):
    context = {"saved_days": settings.SAVED_INTAKE_DAYS, **(context or {})}
    return render(request, f"referrals/intake/{template}.html", context, status=status)


def _restart_url() -> str:
    return reverse("referrals:intake") + "?reset=1"


@never_cache
def save_later(request):
    """Confirm the email address, then keep the answers for later and clear them from this browser."""
    pending = request.session.get(SAVE_SESSION_KEY)
    state = request.session.get(IntakeWizard.storage_session_key())
    if not pending or not state:
        if request.session.get(SAVED_SESSION_KEY):
            return redirect("referrals:intake-saved")
        return _render(request, "expired", {"restart_url": _restart_url()}, status=400)
    back_url = reverse("referrals:intake-step", args=[pending["step"]])
    if request.method != "POST":
        form = SaveLaterForm(initial={"email": pending["email"]})
        return _render(request, "save_later", {"form": form, "back_url": back_url})
    form = SaveLaterForm(request.POST)
    if not form.is_valid():
        context = {"form": form, "back_url": back_url, "error_list": error_list(form)}
        return _render(request, "save_later", context)
    if ratelimit.hit(request, "save"):
        return ratelimit.limited_response(request, "save")
    saved = saved_intakes.save(
        email=form.cleaned_data["email"],
        date_of_birth=date.fromisoformat(pending["date_of_birth"]),
        state=state,
        current_step=pending["step"],
        session_key=request.session.session_key or "",
    )
    # Nothing of the intake stays in this browser's session.
    request.session.pop(IntakeWizard.storage_session_key(), None)
    request.session.pop(SAVE_SESSION_KEY, None)
    request.session[SAVED_SESSION_KEY] = saved.pk
    return redirect("referrals:intake-saved")


@never_cache
def saved(request):
    """The answers are saved; the patient may ask for a new link (which ends the old one)."""
    saved_id = request.session.get(SAVED_SESSION_KEY)
    if not saved_id:
        return redirect("referrals:start")
    context = {"resent": False, "gone": False}
    if request.method == "POST":
        if ratelimit.hit(request, "save"):
            return ratelimit.limited_response(request, "save")
        context["resent"] = saved_intakes.send_new_link(saved_id) is not None
        context["gone"] = not context["resent"]
    elif not SavedIntake.objects.filter(pk=saved_id).exists():
        context["gone"] = True  # used already, or expired
    return _render(request, "saved", context)


def link_problem(request):
    return _render(request, "resume_problem", {"restart_url": _restart_url()})


@never_cache
def resume_link(request, token: str):
    """Date of birth first; a match restores the intake here, at the step where it stopped."""
    if request.method != "POST":
        return _render(request, "resume", {"form": BirthDateCheckForm()})
    if ratelimit.hit(request, "link"):
        return ratelimit.limited_response(request, "link")
    form = BirthDateCheckForm(request.POST)
    if not form.is_valid():
        return _render(request, "resume", {"form": form, "error_list": error_list(form)})
    with transaction.atomic():
        found = saved_intakes.claim(token, form.cleaned_data["date_of_birth"])
        if found is None:
            return link_problem(request)
        # The saved intake replaces whatever this browser had; then a new session key (no fixation).
        documents.discard_session_uploads(request.session.session_key)
        for key in (
            IntakeWizard.storage_session_key(),
            SAVE_SESSION_KEY,
            SAVED_SESSION_KEY,
            RESULT_SESSION_KEY,
        ):
            request.session.pop(key, None)
        request.session.cycle_key()
        state = saved_intakes.restore(found, session_key=request.session.session_key)
    request.session[IntakeWizard.storage_session_key()] = state
    return redirect("referrals:intake-step", step=state["step"])
