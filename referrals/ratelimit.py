"""Per-client rate limits kept in the shared cache (Redis in production), built once for every form."""

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

logger = logging.getLogger(__name__)


def client_id(request) -> str:
    # Behind our trusted proxy the client address is the one that proxy appended, the last entry of
    # X-Forwarded-For (earlier entries are whatever the client sent). Never trust it otherwise.
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and request.META.get("HTTP_X_FORWARDED_FOR"):
        address = request.META["HTTP_X_FORWARDED_FOR"].split(",")[-1].strip()
    else:
        address = request.META.get("REMOTE_ADDR", "")
    return hashlib.sha256(address.encode()).hexdigest()[:32]


def now() -> float:
    """The limiter's clock (tests hold it still, so a run that crosses a window edge counts the same)."""
    return time.time()


def _parse(rate: str) -> tuple[int, int]:
    count, _, seconds = rate.partition("/")
    return int(count), int(seconds)


def hit(request, group: str, *, record: bool = True) -> bool:
    """Count one use of `group` by this client; True when the client is over its limit."""
    limit, window = _parse(settings.RATE_LIMITS[group])
    bucket = int(now() // window)
    key = f"rl:{group}:{client_id(request)}:{bucket}"
    try:
        if not record:
            return (cache.get(key) or 0) >= limit
        cache.add(key, 0, timeout=window + 5)
        try:
            used = cache.incr(key)
        except ValueError:  # the key expired between add and incr
            cache.set(key, 1, timeout=window + 5)
            used = 1
    except Exception:  # the shared cache is down: never turn a patient away for it
        logger.warning("Rate-limit store unavailable; %s limit not applied", group)
        return False
    return used > limit


def limited_response(request, group: str):
    _limit, window = _parse(settings.RATE_LIMITS[group])
    response = render(request, "errors/429.html", {"retry_minutes": max(1, window // 60)}, status=429)
    response["Retry-After"] = str(window)
    return response
