"""Headers Django does not set itself: Permissions-Policy and no-store on dynamic pages."""

from django.conf import settings


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
