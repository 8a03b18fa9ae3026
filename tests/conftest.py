"""Shared fixtures: fast hashing, plain static storage, personas for the staff tests."""

import pytest


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Tests never need slow password hashing or whitenoise's manifest.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Information pages are cached per test (the cache is cleared), never kept in process memory.
    settings.INFO_PAGE_LOCAL_SECONDS = 0


# A fixed instant in the middle of every rate-limit window (15 minutes, an hour): the limiter's
# windows are fixed buckets, so a test that ran across an hour's edge saw its count start again.
RATE_LIMIT_CLOCK = 1_800_000_000 // 3600 * 3600 + 1800.0


@pytest.fixture(autouse=True)
def _clear_cache(monkeypatch):
    # Rate limits live in the cache; each test starts with none used, on a clock that stands still.
    from django.core.cache import cache

    from referrals import ratelimit

    monkeypatch.setattr(ratelimit, "now", lambda: RATE_LIMIT_CLOCK)
    cache.clear()
    yield
    cache.clear()


# --- Staff personas --------------------------------------------------------------------------
# Every admin test signs in through `staff_client(user)`, so a second sign-in factor can be added
# here in one place: it posts username, password and a current TOTP code to the real login view.

STAFF_PASSWORD = "correct-horse-battery-staple"


def _make_staff(django_user_model, username, group=None, **extra):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        username=username,
        password=STAFF_PASSWORD,
        email=f"{username}@clinic.example.com",
        is_staff=True,
        **extra,
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def coordinator(django_user_model, db):
    return _make_staff(django_user_model, "coordinator", "Intake coordinator")


@pytest.fixture
def clinician(django_user_model, db):
    return _make_staff(django_user_model, "clinician", "Clinician")


@pytest.fixture
def clinic_admin(django_user_model, db):
    return _make_staff(django_user_model, "clinicadmin", "Clinic admin")


@pytest.fixture
def staff_without_permission(django_user_model, db):
    return _make_staff(django_user_model, "nopermission")


@pytest.fixture
def superuser(django_user_model, db):
    return _make_staff(django_user_model, "superuser", is_superuser=True)


def staff_device(user):
    """The user's confirmed TOTP device, enrolled on first use (as the clinic admin would)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)


def sign_in_with_totp(client, user, *, password=STAFF_PASSWORD, code=None):
    """Post username, password and a current TOTP code to the real staff login view."""
    from django.urls import reverse

    from referrals.staff_otp import current_code

    device = staff_device(user)
    device.refresh_from_db()
    return client.post(
        reverse("admin:login"),
        {
            "username": user.get_username(),
            "password": password,
            "otp_token": current_code(device) if code is None else code,
            "next": reverse("admin:index"),
        },
    )


@pytest.fixture
def staff_client(client):
    """Sign a staff user in as they really would (password and TOTP code), and return the client."""

    def sign_in(user):
        response = sign_in_with_totp(client, user)
        assert response.status_code == 302, "staff sign-in with password and TOTP code failed"
        return client

    return sign_in
