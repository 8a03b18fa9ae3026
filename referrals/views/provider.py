"""The provider referral page: one form, one referral per submit, the letter checked and kept privately."""

import uuid

from django.core.cache import cache
from django.forms.utils import ErrorDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from referrals import documents, ratelimit, workflow
from referrals.exceptions import DuplicateSubmissionError
from referrals.forms.provider import ProviderReferralForm
from referrals.models import Referral
from referrals.views.intake import error_list

RESULT_SESSION_KEY = "provider_result"
TEMPLATE = "referrals/provider/form.html"


def upload_owner(token) -> documents.UploadOwner:
    # Files kept between posts of one form belong to its submission token (secret to this page).
    return documents.UploadOwner(key=f"provider-{uuid.UUID(str(token)).hex}")


def posted_token(request) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get("submission_token", ""))
    except ValueError:
        return None


def bind_posted_form(form_class, request, owner: documents.UploadOwner):
    """The posted form with its good files kept, and whether it is ready to send.

    Good files are kept even when another field needs fixing. A removal only updates the list of
    files: the rest of the form is shown back unjudged, and it is not ready.
    """
    form = form_class(request.POST, request.FILES, owner=owner)
    removing = "remove_document" in request.POST
    valid = form.is_valid()
    form.save_uploads()
    if removing:
        form._errors = ErrorDict()
    return form, valid and not removing


def _render(request, form, *, status=200, notice=""):
    context = {
        "form": form,
        "error_list": error_list(form) if form.is_bound else [],
        "held_documents": form.kept_documents(),
        "notice": notice,
        "groups": [
            {"legend": legend, "fields": [form[name] for name in names]}
            for legend, names in form.groups.items()
        ],
    }
    return render(request, TEMPLATE, context, status=status)


def store_referral(
    form, token: uuid.UUID, owner: documents.UploadOwner, *, more_details=None, **entry
) -> Referral:
    """Store the referral a valid form describes; a second store of the same token gets the first."""
    referrer, identity, details = form.submission()
    try:
        referral, _link = workflow.create_provider_referral(
            submission_token=token,
            referrer=referrer,
            identity=identity,
            provider_details={**details, **(more_details or {})},
            session_key=owner.key,
            **entry,
        )
    except DuplicateSubmissionError as duplicate:
        referral = duplicate.referral
    return referral


def _existing(token: uuid.UUID) -> Referral | None:
    return Referral.objects.filter(provider_submission_token=token).first()


@never_cache
def provider_referral(request):
    if request.method != "POST":
        token = uuid.uuid4()
        form = ProviderReferralForm(initial={"submission_token": token}, owner=upload_owner(token))
        return _render(request, form)

    if ratelimit.hit(request, "form"):
        return ratelimit.limited_response(request, "form")
    token = posted_token(request)
    if token is None:
        # A tampered or very old page: start a fresh form rather than fail.
        return redirect("referrals:provider-referral")
    result = request.session.get(RESULT_SESSION_KEY)
    if result and result.get("token") == str(token):
        return redirect("referrals:provider-confirmation")

    owner = upload_owner(token)
    form, ready = bind_posted_form(ProviderReferralForm, request, owner)
    if not ready:
        return _render(request, form)

    if ratelimit.hit(request, "submit"):
        return _render(
            request,
            form,
            status=429,
            notice="You have sent several referrals in a short time. Your form is kept: please wait a few "
            "minutes, then send it again.",
        )
    # The workflow's duplicate check looks at the patient's token; the provider's lives in details,
    # so one submit is also guarded here (the shared cache makes the lock hold across workers).
    lock = f"provider-submit:{token}"
    referral = _existing(token)
    if referral is None and cache.add(lock, 1, timeout=60):
        try:
            referral = store_referral(form, token, owner)
        finally:
            cache.delete(lock)
    if referral is None:
        referral = _existing(token)
    if referral is None:  # the other post of this form is still being stored
        return redirect("referrals:provider-confirmation")
    request.session[RESULT_SESSION_KEY] = {
        "reference": referral.reference,
        "token": str(token),
        "sent_on": timezone.localdate().isoformat(),
    }
    return redirect("referrals:provider-confirmation")


@never_cache
def provider_confirmation(request):
    result = request.session.get(RESULT_SESSION_KEY)
    if not result:
        return redirect("referrals:provider-referral")
    return render(request, "referrals/provider/confirmation.html", {"result": result})
