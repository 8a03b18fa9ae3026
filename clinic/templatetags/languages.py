"""The language chooser: plain links to the same page in each language the site speaks."""

from django import template
from django.conf import settings
from django.utils import translation

register = template.Library()

# What each language calls itself, which is how a reader looks for it.
OWN_NAMES = {"en": "English", "es": "Español"}


def path_in(path: str, language: str) -> str:
    """The same page's path in `language`: English unprefixed, every other language under /xx/."""
    current = translation.get_language_from_path(path)
    if current and current != settings.LANGUAGE_CODE:
        path = path[len(current) + 1 :] or "/"
    if language == settings.LANGUAGE_CODE:
        return path
    return f"/{language}{path}"


# Route arguments a page may carry into the other language's link. Anything else (a link's secret
# token, or a path nothing matched, as on a "not found" page) is never echoed: those links go to
# the home page in the other language instead.
SAFE_ROUTE_ARGUMENTS = {"step"}


def chooser_path(request) -> str:
    match = getattr(request, "resolver_match", None) if request is not None else None
    if match is None or set(match.kwargs) - SAFE_ROUTE_ARGUMENTS or match.args:
        return "/"
    return request.path


@register.inclusion_tag("includes/language_chooser.html", takes_context=True)
def language_chooser(context):
    path = chooser_path(context.get("request"))
    current = translation.get_language()
    return {
        "choices": [
            {
                "code": code,
                "name": OWN_NAMES.get(code, name),
                "href": path_in(path, code),
                "current": code == current,
            }
            for code, name in settings.LANGUAGES
        ]
    }
