"""The rate limiter itself: the client it counts, and what happens when its store is down."""

from unittest import mock

import pytest
from django.test import RequestFactory

from referrals import ratelimit


class ClientIdTests:
    def test_without_a_proxy_the_forwarded_header_is_ignored(self, settings):
        settings.SECURE_PROXY_SSL_HEADER = None
        a = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1")
        b = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="2.2.2.2")
        assert ratelimit.client_id(a) == ratelimit.client_id(b)

    def test_behind_the_proxy_a_spoofed_first_entry_does_not_change_the_client(self, settings):
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        a = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7")
        b = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7")
        c = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="203.0.113.8")
        assert ratelimit.client_id(a) == ratelimit.client_id(b) != ratelimit.client_id(c)


class StoreDownTests:
    @pytest.mark.parametrize("record", [True, False])
    def test_a_broken_store_lets_the_request_through(self, settings, record):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "status": "1/900"}
        request = RequestFactory().post("/status/", REMOTE_ADDR="10.0.0.2")
        with mock.patch.object(ratelimit, "cache") as broken:
            broken.add.side_effect = ConnectionError("store down")
            broken.get.side_effect = ConnectionError("store down")
            assert ratelimit.hit(request, "status", record=record) is False

    def test_counts_when_the_store_works(self, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "status": "2/900"}
        request = RequestFactory().post("/status/", REMOTE_ADDR="10.0.0.3")
        assert [ratelimit.hit(request, "status") for _ in range(3)] == [False, False, True]


class WindowEdgeTests:
    def test_a_count_does_not_restart_within_its_window(self, settings, monkeypatch):
        """The shared fixture holds the limiter's clock; moving it past the window's edge is the
        only thing that starts a new count."""
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "status": "2/900"}
        request = RequestFactory().post("/status/", REMOTE_ADDR="10.0.0.4")
        start = ratelimit.now()
        assert start % 3600 == 1800  # the middle of an hour: far from every window's edge
        assert [ratelimit.hit(request, "status") for _ in range(3)] == [False, False, True]
        monkeypatch.setattr(ratelimit, "now", lambda: start + 899 - start % 900)
        assert ratelimit.hit(request, "status") is True
        monkeypatch.setattr(ratelimit, "now", lambda: start + 900 - start % 900)
        assert ratelimit.hit(request, "status") is False
