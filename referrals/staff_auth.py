"""Staff sign-in: the admin site that demands a verified TOTP device, its login form, and staff timeouts.

Every admin page, the index included, goes through `StaffAdminSite.has_permission`, which requires
`request.user.is_verified()` (django-otp): a password alone reaches nothing. There is no bypass in
any environment; demo users get a real device from `referrals.staff_otp.ensure_demo_device`.
"""

import hashlib
import re
import time
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.shortcuts import render
from django.urls import Resolver404, path, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

# Session keys (Unix seconds) for the staff timeouts.
SIGNED_IN_AT = "staff_signed_in_at"
LAST_SEEN_AT = "staff_last_seen_at"
# "Last seen" is rewritten at most this often (each write is a session save).
LAST_SEEN_EVERY_SECONDS = 60

SIGN_IN_ERROR = (
    "The username, password or authenticator code is not right, or this account cannot use the staff "
    "area. Check them and try again. After 5 failed attempts, sign-in is locked for an hour."
)

# One address failing across many usernames (django-axes locks each username and address pair at
# AXES_FAILURE_LIMIT): after ADDRESS_SLOW_AFTER failures with no hour-long pause between them, each
# further try waits twice as long as the last (2, 4, 8 ... seconds, at most 5 minutes); after
# ADDRESS_BLOCK_AFTER the address is refused until an hour after its last failure. Kept in the shared
# cache (Redis in production).
ADDRESS_SLOW_AFTER = 10
ADDRESS_BLOCK_AFTER = 30
ADDRESS_WINDOW_SECONDS = 60 * 60
ADDRESS_MAX_WAIT_SECONDS = 5 * 60
TOTP_CODE = re.compile(r"^[0-9]{6}$")


class StaffAuthenticationForm(OTPAdminAuthenticationForm):
    """Username, password and a current TOTP code, checked in one step.

    Every failure shows the same message, so the form never reveals that a password was right, and a
    right password with a wrong or missing code counts as a failed attempt for the lockout (axes).
    """

    error_messages = {**OTPAdminAuthenticationForm.error_messages, "invalid_login": SIGN_IN_ERROR}

    otp_token = forms.CharField(
        label="Authenticator code",
        required=False,
        max_length=20,
        help_text="The 6-digit code your authenticator app shows now, or one of your recovery codes.",
        # Not numeric only: a recovery code has letters too.
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none"}),
    )

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if self.user_cache is not None:
                # The password was right but the second factor was not: a failed sign-in all the same.
                user_login_failed.send(
                    sender=type(self),
                    credentials={"username": self.cleaned_data.get("username")},
                    request=self.request,
                )
                self.user_cache = None
            raise forms.ValidationError(SIGN_IN_ERROR, code="invalid_login") from None

    def _chosen_device(self, user):
        # Never a device named in the post: the code's shape says which of the user's own devices to try.
        return None

    def _verify_token(self, user, token, device=None):
        """A 6-digit code is checked against the authenticator app, anything else against the
        recovery codes, so a code never counts as a failure on the device it was not meant for."""
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        token = (token or "").strip().replace(" ", "").replace("-", "")
        if TOTP_CODE.match(token):
            device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()
        else:
            token = token.lower()
            device = StaticDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()
        if device is None:
            raise forms.ValidationError(SIGN_IN_ERROR, code="invalid_login")
        return super()._verify_token(user, token, device)

    def _update_form(self, user):
        # django-otp would re-render the typed password into the page; never do that.
        if "otp_device" in self.fields:
            self.fields["otp_device"].widget.choices = self.device_choices(user)


class StaffAdminSite(OTPAdminSite):
    """The staff admin at /staff/: every view needs a staff user verified by a TOTP device."""

    login_form = StaffAuthenticationForm
    login_template = "staff_auth/login.html"

    def __init__(self, name="admin"):
        super().__init__(name)

    def get_urls(self):
        # A new or reset staff member's own set-up pages: reached from the emailed link, before sign-in.
        from referrals.admin import staff_setup

        return [
            path("welcome/<uidb64>/<token>/", staff_setup.start, name="staff-setup-start"),
            path("welcome/password/", staff_setup.set_password, name="staff-setup-password"),
            path("welcome/authenticator/", staff_setup.authenticator, name="staff-setup-authenticator"),
            *super().get_urls(),
        ]

    def login(self, request, extra_context=None):
        if request.method == "POST":
            wait = address_wait_seconds(request)
            if wait:
                return address_refused(request, wait)
        # Off-site, unknown or non-staff `next`: land on the staff home, never on a 404 or elsewhere.
        for name in ("GET", "POST"):
            query = getattr(request, name)
            if "next" in query or name == "POST":
                if not is_safe_staff_next(request, query.get("next", "")):
                    query = query.copy()
                    query["next"] = reverse(f"{self.name}:index")
                    setattr(request, name, query)
        return super().login(request, extra_context)


def is_safe_staff_next(request, target: str) -> bool:
    """Same host, a page of the staff area that exists, and not the sign-in or sign-out page itself."""
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return False
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return False
    try:
        match = resolve(parts.path)
    except Resolver404:
        return False
    # The admin's final catch-all matches any path under /staff/ (it has no name): not a real page.
    return match.namespace == "admin" and match.url_name not in {None, "login", "logout"}


# --- Failures per address ---------------------------------------------------------------------------


def _address_key(request) -> str:
    from axes.helpers import get_client_ip_address

    address = get_client_ip_address(request) or ""
    return "staff-signin-address:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def address_wait_seconds(request) -> int:
    """0 if this address may try to sign in now; otherwise how long it must wait."""
    key = _address_key(request)
    try:
        failures = cache.get(key) or 0
        last_at = cache.get(f"{key}:last") or 0
    except Exception:  # the shared cache is down: axes (in the database) still locks each pair
        return 0
    now = time.time()
    if failures >= ADDRESS_BLOCK_AFTER:
        return max(1, int(last_at + ADDRESS_WINDOW_SECONDS - now))
    if failures >= ADDRESS_SLOW_AFTER:
        delay = min(2 ** (failures - ADDRESS_SLOW_AFTER + 1), ADDRESS_MAX_WAIT_SECONDS)
        return max(0, int(last_at + delay - now + 0.999))
    return 0


def address_refused(request, wait: int):
    response = render(
        request,
        "staff_auth/slowed_down.html",
        {"wait_minutes": max(1, (wait + 59) // 60), "blocked": wait > ADDRESS_MAX_WAIT_SECONDS},
        status=429,
    )
    response["Retry-After"] = str(wait)
    response["Cache-Control"] = "no-store"
    return response


@receiver(user_login_failed)
def _count_address_failure(sender, credentials, request=None, **kwargs):
    if request is None:
        return
    key = _address_key(request)
    try:
        # incr is atomic in Redis, so parallel guesses are all counted; each failure restarts the hour.
        cache.add(key, 0, timeout=ADDRESS_WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=ADDRESS_WINDOW_SECONDS)
        cache.touch(key, ADDRESS_WINDOW_SECONDS)
        cache.set(f"{key}:last", time.time(), timeout=ADDRESS_WINDOW_SECONDS)
    except Exception:  # never turn a failed sign-in into a 500 because the cache is down
        pass


@receiver(user_logged_in)
def _start_staff_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session") and user.is_staff:
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_SEEN_AT] = now
        request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)


class StaffSessionTimeoutMiddleware:
    """Sign staff out after STAFF_SESSION_IDLE_SECONDS idle and STAFF_SESSION_MAX_SECONDS in any case.

    Patients have no accounts; their intake sessions keep SESSION_COOKIE_AGE (2 idle hours).
    Goes after AuthenticationMiddleware and MessageMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.is_staff:
            now = int(time.time())
            session = request.session
            signed_in_at = session.get(SIGNED_IN_AT, now)
            last_seen_at = session.get(LAST_SEEN_AT, now)
            idle = now - last_seen_at > settings.STAFF_SESSION_IDLE_SECONDS
            too_long = now - signed_in_at > settings.STAFF_SESSION_MAX_SECONDS
            if idle or too_long:
                logout(request)
                if idle:
                    minutes = settings.STAFF_SESSION_IDLE_SECONDS // 60
                    reason = f"after {minutes} minutes without activity"
                else:
                    hours = settings.STAFF_SESSION_MAX_SECONDS // 3600
                    reason = f"because staff sessions last at most {hours} hours"
                messages.info(request, f"You were signed out {reason}. Please sign in again.")
            elif now - last_seen_at >= LAST_SEEN_EVERY_SECONDS or SIGNED_IN_AT not in session:
                # Written at most once a minute, so most requests save no session at all; the
                # idle limit counts from the last write (at most a minute early, never late).
                session[SIGNED_IN_AT] = signed_in_at
                session[LAST_SEEN_AT] = now
                # The cookie and the stored session end with the idle limit too.
                session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
        return self.get_response(request)
