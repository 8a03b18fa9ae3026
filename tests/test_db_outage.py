"""A lost database gets a calm 503 "try again shortly" page, and a submission is stored whole or not at all."""

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import reverse

from clinic.views import server_error
from referrals.models import ClearanceItem, Finding, Notification, Referral
from tests.intake_flow import payload, run_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    # An outage may surface in middleware, where Django's handler500 answers: do not re-raise it.
    return Client(raise_request_exception=False)


def failing(exc_class, match: str = ""):
    """An execute wrapper that fails every query (or those whose SQL contains `match`) like a dead server."""

    def wrapper(execute, sql, params, many, context):
        if match in sql:
            raise exc_class("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    return connection.execute_wrapper(wrapper)


def assert_try_again(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "Please try again shortly" in body
    assert "Traceback" not in body and "server closed" not in body


class DatabaseOutageTests:
    @pytest.mark.parametrize("exc_class", [OperationalError, InterfaceError])
    def test_a_page_that_needs_the_database_answers_503(self, exc_class, client):
        # The error may surface in middleware (staff session checks load the session) or in the view.
        client.get(reverse("referrals:intake"), follow=True)  # a session exists: its load hits the database
        with failing(exc_class):
            response = client.get(reverse("referrals:intake-step", args=["about"]))
        assert_try_again(response)

    def test_an_outage_inside_middleware_answers_503_too(self, client):
        # The session is saved after the view, by middleware: the error reaches handler500.
        with failing(OperationalError, match='INSERT INTO "django_session"'):
            response = client.get(reverse("referrals:intake"), follow=True)
        assert_try_again(response)

    def test_a_session_that_cannot_be_saved_answers_503_not_400(self, client):
        # Django turns a failed session UPDATE into SessionInterrupted (400); it is an outage too.
        client.get(reverse("referrals:intake"), follow=True)
        with failing(OperationalError, match='UPDATE "django_session"'):
            response = client.get(reverse("referrals:intake-step", args=["about"]))
        assert_try_again(response)

    def test_handler500_turns_a_database_error_into_503(self):
        request = RequestFactory().get("/")
        try:
            raise InterfaceError("connection already closed")
        except InterfaceError:
            response = server_error(request)
        assert_try_again(response)

    def test_other_errors_stay_a_friendly_500(self):
        request = RequestFactory().get("/")
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            response = server_error(request)
        assert response.status_code == 500
        assert "Retry-After" not in response

    def test_the_outage_is_logged_without_detail(self, client, caplog):
        client.get(reverse("referrals:intake"), follow=True)
        with failing(OperationalError), caplog.at_level("DEBUG"):
            client.get(reverse("referrals:intake-step", args=["about"]))
        ours = [r.getMessage() for r in caplog.records if r.name == "clinic.views"]
        assert ours == ["Database unavailable (OperationalError): answered 503"]

    def test_the_site_recovers_once_the_database_is_back(self, client):
        client.get(reverse("referrals:intake"), follow=True)
        with failing(OperationalError):
            assert client.get(reverse("referrals:intake-step", args=["about"])).status_code == 503
        assert client.get(reverse("referrals:intake-step", args=["about"])).status_code == 200


class SubmissionDuringOutageTests:
    def test_a_submit_that_fails_midway_stores_nothing_and_can_be_retried(self, client):
        review = run_to(client, "review")
        url = reverse("referrals:intake-step", args=["review"])
        post = payload("review", {}, review)
        # The referral row is written, then the server goes away before its findings and checklist.
        with failing(OperationalError, match='"referrals_screeningrun"'):
            response = client.post(url, post)
        assert_try_again(response)
        assert Referral.objects.count() == 0
        assert Finding.objects.count() == ClearanceItem.objects.count() == Notification.objects.count() == 0

        # The patient presses submit again once the database is back: stored once, complete.
        response = client.post(url, post, follow=True)
        assert response.redirect_chain[-1][0] == reverse("referrals:intake-confirmation")
        referral = Referral.objects.get()
        assert referral.checklist.exists()
        assert referral.screening_runs.filter(current=True).count() == 1
        assert Notification.objects.filter(referral=referral).count() == 2
        # A third post of the same form does not store a second referral.
        client.post(url, post, follow=True)
        assert Referral.objects.count() == 1
