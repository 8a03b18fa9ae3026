"""Template context shared by every page: the clinic's configured details."""

from django.conf import settings


def clinic(request):
    return {"clinic": settings.CLINIC}
