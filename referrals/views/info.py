"""The public page where a patient or referrer answers an information request.

The emailed link carries only an unguessable token. The page first asks for the patient's date of
birth (the same answer for a wrong, used or expired link as for a wrong date), then asks only for
the items staff ticked. The reply is kept on the InfoRequest, apart from the frozen answers, and
returns the referral to the review queue through `workflow.receive_info`.
"""

from datetime import date

from django import forms
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from referrals import info_items, ratelimit, workflow
from referrals.exceptions import WorkflowError
from referrals.forms import fields as f
from referrals.forms.status import birth_date_field
from referrals.models import InfoRequest, Referral, hash_token
from referrals.views.intake import error_list, layout

BINDING_SESSION_KEY = "info_request"
MAX_FAILURES_PER_LINK = 5
FAILURE_WINDOW_SECONDS = 60 * 60


class BirthDateCheckForm(forms.Form):
    date_of_birth = birth_date_field(_("The patient's date of birth"))


def _not_future(value: date) -> date:
    if value > timezone.localdate():
        raise forms.ValidationError(gettext("The date cannot be in the future"))
    return value


def _text(label, *, required=True, max_length=200, **kwargs) -> forms.Field:
    """The shared text field, with its messages in the page's language."""
    label = str(label)
    answer = label[0].lower() + label[1:]
    field = f.text(label, required=required, max_length=max_length, **kwargs)
    field.error_messages.update(
        {
            "required": gettext("Enter %(answer)s") % {"answer": answer},
            "max_length": _("Keep this under %(limit_value)d characters (you have typed %(show_value)d)."),
        }
    )
    return field


def _item_fields(key: str) -> dict[str, forms.Field]:
    """The fields the reply page shows for one requested item."""
    if key == "blood_pressure":
        return {
            "bp_systolic": forms.IntegerField(
                label=_("Top number (systolic)"),
                min_value=60,
                max_value=260,
                error_messages={
                    "required": _("Enter the top number"),
                    "invalid": _("Enter the top number as a whole number, for example 128"),
                    "min_value": _("The top number must be 60 or more"),
                    "max_value": _("The top number must be 260 or less"),
                },
            ),
            "bp_diastolic": forms.IntegerField(
                label=_("Bottom number (diastolic)"),
                min_value=30,
                max_value=160,
                error_messages={
                    "required": _("Enter the bottom number"),
                    "invalid": _("Enter the bottom number as a whole number, for example 82"),
                    "min_value": _("The bottom number must be 30 or more"),
                    "max_value": _("The bottom number must be 160 or less"),
                },
            ),
            "bp_taken_on": forms.DateField(
                label=_("Date it was taken"),
                widget=f.DateInput(),
                input_formats=["%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y"],
                help_text=_("For example, 03/27/2026."),
                validators=[_not_future],
                error_messages={
                    "required": _("Enter the date the reading was taken"),
                    "invalid": _("Enter a real date, for example 03/27/2026"),
                },
            ),
        }
    if key == "insurance":
        return {
            "payment": payment_field(),
            "insurer": _text(_("Insurance company"), required=False, max_length=200),
            "member_id": _text(_("Member ID"), required=False, max_length=60),
            "group_number": _text(_("Group number"), required=False, max_length=60),
        }
    item = info_items.BY_KEY[key]
    return {
        key: _text(item.heading, textarea=True, rows=4, max_length=2000, help_text=item.help_text),
    }


def payment_field() -> forms.Field:
    field = f.choice(
        _("How will the treatment be paid for?"),
        [("insurance", _("Health insurance")), ("self_pay", _("I will pay for it myself"))],
        required_message=_("Choose how the treatment will be paid for"),
    )
    field.error_messages["invalid_choice"] = _("Choose one of the answers shown")
    return field


def reply_form_class(keys: list[str]) -> type[forms.Form]:
    """A form with the fields of the ticked items only, in the catalogue's order."""
    form_fields: dict[str, forms.Field] = {}
    groups: dict[str, tuple[list[str], str]] = {}
    for item in info_items.INFO_ITEMS:
        if item.key not in keys:
            continue
        item_fields = _item_fields(item.key)
        form_fields.update(item_fields)
        if len(item_fields) > 1:
            groups[item.heading] = (list(item_fields), item.help_text)

    def clean(self):
        cleaned = forms.Form.clean(self)
        if cleaned.get("payment") == "insurance":
            if not cleaned.get("insurer"):
                self.add_error("insurer", gettext("Enter the insurance company"))
            if not cleaned.get("member_id"):
                self.add_error("member_id", gettext("Enter the member ID from the insurance card"))
        return cleaned

    return type("InfoReplyForm", (forms.Form,), {**form_fields, "groups": groups, "clean": clean})


def serialise(keys: list[str], cleaned: dict) -> dict:
    """The reply as JSON, one entry per requested item."""
    response = {}
    for key in keys:
        if key not in info_items.BY_KEY:
            continue
        values = {name: cleaned.get(name) for name in _item_fields(key)}
        values = {name: v.isoformat() if isinstance(v, date) else v for name, v in values.items()}
        response[key] = values[key] if list(values) == [key] else values
    return response


def _usable(info: InfoRequest | None) -> bool:
    return (
        info is not None
        and info.responded_at is None
        and info.expires_at > timezone.now()
        and info.referral.status == Referral.Status.NEEDS_INFO
    )


def _problem(request):
    return render(request, "referrals/info/link_problem.html")


def _bound_request(request, token_hash: str) -> InfoRequest | None:
    binding = request.session.get(BINDING_SESSION_KEY) or {}
    if binding.get("token_hash") != token_hash:
        return None
    info = (
        InfoRequest.objects.select_related("referral")
        .filter(pk=binding.get("pk"), token_hash=token_hash)
        .first()
    )
    return info if _usable(info) else None


def _record_failure(token_hash: str) -> None:
    key = f"info-failures:{token_hash}"
    cache.add(key, 0, timeout=FAILURE_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=FAILURE_WINDOW_SECONDS)


def _answer_page(request, info: InfoRequest, form, status=200):
    return render(
        request,
        "referrals/info/answer.html",
        {
            "info": info,
            "form": form,
            "layout": layout(form),
            "error_list": error_list(form),
            "for_referrer": info.audience == "referrer",
        },
        status=status,
    )


def _birth_date_page(request, form):
    context = {"form": form, "layout": layout(form), "error_list": error_list(form) if form.is_bound else []}
    return render(request, "referrals/info/check_birth_date.html", context)


@never_cache
def info_response(request, token: str):
    token_hash = hash_token(token[:200])
    info = _bound_request(request, token_hash)
    if request.method != "POST":
        if info is not None:
            return _answer_page(request, info, reply_form_class(info.requested_items)())
        return _birth_date_page(request, BirthDateCheckForm())

    if ratelimit.hit(request, "form"):
        return ratelimit.limited_response(request, "form")

    if request.POST.get("stage") == "answer":
        if info is None:
            return _problem(request)
        form = reply_form_class(info.requested_items)(request.POST)
        if not form.is_valid():
            return _answer_page(request, info, form)
        try:
            workflow.receive_info(info, response=serialise(info.requested_items, form.cleaned_data))
        except WorkflowError:
            return _problem(request)
        request.session.pop(BINDING_SESSION_KEY, None)
        return render(request, "referrals/info/thanks.html", {"for_referrer": info.audience == "referrer"})

    form = BirthDateCheckForm(request.POST)
    if not form.is_valid():
        return _birth_date_page(request, form)
    if (cache.get(f"info-failures:{token_hash}") or 0) >= MAX_FAILURES_PER_LINK:
        return _problem(request)
    candidate = InfoRequest.objects.select_related("referral").filter(token_hash=token_hash).first()
    if not _usable(candidate) or candidate.referral.date_of_birth != form.cleaned_data["date_of_birth"]:
        _record_failure(token_hash)
        return _problem(request)
    request.session.cycle_key()  # a new session key once it is bound to a referral (no fixation)
    request.session[BINDING_SESSION_KEY] = {"pk": candidate.pk, "token_hash": token_hash}
    return redirect("referrals:info-response", token=token)
