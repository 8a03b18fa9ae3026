"""WSGI entry point; fails closed by defaulting to production settings."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
os.environ.setdefault("DJANGO_ENV", "production")

application = get_wsgi_application()
