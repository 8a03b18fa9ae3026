"""No PHI in logs, error reports, URLs or email: a self-referral full of marker values leaves no trace.

Every free-text field of the intake carries its own marker (names, email local part, phone numbers
and date of birth carry marker-like values); logging is captured at DEBUG for every logger. The test
fails if a marker shows up in a log record, a mail subject or body (after `send_due`), a redirect
`Location`, any URL requested or linked, the server error report or the 500 page.
"""

import importlib.util
import logging
import re
import sys
from pathlib import Path

import pytest
from django import forms
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.views.debug import ExceptionReporter

from referrals import notifications
from referrals.models import Referral, SavedIntake
from referrals.views.intake import FORMS
from tests.intake_data import step_data
from tests.intake_flow import complete, payload, run_to

pytestmark = pytest.mark.django_db

FIRST, LAST = "Qzfirstmark", "Qzlastmark"
FREE_TEXT = {
    "about": {
        "first_name": FIRST,
        "last_name": LAST,
        "preferred_name": "Qzprefmark",
        "email": "qzemailmark@example.com",
        "phone": "(555) 017-3311",
        "emergency_name": "Qzemergmark",
        "emergency_relationship": "Qzrelmark",
        "emergency_phone": "(555) 017-4422",
        "date_of_birth": "1977-03-29",
        "preferred_language": "other",
        "preferred_language_other": "Qzlangmark",
    },
    "reason": {"treatments_tried": "Qztreatmark therapy", "goals": "Qzgoalmark"},
    "medications": {"medication_list": "Qzmedsmark 20 mg", "allergies": "Qzallergymark"},
    "practical": {
        "payment": "insurance",
        "insurer": "Qzinsurermark",
        "member_id": "QZMEMBER9931",
        "group_number": "QZGROUP7731",
    },
    "consent": {"signature": f"{FIRST} {LAST}"},
}
# What must never appear, in every form it could take (phones and dates as typed and as stored).
MARKERS = [
    "qzfirstmark", "qzlastmark", "qzprefmark", "qzemailmark", "qzemergmark", "qzrelmark", "qztreatmark",
    "qzgoalmark", "qzmedsmark", "qzallergymark", "qzinsurermark", "qzmember9931", "qzgroup7731",
    "qzlangmark", "017-3311", "0173311", "017-4422", "0174422", "1977-03-29", "03/29/1977",
]  # fmt: skip


def marked_data() -> dict:
    data = step_data("ptsd")
    for step, values in FREE_TEXT.items():
        data[step].update(values)
    return data


def leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [marker for marker in MARKERS if marker in lowered]


class CaptureAll(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def text(self) -> str:
        formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        return "\n".join(formatter.format(record) for record in self.records)


@pytest.fixture
def all_logs():
    """Every logger at DEBUG, including those that do not propagate (django.request)."""
    handler = CaptureAll()
    loggers = [logging.getLogger()] + [
        logging.getLogger(name)
        for name in list(logging.root.manager.loggerDict)
        if not name.startswith("faker")
    ]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    yield handler
    for logger, level, disabled in saved:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.disabled = disabled


def links(html: str) -> list[str]:
    return re.findall(r'(?:href|action|src)="([^"]*)"', html)


class IntakeMarkerTests:
    def test_every_free_text_field_carries_a_marker(self):
        free_text = {
            (step, name)
            for step, form in FORMS
            for name, field in form.base_fields.items()
            if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.HiddenInput)
        }
        marked = {(step, name) for step, values in FREE_TEXT.items() for name in values}
        assert free_text <= marked, f"add markers for {sorted(free_text - marked)}"

    def test_a_completed_intake_leaks_no_marker(self, client, all_logs):
        requested = []
        response = complete(client, marked_data(), on_request=lambda url, post: requested.append(url))
        assert response.redirect_chain[-1][0] == reverse("referrals:intake-confirmation")
        referral = Referral.objects.get()
        # The markers really went in (otherwise the test would pass vacuously).
        assert referral.first_name == FIRST and referral.details["medication_list"] == "Qzmedsmark 20 mg"
        assert referral.details["payment"]["insurer"] == "Qzinsurermark"

        sent, failed = notifications.send_due()
        assert sent >= 2 and failed == 0
        for message in mail.outbox:
            assert not leaks(message.subject), message.subject
            assert not leaks(message.body), message.body

        assert not leaks(all_logs.text()), all_logs.text()
        assert not leaks(" ".join(requested))
        assert not leaks(" ".join(url for url, _status in response.redirect_chain))
        assert not leaks(" ".join(links(response.content.decode())))

    def test_every_redirect_location_and_link_is_clean(self, client):
        data = marked_data()
        seen = []

        def check(url, post):
            seen.append(url)
            page = client.get(url)
            assert not leaks(" ".join(links(page.content.decode()))), url

        run_to(client, "review", data, on_request=check)
        review = client.get(reverse("referrals:intake-step", args=["review"]))
        post = payload("review", {}, review)
        response = client.post(reverse("referrals:intake-step", args=["review"]), post)
        assert response.status_code == 302 and not leaks(response["Location"])
        assert len(seen) >= 10


class SavedIntakeMarkerTests:
    """Save and finish later: the marked answers go into the saved row, and nowhere else."""

    def test_saving_and_resuming_a_marked_intake_leaks_no_marker(self, client, all_logs):
        data = marked_data()
        requested = []
        page = run_to(client, "practical", data, on_request=lambda url, post: requested.append(url))
        url = reverse("referrals:intake-step", args=["practical"])
        post = {**payload("practical", data["practical"], page), "wizard_save_later": "1"}
        save_page = client.post(url, post, follow=True)
        assert save_page.request["PATH_INFO"] == reverse("referrals:intake-save")
        saved_page = client.post(
            reverse("referrals:intake-save"), {"email": "qzemailmark@example.com"}, follow=True
        )
        again = client.post(reverse("referrals:intake-saved"), follow=True)  # a new link: a second email
        assert "We sent a new link" in again.content.decode()
        saved = SavedIntake.objects.get()
        # The markers really went in (otherwise the test would pass vacuously).
        assert saved.state["step_data"]["practical"]["practical-insurer"] == ["Qzinsurermark"]
        assert saved.state["step_data"]["about"]["about-first_name"] == [FIRST]

        sent, failed = notifications.send_due()
        assert sent == 2 and failed == 0
        for message in mail.outbox:
            assert not leaks(message.subject), message.subject
            assert not leaks(message.body), message.body
        link = re.search(r"https?://\S+?(/refer/resume/[^\s/]+/)", mail.outbox[-1].body).group(1)

        other = Client()
        wrong = other.post(link, {"date_of_birth": "1990-01-01"}, follow=True)
        resumed = other.post(link, {"date_of_birth": "1977-03-29"}, follow=True)
        assert resumed.request["PATH_INFO"] == url
        assert "Qzinsurermark" in resumed.content.decode()  # shown to the patient, on their page only
        chain = [
            u
            for response in (save_page, saved_page, again, wrong, resumed)
            for u, _ in response.redirect_chain
        ]
        pages = [save_page, saved_page, again, wrong]
        assert not leaks(" ".join(requested + chain + [link]))
        assert not any(leaks(" ".join(links(p.content.decode()))) for p in pages + [resumed])
        for p in pages:  # the save, saved and problem pages echo nothing the patient typed
            assert not leaks(p.content.decode().replace("qzemailmark@example.com", "")), p.request[
                "PATH_INFO"
            ]
        assert not leaks(all_logs.text()), all_logs.text()


class ServerErrorTests:
    def test_a_server_error_during_a_marked_request_reports_no_marker(self, all_logs, monkeypatch):
        client = Client(raise_request_exception=False)
        review = run_to(client, "review", marked_data())

        def broken(*args, **kwargs):
            raise RuntimeError("simulated failure inside the submission")

        monkeypatch.setattr("referrals.workflow.submit_referral", broken)
        all_logs.records.clear()
        post = payload("review", {}, review)
        # Marker-like extras in the post too, as a hostile or confused client might send.
        post["extra"] = "Qzfirstmark"
        response = client.post(reverse("referrals:intake-step", args=["review"]), post)

        assert response.status_code == 500
        assert not leaks(response.content.decode())
        assert "simulated failure" not in response.content.decode()
        request_logs = [r for r in all_logs.records if r.name == "django.request"]
        assert request_logs, "django.request logged the error"
        report = all_logs.text() + "\n".join(
            logging.Formatter().formatException(r.exc_info) for r in all_logs.records if r.exc_info
        )
        assert "simulated failure" in report
        assert not leaks(report), report
        assert Referral.objects.count() == 0

    def test_the_error_report_an_admin_email_would_carry_hides_posted_values(self, rf, settings):
        # If ADMINS were ever configured, AdminEmailHandler sends this report: no posted value in it,
        # and no local variable of the failing frames (which hold the cleaned answers).
        request = rf.post("/refer/self/review/", {"about-first_name": FIRST, "reason-goals": "Qzgoalmark"})
        cleaned = {"first_name": FIRST, "medication_list": "Qzmedsmark"}  # noqa: F841 (a frame local)
        try:
            raise ValueError("failure")
        except ValueError:
            report = ExceptionReporter(request, *sys.exc_info()).get_traceback_text()
        assert "about-first_name" in report  # the key is shown, its value is not
        assert not leaks(report), report

    @pytest.mark.parametrize(
        "url",
        [
            "/refer/self/Qzfirstmark/",
            "/Qzfirstmark-1977-03-29/",
            "/status/?q=Qzfirstmark",
            "/staff/Qzfirstmark/",
        ],
    )
    def test_error_pages_never_echo_the_request(self, client, url):
        response = client.get(url)
        assert response.status_code in (302, 400, 404, 200)
        assert not leaks(response.content.decode())


class AccessLogTests:
    def test_gunicorn_logs_the_path_without_the_query_string_or_referer(self):
        from datetime import timedelta

        from gunicorn.config import Config
        from gunicorn.glogging import Logger

        spec = importlib.util.spec_from_file_location(
            "gunicorn_conf", Path(__file__).parent.parent / "gunicorn.conf.py"
        )
        conf = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(conf)
        cfg = Config()
        cfg.set("access_log_format", conf.access_log_format)
        logger = Logger(cfg)
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": "/staff/referrals/referral/?q=Qzlastmark",
            "PATH_INFO": "/staff/referrals/referral/",
            "QUERY_STRING": "q=Qzlastmark",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_REFERER": "https://clinic.example.com/staff/referrals/referral/?q=Qzfirstmark",
            "HTTP_USER_AGENT": "test",
        }

        class Response:
            status = "200 OK"
            sent = 10
            headers = []

        atoms = logger.atoms(Response(), environ, environ, timedelta(milliseconds=5))
        line = conf.access_log_format % collections_safe(atoms)
        assert "/staff/referrals/referral/" in line
        assert "?" not in line and not leaks(line), line


def collections_safe(atoms: dict) -> dict:
    # gunicorn formats with a SafeAtoms mapping; a plain dict is enough for the atoms we use.
    return dict(atoms)
