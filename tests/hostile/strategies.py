"""Hostile values and helpers shared by the hostile-input suite."""

import re

from django.core.cache import cache
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from referrals.models import Document, Notification, ProviderReferrer, Referral

# Modest example counts keep the whole suite well under a minute; deadline off (database work).
SUITE = settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)

NASTY = [
    "\x00",
    "abc\x00def",
    "x" * 100_000,
    "é" * 100_000,
    "",
    " ",
    "2023-02-30",
    "2023-13-01",
    "0000-00-00",
    "9999-12-31",
    "1899-12-31",
    "02/30/2023",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "Infinity",
    "12.5",
    "١٢٣",
    "not-a-choice",
    "yes\x00",
    "<script>alert(1)</script>",
    "' OR '1'='1' --",
    "../../../../etc/passwd",
    "%00",
    "\u202e\u200b\ufeff",
    "a@b",
    "😀" * 50,
]

hostile_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(min_size=1, max_size=10).map(lambda t: t + "\x00"),
)
# A field may also be sent several times, or not at all.
hostile_value = st.one_of(
    hostile_text,
    st.lists(hostile_text, min_size=2, max_size=3),
    st.none(),
)

ALLOWED = {200, 302, 400, 403, 404, 413, 429}
FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*?\bname="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
SKIP = {"csrfmiddlewaretoken", "hp_check"}


def reset_limits():
    cache.clear()


def field_names(html: str) -> list[str]:
    return sorted({name for name in FIELD.findall(html) if name not in SKIP})


def hidden_values(html: str) -> dict[str, str]:
    return {name: value for name, value in HIDDEN.findall(html) if name not in SKIP}


def with_value(data: dict, field: str, value) -> dict:
    data = dict(data)
    if value is None:
        data.pop(field, None)
    else:
        data[field] = value
    return data


def stored_counts() -> tuple[int, int, int, int]:
    return (
        Referral.objects.count(),
        Document.objects.count(),
        Notification.objects.count(),
        ProviderReferrer.objects.count(),
    )


def assert_clear(response):
    assert response.status_code in ALLOWED, f"{response.status_code} for {response.request['PATH_INFO']}"
    if response.status_code in (200, 400) and response.get("Content-Type", "").startswith("text/html"):
        body = response.content.decode()
        assert "Traceback" not in body
