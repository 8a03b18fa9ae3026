"""Friendly error pages that never echo what was sent."""

import logging
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.shortcuts import render

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def _error(request, template: str, status: int):
    return render(request, template, status=status)


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        return request_too_large(request)
    outage = _database_outage_behind(exception)
    if outage is not None:
        # Django reports a session that could not be saved because the database went away as
        # SessionInterrupted (400); to the patient it is the same outage: try again shortly.
        return database_unavailable(request, outage)
    return _error(request, "errors/400.html", 400)


def request_too_large(request):
    return _error(request, "errors/413.html", 413)


def csrf_failure(request, reason=""):
    # The reason is for developers; the patient gets what to do next.
    return _error(request, "errors/403_csrf.html", 403)


def is_database_outage(exception) -> bool:
    # In development the traceback helps more (SQLite reports a missing migration as an
    # OperationalError too); in production a lost connection is an outage, not a bug.
    return not settings.DEBUG and isinstance(exception, OperationalError | InterfaceError)


def _database_outage_behind(exception, depth: int = 5):
    """The database error this exception was raised while handling, if any (SessionInterrupted)."""
    while exception is not None and depth:
        if is_database_outage(exception):
            return exception
        exception = exception.__cause__ or exception.__context__
        depth -= 1
    return None


def database_unavailable(request, exception=None):
    """The database is unreachable (restarting, failing over): ask the patient to retry shortly."""
    # The class name only: a driver message could quote the statement and its values.
    logger.warning("Database unavailable (%s): answered 503", type(exception).__name__)
    session = getattr(request, "session", None)
    if session is not None and not hasattr(session, "_session_cache"):
        # The session could not be loaded. Without this, SessionMiddleware would try again on the
        # way out and fail a second time; a 5xx response never saves it, so nothing is lost.
        session._session_cache = {}
    response = _error(request, "errors/503.html", 503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def permission_denied(request, exception=None):
    return _error(request, "errors/403.html", 403)


def page_not_found(request, exception=None):
    return _error(request, "errors/404.html", 404)


def server_error(request):
    exception = sys.exc_info()[1]
    if is_database_outage(exception):
        return database_unavailable(request, exception)
    return _error(request, "errors/500.html", 500)
