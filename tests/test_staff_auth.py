"""Staff sign-in: password and TOTP on every admin page, lockout, timeouts, enrolment."""

import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from referrals.staff_auth import LAST_SEEN_AT, SIGN_IN_ERROR, SIGNED_IN_AT
from referrals.staff_otp import current_code, ensure_demo_device
from tests.conftest import sign_in_with_totp, staff_device

ADMIN_PAGES = [
    "admin:index",
    "admin:referrals_referral_changelist",
    "admin:auditlog_logentry_changelist",
    "admin:referrals_accessevent_changelist",
    "admin:otp_totp_totpdevice_changelist",
    "admin:auth_user_changelist",
    "admin:password_change",
]


def wrong_code(device) -> str:
    """A six-digit code valid at no step the device would accept now."""
    valid = set()
    for offset in (-2, -1, 0, 1, 2):
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time() + offset * device.step
        valid.add(f"{totp.token():06d}")
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)


def unthrottle(device) -> None:
    """Let the time django-otp's own back-off asks for after failures (2**n seconds) pass."""
    device.refresh_from_db()
    device.throttle_reset()


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


class AdminRequiresSecondFactorTests:
    @pytest.mark.parametrize("name", ADMIN_PAGES)
    def test_anonymous_is_sent_to_the_login(self, client, db, name):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))

    @pytest.mark.parametrize("name", ADMIN_PAGES)
    def test_a_password_only_session_reaches_no_admin_page(self, client, superuser, name):
        # force_login is a session with a password-authenticated user and no verified device.
        client.force_login(superuser)
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))

    def test_password_without_a_code_is_refused(self, client, clinician):
        staff_device(clinician)
        response = sign_in_with_totp(client, clinician, code="")
        assert response.status_code == 200
        assert SIGN_IN_ERROR in response.content.decode()
        assert not is_signed_in(client)
        assert client.get(reverse("admin:index")).status_code == 302

    def test_password_and_current_code_sign_in(self, client, clinician):
        response = sign_in_with_totp(client, clinician)
        assert response.status_code == 302
        assert client.get(reverse("admin:index")).status_code == 200

    def test_wrong_code_is_refused(self, client, clinician):
        device = staff_device(clinician)
        response = sign_in_with_totp(client, clinician, code=wrong_code(device))
        assert response.status_code == 200
        assert SIGN_IN_ERROR in response.content.decode()
        assert not is_signed_in(client)
        assert client.get(reverse("admin:index")).status_code == 302

    def test_a_used_code_cannot_be_replayed(self, client, clinician):
        device = staff_device(clinician)
        code = current_code(device)
        assert sign_in_with_totp(client, clinician, code=code).status_code == 302
        client.logout()
        response = sign_in_with_totp(client, clinician, code=code)
        assert response.status_code == 200
        assert not is_signed_in(client)

    def test_another_users_code_is_refused(self, client, clinician, coordinator):
        staff_device(clinician)
        other = staff_device(coordinator)
        response = sign_in_with_totp(client, clinician, code=current_code(other))
        assert response.status_code == 200
        assert not is_signed_in(client)

    def test_an_unconfirmed_device_does_not_count(self, client, clinician):
        device = TOTPDevice.objects.create(user=clinician, name="half enrolled", confirmed=False)
        response = sign_in_with_totp(client, clinician, code=current_code(device))
        assert response.status_code == 200
        assert not is_signed_in(client)

    def test_wrong_password_and_wrong_code_read_the_same(self, client, clinician):
        device = staff_device(clinician)
        wrong_password = sign_in_with_totp(client, clinician, password="not-the-password-at-all")
        wrong_otp = sign_in_with_totp(client, clinician, code=wrong_code(device))
        for response in (wrong_password, wrong_otp):
            assert response.status_code == 200
            assert SIGN_IN_ERROR in response.content.decode()
        # The page never echoes the password back into the form.
        assert "correct-horse-battery-staple" not in wrong_otp.content.decode()

    def test_a_non_staff_user_cannot_reach_the_admin(self, client, django_user_model):
        user = django_user_model.objects.create_user(
            username="patientlike", password="correct-horse-battery-staple", is_staff=False
        )
        staff_device(user)
        response = sign_in_with_totp(client, user)
        assert response.status_code == 200
        assert client.get(reverse("admin:index")).status_code == 302
        client.force_login(user)
        assert client.get(reverse("admin:index")).status_code == 302

    def test_an_inactive_staff_user_cannot_sign_in(self, client, clinician):
        staff_device(clinician)
        clinician.is_active = False
        clinician.save()
        assert sign_in_with_totp(client, clinician).status_code == 200
        assert not is_signed_in(client)

    def test_login_page_asks_for_the_authenticator_code(self, client, db):
        page = client.get(reverse("admin:login")).content.decode()
        assert 'name="otp_token"' in page
        assert 'autocomplete="one-time-code"' in page
        assert "Authenticator code" in page


class LockoutTests:
    def test_five_wrong_codes_lock_the_account_for_an_hour(self, client, clinician):
        device = staff_device(clinician)
        for _ in range(4):
            assert sign_in_with_totp(client, clinician, code=wrong_code(device)).status_code == 200
        fifth = sign_in_with_totp(client, clinician, code=wrong_code(device))
        assert fifth.status_code == 429
        # Even the right password and code are refused now, with the friendly page.
        locked = sign_in_with_totp(client, clinician)
        assert locked.status_code == 429
        assert "Staff sign-in is locked for now" in locked.content.decode()
        assert locked["Cache-Control"] == "no-store"
        assert "Content-Security-Policy" in locked
        assert not is_signed_in(client)

    def test_five_wrong_passwords_lock_the_account(self, client, clinician):
        staff_device(clinician)
        for _ in range(5):
            sign_in_with_totp(client, clinician, password="wrong-password-123")
        response = sign_in_with_totp(client, clinician)
        assert response.status_code == 429
        assert "locked" in response.content.decode()

    def test_the_lock_lifts_after_the_cool_off(self, client, clinician):
        from datetime import timedelta

        from axes.models import AccessAttempt
        from django.utils import timezone

        device = staff_device(clinician)
        for _ in range(5):
            sign_in_with_totp(client, clinician, code=wrong_code(device))
        assert sign_in_with_totp(client, clinician).status_code == 429
        AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(hours=1, minutes=1))
        unthrottle(device)
        assert sign_in_with_totp(client, clinician).status_code == 302

    def test_a_success_resets_the_count(self, client, clinician):
        device = staff_device(clinician)
        for _ in range(4):
            sign_in_with_totp(client, clinician, code=wrong_code(device))
        unthrottle(device)
        assert sign_in_with_totp(client, clinician).status_code == 302
        client.logout()
        for _ in range(4):
            assert sign_in_with_totp(client, clinician, code=wrong_code(device)).status_code == 200


def age_session(client, **seconds_ago):
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


class StaffTimeoutTests:
    def test_signed_out_after_fifteen_idle_minutes(self, staff_client, clinician):
        client = staff_client(clinician)
        age_session(client, **{LAST_SEEN_AT: 15 * 60 + 1})
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
        assert not is_signed_in(client)
        page = client.get(response["Location"]).content.decode()
        assert "signed out after 15 minutes without activity" in page

    def test_activity_within_fifteen_minutes_keeps_the_session(self, staff_client, clinician):
        client = staff_client(clinician)
        age_session(client, **{LAST_SEEN_AT: 14 * 60})
        assert client.get(reverse("admin:index")).status_code == 200
        assert client.session[LAST_SEEN_AT] >= int(time.time()) - 5

    def test_signed_out_after_twelve_hours_even_when_active(self, staff_client, clinician):
        client = staff_client(clinician)
        age_session(client, **{SIGNED_IN_AT: 12 * 60 * 60 + 1, LAST_SEEN_AT: 60})
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302
        assert not is_signed_in(client)
        assert "at most 12 hours" in client.get(response["Location"]).content.decode()

    def test_staff_session_cookie_expires_with_the_idle_limit(self, staff_client, clinician, settings):
        client = staff_client(clinician)
        client.get(reverse("admin:index"))
        assert client.session.get_expiry_age() == settings.STAFF_SESSION_IDLE_SECONDS == 15 * 60

    def test_patient_sessions_keep_two_idle_hours(self, client, db, settings):
        assert settings.SESSION_COOKIE_AGE == 2 * 60 * 60
        client.get("/")
        assert client.session.get_expiry_age() == 2 * 60 * 60


class PasswordPolicyTests:
    def test_short_and_common_passwords_are_refused(self):
        for weak in ("short-pw", "password1234", "123456789012"):
            with pytest.raises(ValidationError):
                validate_password(weak)

    def test_a_long_passphrase_is_accepted(self):
        validate_password("plum-otter-gravel-lantern")


class EnrolmentTests:
    def test_nobody_opens_a_devices_config_or_qr_code(self, staff_client, clinic_admin, coordinator):
        # The clinic admin used to read any clinician's TOTP key here; now it is 403 (and recorded).
        client = staff_client(clinic_admin)
        assert client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403
        device = TOTPDevice.objects.create(user=coordinator, name="Phone", confirmed=True)
        assert client.get(reverse("admin:otp_totp_totpdevice_config", args=[device.pk])).status_code == 403
        assert client.get(reverse("admin:otp_totp_totpdevice_qrcode", args=[device.pk])).status_code == 403

    def test_coordinators_cannot_see_devices(self, staff_client, coordinator):
        client = staff_client(coordinator)
        assert client.get(reverse("admin:otp_totp_totpdevice_changelist")).status_code == 403

    def test_demo_device_is_confirmed_idempotent_and_signs_in(self, client, clinician):
        key_hex, uri, base32 = ensure_demo_device(clinician)
        assert ensure_demo_device(clinician) == (key_hex, uri, base32)
        assert TOTPDevice.objects.filter(user=clinician, confirmed=True).count() == 1
        assert uri.startswith("otpauth://totp/") and f"secret={base32}" in uri
        assert sign_in_with_totp(client, clinician).status_code == 302
