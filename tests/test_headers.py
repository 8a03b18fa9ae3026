"""Security headers and cookies on every public page, the staff login and the admin."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from clinic.pages import PAGES
from referrals import demo

ROOT = Path(__file__).resolve().parent.parent

PUBLIC_URLS = [reverse(page.url_name) for page in PAGES] + [
    reverse("referrals:start"),
    reverse("referrals:intake"),
    reverse("referrals:provider-referral"),
    reverse("referrals:check-status"),
    reverse("referrals:self-check"),
    reverse("referrals:complete", args=["not-a-real-token"]),
    reverse("referrals:info-response", args=["not-a-real-token"]),
    "/no-such-page/",
]


def assert_secure_headers(response):
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "http" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_every_public_page_sends_the_security_headers(client, url):
    response = client.get(url)
    assert response.status_code in (200, 302, 404)
    assert_secure_headers(response)


@pytest.mark.django_db
def test_hsts_is_sent_over_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@pytest.mark.django_db
def test_the_staff_login_sends_the_headers_and_strict_cookies(client):
    page = client.get(reverse("admin:login"))
    assert page.status_code == 200
    assert_secure_headers(page)
    csrf = page.cookies["csrftoken"]
    assert csrf["httponly"] and csrf["samesite"] == "Lax" and not csrf["domain"]


def test_a_failed_and_a_successful_sign_in_keep_the_headers(client, clinician):
    from tests.conftest import sign_in_with_totp

    failed = sign_in_with_totp(client, clinician, password="not-the-password-at-all")
    assert_secure_headers(failed)
    signed_in = sign_in_with_totp(client, clinician)
    assert signed_in.status_code == 302
    assert_secure_headers(signed_in)
    session = signed_in.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax" and not session["domain"]


def test_admin_pages_send_the_headers(staff_client, clinician, superuser):
    referral = demo.make_referral("submitted", clinician=clinician)
    client = staff_client(clinician)
    for url in (
        reverse("admin:index"),
        reverse("admin:referrals_referral_changelist"),
        reverse("admin:referrals_referral_change", args=[referral.pk]),
        reverse("admin:referrals_referral_export"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_secure_headers(response)
    admin = staff_client(superuser)
    assert_secure_headers(admin.get(reverse("admin:auditlog_logentry_changelist")))


def production_probe() -> dict:
    """Fetch the staff login page with production settings in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    env.update(
        DJANGO_ENV="production",
        DJANGO_SETTINGS_MODULE="clinic.settings",
        DJANGO_SECRET_KEY="k" + "x7Qp2Lm9Zr4Tb8Wv1Nc6Yd3Hf5Js0Ga" * 2,
        DJANGO_ALLOWED_HOSTS="clinic.example.com",
        DATABASE_URL="sqlite:///:memory:",
        PYTHONPATH=str(ROOT),
    )
    script = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
# The checkout has no collected static files; production's manifest storage would refuse.
plain_static = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=plain_static):
    r = Client().get("/staff/login/", secure=True, HTTP_HOST="clinic.example.com")
    plain = Client().get("/", HTTP_HOST="clinic.example.com")
print(json.dumps({
    "status": r.status_code, "headers": dict(r.headers), "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "cookies": {n: {k: m[k] for k in ("secure", "httponly", "samesite", "domain", "path")} for n, m in r.cookies.items()},
    "settings": {k: getattr(settings, k) for k in (
        "SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_DOMAIN", "CSRF_COOKIE_DOMAIN", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "DEBUG")},
}))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


class ProductionHeadersTests:
    @pytest.fixture(scope="class")
    def probe(self):
        return production_probe()

    def test_hsts_and_https_redirect(self, probe):
        assert probe["status"] == 200
        assert probe["headers"]["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert probe["plain_status"] == 301
        assert probe["plain_location"].startswith("https://clinic.example.com/")

    def test_host_only_secure_cookies(self, probe):
        settings = probe["settings"]
        assert settings["SESSION_COOKIE_NAME"] == "__Host-sessionid"
        assert settings["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
        assert settings["SESSION_COOKIE_SECURE"] and settings["CSRF_COOKIE_SECURE"]
        assert settings["SESSION_COOKIE_HTTPONLY"] and settings["CSRF_COOKIE_HTTPONLY"]
        assert settings["SESSION_COOKIE_DOMAIN"] is None and settings["CSRF_COOKIE_DOMAIN"] is None
        csrf = probe["cookies"]["__Host-csrftoken"]
        assert csrf == {"secure": True, "httponly": True, "samesite": "Lax", "domain": "", "path": "/"}

    def test_headers_as_in_development(self, probe):
        headers = probe["headers"]
        assert headers["Cache-Control"] == "no-store"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert probe["settings"]["DEBUG"] is False
