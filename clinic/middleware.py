"""Project middleware: headers Django does not set itself, request limits, database outages, honeypot."""

import time

from django.conf import settings

# Session key (Unix seconds) of the last time a session's expiry was pushed back.
TOUCHED_AT = "touched_at"
TOUCH_EVERY_SECONDS = 60


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        # Every page the app renders may carry PHI or a form token; static files are served
        # (and cached) by whitenoise before this middleware runs.
        response["Cache-Control"] = "no-store"
        return response


class RequestSizeLimitMiddleware:
    """Refuse a request body larger than MAX_REQUEST_BYTES before anything reads it.

    Django limits form fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but not the files of a multipart post;
    this caps the whole body at what the largest legitimate post (5 files of 10 MB) needs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            from clinic.views import request_too_large

            response = request_too_large(request)
        else:
            response = self.get_response(request)
        if response.status_code == 413:
            drain_body(request, length)
        return response


# Read and discard at most this much of a refused body (the proxy in front refuses larger ones).
DRAIN_MAX_BYTES = 64 * 1024 * 1024


def drain_body(request, length: int) -> None:
    """Read what is left of a body the app refused, so the client reads our 413 page.

    A server that answers and closes while request bytes are still arriving makes the client's
    kernel report a reset (the browser shows a broken connection, not the page). Behind nginx
    (docs/deploy.md) the proxy has buffered the body already and this reads from its socket.
    """
    stream = getattr(request, "_stream", None)
    if stream is None or length > DRAIN_MAX_BYTES:
        return
    try:
        while stream.read(64 * 1024):
            pass
    except OSError:  # the client went away meanwhile
        pass


class DatabaseUnavailableMiddleware:
    """A lost database connection (e.g. PostgreSQL restarting) gets a calm 503, not a 500.

    Errors raised outside views (in other middleware) reach `clinic.views.server_error`, which
    does the same.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from clinic.views import database_unavailable, is_database_outage

        if is_database_outage(exception):
            return database_unavailable(request, exception)
        return None


class HoneypotMiddleware:
    """Public forms carry a field people never see (includes/honeypot.html); bots fill it.

    A filled honeypot gets a calm generic page before the view runs, so nothing is stored.
    Staff pages are exempt: they have no honeypot and need none.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.path.startswith("/staff/"):
            return None
        if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return None
        if request.POST.get(settings.HONEYPOT_FIELD, ""):
            from django.shortcuts import render

            return render(request, "errors/honeypot.html", status=400)
        return None


class SessionTouchMiddleware:
    """Slide a session's idle expiry at most once a minute, instead of saving it on every request.

    Replaces SESSION_SAVE_EVERY_REQUEST (a session write per page view, reads included). A session
    that changed is saved anyway (with a fresh expiry); one that did not is saved only when its
    last push is a minute old, so a patient's 2 idle hours end at most a minute early. Staff
    sessions are kept by StaffSessionTimeoutMiddleware ("last seen", the same minute). Empty
    sessions (visitors who started nothing) are never created. Goes right after SessionMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.modified or not session.session_key or response.status_code >= 500:
            return response
        from referrals.staff_auth import LAST_SEEN_AT

        if session.is_empty() or LAST_SEEN_AT in session:
            return response
        now = int(time.time())
        if now - session.get(TOUCHED_AT, 0) >= TOUCH_EVERY_SECONDS:
            session[TOUCHED_AT] = now
        return response


INFO_PAGE_CACHE_SECONDS = 300
# Each process also keeps the pages it served for this long, sparing the shared cache's round trip.
_local_pages: dict[str, tuple[float, tuple]] = {}


class PathLanguageMiddleware:
    """Activate the language named by the URL's prefix: /es/... is Spanish, anything else English.

    Django's LocaleMiddleware would also consult a cookie and Accept-Language, redirect, and add
    `Vary: Accept-Language` to every English page; here the path alone decides, so one URL is
    always one page in one language (cacheable, and an emailed link opens as it was sent).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation

        language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        return response


def info_page_cache_key(path: str) -> str:
    return f"clinic:info-page:v2:{path}"


def forget_info_pages() -> None:
    """Drop every cached information page (a clinic admin saved the screening policy).

    This process forgets at once; other processes within INFO_PAGE_LOCAL_SECONDS.
    """
    from django.core.cache import cache

    from clinic.pages import info_page_paths

    _local_pages.clear()
    cache.delete_many([info_page_cache_key(path) for path in info_page_paths()])


class InfoPageCacheMiddleware:
    """Serve the public information pages from the cache, past the rest of the middleware.

    They are the same for every visitor: no session, no form token, no personal data. The first
    GET renders through the whole stack (so the cached response carries the CSP, frame and
    permissions headers) and is kept only when it sets no cookie; later GETs of the same path,
    without a query string or a session cookie, get that response straight from the cache. A
    patient with a session (an intake in progress) always goes through the full stack. Entries
    last INFO_PAGE_CACHE_SECONDS in the shared cache (a deploy's new wording shows within that
    time) and INFO_PAGE_LOCAL_SECONDS in each process, and are dropped when the screening policy
    is saved (`forget_info_pages`), since pages may quote its values.
    Goes right after SecurityMiddleware and WhiteNoise (the HTTPS redirect still applies).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._cacheable(request):
            return self.get_response(request)
        from django.core.cache import cache

        now = time.monotonic()
        local = _local_pages.get(request.path)
        if local is not None and local[0] > now:
            return self._response(local[1])
        key = info_page_cache_key(request.path)
        stored = cache.get(key)
        if not (isinstance(stored, tuple) and len(stored) == 3):  # missing, or an older format
            stored = None
        if stored is None:
            response = self.get_response(request)
            if response.status_code != 200 or response.cookies or response.streaming:
                return response
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            stored = (response.status_code, list(response.items()), response.content)
            cache.set(key, stored, INFO_PAGE_CACHE_SECONDS)
        else:
            response = self._response(stored)
        seconds = getattr(settings, "INFO_PAGE_LOCAL_SECONDS", 5)
        if seconds:
            _local_pages[request.path] = (now + seconds, stored)
        return response

    @staticmethod
    def _response(stored):
        from django.http import HttpResponse

        status, headers, content = stored
        return HttpResponse(content, status=status, headers=dict(headers))

    @staticmethod
    def _cacheable(request) -> bool:
        from clinic.pages import info_page_paths

        return (
            request.method in ("GET", "HEAD")
            and not request.META.get("QUERY_STRING")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and request.path in info_page_paths()
        )
