"""ASGI entry point (we serve WSGI; kept for completeness); defaults to production."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("DJANGO_ENV", "production")

application = get_asgi_application()
