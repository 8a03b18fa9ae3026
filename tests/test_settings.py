"""Production settings fail closed; development needs no variables."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" + "x7Qp2Lm9Zr4Tb8Wv1Nc6Yd3Hf5Js0Ga" * 2
PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": GOOD_KEY,
    "DJANGO_ALLOWED_HOSTS": "clinic.example.com",
}
SHARED_CACHE = {"REDIS_URL": "redis://127.0.0.1:6379/0"}
PUBLIC_SITE = {"SITE_URL": "https://clinic.example.com"}
DEPLOYABLE = {**PRODUCTION, **SHARED_CACHE, **PUBLIC_SITE}


def run_check(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


class ProductionSettingsTests:
    def test_refuses_to_start_without_secret_key(self):
        result = run_check({"DJANGO_ENV": "production", "DJANGO_ALLOWED_HOSTS": "clinic.example.com"})
        assert result.returncode != 0
        assert "DJANGO_SECRET_KEY must be set" in result.stderr

    def test_refuses_to_start_without_allowed_hosts(self):
        result = run_check({"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": GOOD_KEY})
        assert result.returncode != 0
        assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr

    def test_refuses_a_short_secret_key(self):
        result = run_check(
            {
                "DJANGO_ENV": "production",
                "DJANGO_SECRET_KEY": "short",
                "DJANGO_ALLOWED_HOSTS": "a.example.com",
            }
        )
        assert result.returncode != 0
        assert "at least 50" in result.stderr

    def test_deploy_check_is_clean_with_its_secrets(self):
        result = run_check(
            DEPLOYABLE,
            "--deploy",
            "--fail-level",
            "WARNING",
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout

    def test_ssl_redirect_off_behind_proxy_silences_only_w008(self):
        result = run_check(
            {**DEPLOYABLE, "SECURE_SSL_REDIRECT": "false", "BEHIND_TLS_PROXY": "true"},
            "--deploy",
            "--fail-level",
            "WARNING",
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "1 silenced" in result.stdout

    @pytest.mark.parametrize(
        ("missing", "overrides", "message"),
        [
            ("redis", PUBLIC_SITE, "referrals.E101) REDIS_URL is not set"),
            ("site", SHARED_CACHE, "referrals.E102) SITE_URL is 'http://127.0.0.1:8000'"),
            ("localhost", {**SHARED_CACHE, "SITE_URL": "https://localhost:8443"},
             "SITE_URL is 'https://localhost:8443'"),
            ("plain-http", {**SHARED_CACHE, "SITE_URL": "http://clinic.example.com"},
             "SITE_URL is 'http://clinic.example.com'"),
        ],
    )  # fmt: skip
    def test_deploy_check_fails_without_shared_cache_or_public_site_url(self, missing, overrides, message):
        result = run_check(
            {**PRODUCTION, **overrides},
            "--deploy",
        )
        assert result.returncode != 0
        assert message in result.stderr, result.stderr

    def test_malformed_boolean_is_rejected(self):
        result = run_check({"DJANGO_ENV": "development", "DJANGO_DEBUG": "maybe"})
        assert result.returncode != 0
        assert "DJANGO_DEBUG must be true or false" in result.stderr


class DevelopmentSettingsTests:
    def test_development_needs_no_variables(self):
        result = run_check({})
        assert result.returncode == 0, result.stderr

    def test_sessions_live_in_the_database(self, settings):
        assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


@pytest.mark.parametrize("name", ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"])
def test_production_forces_secure_cookies(name):
    code = f"from django.conf import settings; print(settings.{name}, settings.DEBUG, settings.SECURE_HSTS_PRELOAD)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({**PRODUCTION, "DJANGO_SETTINGS_MODULE": "clinic.settings", "DJANGO_DEBUG": "true"})
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.split() == ["True", "False", "True"], out.stderr


class PageReviewSettingsTests:
    def test_a_malformed_review_date_is_refused(self):
        result = run_check(
            {"CLINIC_PAGES_REVIEWED_ON": "2 March 2027", "CLINIC_PAGES_REVIEWED_BY": "Medical Director"}
        )
        assert result.returncode != 0
        assert "CLINIC_PAGES_REVIEWED_ON must be a date written YYYY-MM-DD" in result.stderr

    def test_a_review_date_needs_its_reviewer_and_back(self):
        for env in (
            {"CLINIC_PAGES_REVIEWED_ON": "2027-03-02"},
            {"CLINIC_PAGES_REVIEWED_BY": "Medical Director"},
        ):
            result = run_check(env)
            assert result.returncode != 0, env
            assert "Set CLINIC_PAGES_REVIEWED_ON and CLINIC_PAGES_REVIEWED_BY together" in result.stderr

    def test_a_complete_review_starts(self):
        result = run_check(
            {"CLINIC_PAGES_REVIEWED_ON": "2027-03-02", "CLINIC_PAGES_REVIEWED_BY": "Medical Director"}
        )
        assert result.returncode == 0, result.stderr
