"""A new (or reset) staff member sets their own password from the emailed link, then enrols their own
authenticator: the key and QR code are shown once, to them alone, and so are their recovery codes.

The link's token leaves the URL at once (kept in the session, as Django's password reset does), is
checked again on every step, and dies when the password is set. The authenticator step is open for
15 minutes after that, in the same browser session only.
"""

import base64
import io
import time
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib.auth import get_user_model, login
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from referrals import staff_accounts

SESSION_KEY = "staff_setup"
ENROL_SECONDS = 15 * 60
RECOVERY_CODES = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


class CodeForm(forms.Form):
    otp_token = forms.CharField(
        label="Code from your authenticator app",
        max_length=6,
        min_length=6,
        help_text="The 6-digit code the app shows now, without spaces.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={
            "required": "Type the 6-digit code your authenticator app shows.",
            "min_length": "The code has 6 digits.",
            "max_length": "The code has 6 digits.",
        },
    )


def _user_for(uidb64):
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    return get_user_model().objects.filter(pk=pk, is_staff=True, is_active=True).first()


def _render(request, template, context, status=200):
    from django.contrib import admin

    # The site's names only: these pages show no navigation (the person may not be signed in yet).
    site = {
        "site_header": admin.site.site_header,
        "site_title": admin.site.site_title,
        "has_permission": False,
    }
    context = {**site, "title": "Set up your staff sign-in", **context}
    response = TemplateResponse(request, template, context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _expired(request):
    return _render(request, "staff_setup/link_expired.html", {}, status=400)


@never_cache
def start(request, uidb64, token):
    """The emailed link: check it, keep it in the session, and take it out of the address bar."""
    user = _user_for(uidb64)
    if user is None or user.is_superuser or not staff_accounts.setup_tokens.check_token(user, token):
        return _expired(request)
    request.session[SESSION_KEY] = {"uid": user.pk, "token": token, "stage": "password"}
    return redirect("admin:staff-setup-password")


def _session_user(request, stage):
    state = request.session.get(SESSION_KEY) or {}
    if state.get("stage") != stage:
        return None
    user = get_user_model().objects.filter(pk=state.get("uid"), is_staff=True, is_active=True).first()
    if user is None or user.is_superuser:
        return None
    if stage == "password" and not staff_accounts.setup_tokens.check_token(user, state.get("token", "")):
        return None
    if stage == "authenticator" and time.time() > state.get("until", 0):
        return None
    return user


@sensitive_post_parameters()
@csrf_protect
@never_cache
def set_password(request):
    user = _session_user(request, "password")
    if user is None:
        return _expired(request)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()  # the link's token was signed with the old password: it stops working now
        staff_accounts.audit(user, user, "password_set_from_link")
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            request.session.pop(SESSION_KEY, None)
            return _render(request, "staff_setup/done.html", {"enrolled": False})
        request.session[SESSION_KEY] = {
            "uid": user.pk,
            "stage": "authenticator",
            "until": time.time() + ENROL_SECONDS,
        }
        return redirect("admin:staff-setup-authenticator")
    return _render(request, "staff_setup/set_password.html", {"form": form, "username": user.get_username()})


def _qr_data_uri(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@sensitive_post_parameters()
@csrf_protect
@never_cache
def authenticator(request):
    """GET makes a new key and shows it once; POST confirms it with a code and shows the recovery codes."""
    user = _session_user(request, "authenticator")
    if user is None:
        return _expired(request)
    if request.method != "POST":
        # A new key each time the page is shown: a key seen earlier (another tab, a reload) is dead.
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
        secret = b32encode(device.bin_key).decode()
        return _render(
            request,
            "staff_setup/authenticator.html",
            {
                "form": CodeForm(),
                "secret": secret,
                "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
                "qr": _qr_data_uri(device.config_url),
                "username": user.get_username(),
            },
        )
    form = CodeForm(request.POST)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if form.is_valid() and device is not None:
        if device.verify_token(form.cleaned_data["otp_token"]):
            return _enrolled(request, user, device)
        form.add_error(
            "otp_token",
            "That code is not right. Type the code the app shows now; if it still fails, start again below.",
        )
    # The key is not shown again: a person who has not added it yet starts over with a new one.
    return _render(
        request, "staff_setup/authenticator.html", {"form": form, "username": user.get_username()}, status=400
    )


def _enrolled(request, user, device):
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=code) for code in codes])
    staff_accounts.audit(user, user, "authenticator_enrolled")
    request.session.pop(SESSION_KEY, None)
    # The link, the password just chosen and a code from the new authenticator: signed in.
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)
    return _render(request, "staff_setup/done.html", {"enrolled": True, "codes": codes})
