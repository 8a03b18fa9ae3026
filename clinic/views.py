"""Friendly error pages that never echo what was sent."""

import logging
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def error_language(request) -> str:
    """The language of the path asked for: /es/... is Spanish, anything else English.

    Error pages may be rendered outside PathLanguageMiddleware (a handler called after it has
    finished), so they read the path themselves; without a request, the language in force. Only
    the language is taken from the path: it is never shown on the page.
    """
    if request is None:
        return translation.get_language() or settings.LANGUAGE_CODE
    path = getattr(request, "path_info", None) or ""
    return translation.get_language_from_path(path) or settings.LANGUAGE_CODE


def _error(request, template: str, status: int, context=None):
    context = dict(context or {})
    if request is None:  # no request, so no context processors: the page still names the clinic
        context.setdefault("clinic", settings.CLINIC)
    with translation.override(error_language(request)):
        return render(request, template, context, status=status)


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
    language = error_language(request)
    try:
        return _error(request, "errors/500.html", 500)
    except Exception as failure:  # noqa: BLE001 - the page that reports errors must not fail itself
        # A context processor or the request itself may be what failed: render the same page
        # from the template alone, without the request's context, in the path's language.
        logger.warning("500 page rendered without the request context (%s)", type(failure).__name__)
    with translation.override(language):
        try:
            content = loader.render_to_string("errors/500.html", {"clinic": settings.CLINIC})
        except Exception as failure:  # noqa: BLE001
            logger.warning("500 page template failed (%s): answered plain text", type(failure).__name__)
            content = translation.gettext("Sorry, something went wrong on our side")
            return HttpResponse(content, status=500, content_type="text/plain; charset=utf-8")
    return HttpResponse(content, status=500)
