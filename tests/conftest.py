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


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate limits live in the cache; each test starts with none used.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
