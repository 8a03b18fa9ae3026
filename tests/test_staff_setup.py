"""A staff member's own set-password link and authenticator enrolment; recovery codes; a lockout per
username and address that nobody can turn against a colleague; where sign-in lands."""

import re
import time
from base64 import b32decode
from urllib.parse import urlsplit

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from referrals import staff_accounts, staff_auth
from referrals.models import Notification
from tests import test_html_valid
from tests.conftest import STAFF_PASSWORD, sign_in_with_totp, staff_device

NEW_PASSWORD = "plum-otter-gravel-lantern"


def link_path(user) -> str:
    notification = Notification.objects.filter(template="staff_set_password", recipient=user.email).latest(
        "id"
    )
    return urlsplit(notification.context["setup_url"]).path


@pytest.fixture
def newcomer(clinic_admin, django_user_model):
    return staff_accounts.create_staff(
        actor=clinic_admin,
        username="newcomer",
        first_name="New",
        last_name="Comer",
        email="newcomer@clinic.example.com",
        roles=["coordinator"],
    )


def code_for(secret: str, *, at: float | None = None) -> str:
    totp = TOTP(b32decode(secret))
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def shown_secret(page: str) -> str:
    return re.search(r'data-secret="([A-Z2-7]+)"', page).group(1)


def set_password(client, user):
    response = client.get(link_path(user))
    assert response.status_code == 302
    # The token leaves the address bar at once.
    assert response["Location"] == reverse("admin:staff-setup-password")
    return client.post(response["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})


class SetPasswordLinkTests:
    def test_the_newcomer_sets_a_password_and_enrols_their_own_authenticator(self, client, newcomer):
        response = set_password(client, newcomer)
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:staff-setup-authenticator")
        newcomer.refresh_from_db()
        assert newcomer.check_password(NEW_PASSWORD)

        page = client.get(response["Location"])
        assert page["Cache-Control"] == "no-store"
        html = page.content.decode()
        assert "data:image/svg+xml;base64," in html  # the QR code, to them alone
        secret = shown_secret(html)
        done = client.post(reverse("admin:staff-setup-authenticator"), {"otp_token": code_for(secret)})
        assert done.status_code == 200
        codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
        assert len(codes) == 10
        assert TOTPDevice.objects.get(user=newcomer).confirmed
        assert set(StaticToken.objects.filter(device__user=newcomer).values_list("token", flat=True)) == set(
            codes
        )
        # Signed in with the second factor: the staff area opens.
        assert client.get(reverse("admin:index")).status_code == 200
        assert LogEntry.objects.filter(additional_data__event="authenticator_enrolled").exists()

    def test_the_link_works_once(self, client, newcomer):
        path = link_path(newcomer)
        set_password(client, newcomer)
        again = client.get(path)
        assert again.status_code == 400
        assert "This link no longer works" in again.content.decode()

    def test_the_link_expires(self, client, newcomer, settings):
        settings.STAFF_SETUP_LINK_SECONDS = -1
        assert client.get(link_path(newcomer)).status_code == 400

    def test_a_new_link_ends_the_old_one(self, client, newcomer, clinic_admin):
        old = link_path(newcomer)
        staff_accounts.send_password_link(actor=clinic_admin, user=newcomer)
        assert client.get(old).status_code == 400
        assert client.get(link_path(newcomer)).status_code == 302

    def test_a_tampered_token_or_user_is_refused(self, client, newcomer):
        path = link_path(newcomer)
        assert client.get(path[:-3] + "xyz/").status_code == 400
        assert client.get("/staff/welcome/!!!/abc-def/").status_code == 400

    def test_no_link_is_ever_made_for_a_superuser(self, client, superuser):
        path = reverse("admin:staff-setup-start", args=["x", "y"]).replace("/x/y/", "/")
        uid = staff_accounts.setup_path(superuser).split("/welcome/")[1]
        assert client.get(f"{path}{uid}").status_code == 400

    def test_the_setup_pages_need_the_link_first(self, client, db):
        assert client.get(reverse("admin:staff-setup-password")).status_code == 400
        assert client.get(reverse("admin:staff-setup-authenticator")).status_code == 400

    def test_a_weak_password_is_refused_next_to_its_field(self, client, newcomer):
        client.get(link_path(newcomer))
        response = client.post(
            reverse("admin:staff-setup-password"), {"new_password1": "short", "new_password2": "short"}
        )
        assert response.status_code == 200
        assert "too short" in response.content.decode()

    def test_the_key_is_shown_once_and_a_reload_makes_a_new_one(self, client, newcomer):
        set_password(client, newcomer)
        url = reverse("admin:staff-setup-authenticator")
        first = shown_secret(client.get(url).content.decode())
        second = shown_secret(client.get(url).content.decode())
        assert first != second
        refused = client.post(url, {"otp_token": code_for(first)})
        assert refused.status_code == 400
        html = refused.content.decode()
        assert "That code is not right" in html and "data-secret" not in html
        # django-otp's own back-off after a wrong code (a second or two) has passed.
        TOTPDevice.objects.filter(user=newcomer).update(
            throttling_failure_count=0, throttling_failure_timestamp=None
        )
        assert client.post(url, {"otp_token": code_for(second)}).status_code == 200

    def test_the_authenticator_step_ends_after_fifteen_minutes(self, client, newcomer):
        set_password(client, newcomer)
        session = client.session
        session["staff_setup"]["until"] = time.time() - 1
        session.save()
        assert client.get(reverse("admin:staff-setup-authenticator")).status_code == 400

    def test_a_password_reset_keeps_an_enrolled_authenticator(self, client, coordinator, clinic_admin):
        staff_device(coordinator)
        staff_accounts.send_password_link(actor=clinic_admin, user=coordinator)
        response = set_password(client, coordinator)
        assert response.status_code == 200
        assert "Your password is saved" in response.content.decode()
        coordinator.refresh_from_db()
        assert sign_in_with_totp(client, coordinator, password=NEW_PASSWORD).status_code == 302


class RecoveryCodeTests:
    def test_a_recovery_code_signs_in_once(self, client, clinician):
        staff_device(clinician)
        device = StaticDevice.objects.create(user=clinician, name="Recovery codes")
        device.token_set.create(token="abcd2345")
        assert sign_in_with_totp(client, clinician, code="abcd2345").status_code == 302
        client.logout()
        assert sign_in_with_totp(client, clinician, code="abcd2345").status_code == 200

    def test_the_login_field_accepts_letters(self, client, db):
        page = client.get(reverse("admin:login")).content.decode()
        assert 'pattern="[0-9]*"' not in page
        assert "recovery codes" in page


def post_sign_in(client, username, password, code, address, next_url=None):
    data = {"username": username, "password": password, "otp_token": code}
    if next_url is not None:
        data["next"] = next_url
    return client.post(reverse("admin:login"), data, REMOTE_ADDR=address)


class LockoutPerUsernameAndAddressTests:
    def test_guessing_from_one_address_does_not_lock_out_the_owner_elsewhere(self, client, clinician):
        from referrals.staff_otp import current_code

        device = staff_device(clinician)
        for _ in range(5):
            post_sign_in(client, "clinician", "wrong-password-123", "000000", "203.0.113.9")
        # The guesser's address stays locked, even with the right password and code.
        locked = post_sign_in(client, "clinician", STAFF_PASSWORD, current_code(device), "203.0.113.9")
        assert locked.status_code == 429
        device.refresh_from_db()
        ok = post_sign_in(client, "clinician", STAFF_PASSWORD, current_code(device), "198.51.100.7")
        assert ok.status_code == 302
        assert client.get(reverse("admin:index")).status_code == 200

    def test_one_address_failing_across_many_usernames_is_slowed_then_blocked(self, client, db):
        address = "203.0.113.50"
        for n in range(staff_auth.ADDRESS_SLOW_AFTER):
            response = post_sign_in(client, f"user{n}", "wrong-password-123", "000000", address)
            assert response.status_code == 200, n
        slowed = post_sign_in(client, "another", "wrong-password-123", "000000", address)
        assert slowed.status_code == 429
        assert "slowed down" in slowed.content.decode()
        assert int(slowed["Retry-After"]) >= 1
        # Another address is not affected.
        assert (
            post_sign_in(client, "another", "wrong-password-123", "000000", "198.51.100.8").status_code == 200
        )

    def test_after_the_wait_the_address_may_try_again_until_the_block(self, client, db, monkeypatch):
        address = "203.0.113.51"
        clock = [time.time()]
        monkeypatch.setattr(staff_auth.time, "time", lambda: clock[0])
        for n in range(staff_auth.ADDRESS_BLOCK_AFTER):
            clock[0] += staff_auth.ADDRESS_MAX_WAIT_SECONDS + 1
            assert (
                post_sign_in(client, f"user{n}", "wrong-password-1", "000000", address).status_code == 200
            ), n
        clock[0] += staff_auth.ADDRESS_MAX_WAIT_SECONDS + 1
        blocked = post_sign_in(client, "someone", "wrong-password-1", "000000", address)
        assert blocked.status_code == 429
        assert "paused" in blocked.content.decode()
        # An hour without a failure from that address lifts the block.
        clock[0] += staff_auth.ADDRESS_WINDOW_SECONDS + 1
        assert post_sign_in(client, "someone", "wrong-password-1", "000000", address).status_code == 200


class NextAfterSignInTests:
    @pytest.mark.parametrize(
        "next_url",
        [
            "https://evil.example.com/",
            "//evil.example.com/staff/",
            "/staff/no-such-page/",
            "/no-such-page/",
            "/",
        ],
    )
    def test_an_off_site_or_unknown_next_lands_on_the_staff_home(self, client, clinician, next_url):
        from referrals.staff_otp import current_code

        device = staff_device(clinician)
        response = post_sign_in(
            client, "clinician", STAFF_PASSWORD, current_code(device), "127.0.0.1", next_url
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:index")

    def test_a_missing_next_lands_on_the_staff_home(self, client, clinician):
        from referrals.staff_otp import current_code

        device = staff_device(clinician)
        response = post_sign_in(client, "clinician", STAFF_PASSWORD, current_code(device), "127.0.0.1")
        assert response["Location"] == reverse("admin:index")

    def test_a_real_staff_page_is_kept(self, client, clinician):
        from referrals.staff_otp import current_code

        device = staff_device(clinician)
        target = reverse("admin:referrals_referral_changelist")
        response = post_sign_in(
            client, "clinician", STAFF_PASSWORD, current_code(device), "127.0.0.1", target
        )
        assert response["Location"] == target


@pytest.fixture
def vnu():
    """The Nu checker command, or a skip (a failure under REQUIRE_BROWSER=1), as tests/test_html_valid.py."""
    return test_html_valid.vnu_command.__wrapped__()


def test_the_staff_account_and_setup_pages_are_valid_html(
    vnu, tmp_path, staff_client, clinic_admin, clinician, newcomer
):
    """The Nu checker on every new page: staff list, add form (with errors), account, confirm, set-up."""
    import json
    import subprocess

    client = staff_client(clinic_admin)
    grant = staff_accounts.propose_role(actor=clinic_admin, user=clinician, role="clinic_admin")
    pending = staff_accounts.propose_role(actor=clinic_admin, user=newcomer, role="clinician")
    pages = {
        "list": client.get(reverse("admin:referrals_staffaccount_changelist")),
        "add": client.get(reverse("admin:referrals_staffaccount_add")),
        "add-errors": client.post(reverse("admin:referrals_staffaccount_add"), {"username": "bad name!"}),
        "account": client.get(reverse("admin:referrals_staffaccount_change", args=[newcomer.pk])),
        "own-account": client.get(reverse("admin:referrals_staffaccount_change", args=[clinic_admin.pk])),
        "grants": client.get(reverse("admin:referrals_rolegrant_changelist")),
        "confirm": client.get(reverse("admin:referrals_rolegrant_confirm", args=[pending.pk])),
        "confirm-done": client.get(reverse("admin:referrals_rolegrant_confirm", args=[grant.pk])),
        "reset-confirm": client.get(
            reverse("admin:referrals_staffaccount_action", args=[newcomer.pk, "reset-authenticator"])
        ),
    }
    client.logout()
    pages["expired"] = client.get(reverse("admin:staff-setup-password"))
    client.get(link_path(newcomer))
    pages["set-password"] = client.get(reverse("admin:staff-setup-password"))
    pages["set-password-errors"] = client.post(reverse("admin:staff-setup-password"), {"new_password1": "x"})
    set_password(client, newcomer)
    pages["authenticator"] = client.get(reverse("admin:staff-setup-authenticator"))
    pages["authenticator-errors"] = client.post(
        reverse("admin:staff-setup-authenticator"), {"otp_token": "12"}
    )
    secret = shown_secret(client.get(reverse("admin:staff-setup-authenticator")).content.decode())
    pages["done"] = client.post(reverse("admin:staff-setup-authenticator"), {"otp_token": code_for(secret)})
    files = []
    for name, response in pages.items():
        assert response.status_code in (200, 400), (name, response.status_code)
        file = tmp_path / f"{name}.html"
        file.write_bytes(response.content)
        files.append(str(file))
    result = subprocess.run(
        [*vnu, "--errors-only", "--format", "json", "--stdout", *files],
        capture_output=True,
        timeout=120,
    )
    messages = [m for m in json.loads(result.stdout or b"{}").get("messages", []) if m.get("type") == "error"]
    assert not messages, "\n".join(
        f"{m.get('url', '').rsplit('/', 1)[-1]}: {m.get('message')}" for m in messages
    )
