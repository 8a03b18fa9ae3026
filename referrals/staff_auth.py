"""Staff sign-in: the admin site that demands a verified TOTP device, its login form, and staff timeouts.

Every admin page, the index included, goes through `StaffAdminSite.has_permission`, which requires
`request.user.is_verified()` (django-otp): a password alone reaches nothing. There is no bypass in
any environment; demo users get a real device from `referrals.staff_otp.ensure_demo_device`.
"""

import time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
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


class StaffAuthenticationForm(OTPAdminAuthenticationForm):
    """Username, password and a current TOTP code, checked in one step.

    Every failure shows the same message, so the form never reveals that a password was right, and a
    right password with a wrong or missing code counts as a failed attempt for the lockout (axes).
    """

    error_messages = {**OTPAdminAuthenticationForm.error_messages, "invalid_login": SIGN_IN_ERROR}

    otp_token = forms.CharField(
        label="Authenticator code",
        required=False,
        max_length=10,
        help_text="The 6-digit code your authenticator app shows now.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}
        ),
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
        device = super()._chosen_device(user)
        if device is None:
            # Staff enrol one authenticator; with exactly one confirmed device there is nothing to choose.
            from django_otp import devices_for_user

            devices = list(devices_for_user(user, confirmed=True))
            if len(devices) == 1:
                device = devices[0]
        return device

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
