"""Spanish for the FAQ, clinicians', privacy and accessibility pages, every error page and the
"coming soon" page: each answers in Spanish under /es/, reads easily (Fernández-Huerta 70 or more,
except the page written for clinicians), and no error page echoes the path or what was sent.
"""

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from clinic import views
from tests.readability_es import reading_ease
from tests.readability_es import words_of as spanish_words
from tests.test_readability import main_text

MIN_EASE = 70.0
SECRET = "Qzsecret-1980-01-01"  # stands for anything a visitor typed: never shown back

# slug: a sentence only the Spanish page says.
PAGES = {
    "faq": "¿Me van a dormir?",
    "for-clinicians": "A quién atendemos",
    "privacy": "Qué datos reunimos",
    "accessibility": "Límites conocidos",
}
PATIENT_PAGES = [slug for slug in PAGES if slug != "for-clinicians"]


def spanish_path(name: str, *args) -> str:
    with translation.override("es"):
        return reverse(name, args=args)


def html_lang(content: bytes) -> str:
    return re.search(rb'<html lang="([^"]+)"', content).group(1).decode()


def chooser_links(content: bytes) -> dict[str, str]:
    nav = re.search(rb'<nav class="language-chooser".*?</nav>', content, re.S).group(0).decode()
    return {lang: href for href, lang in re.findall(r'<a href="([^"]*)" lang="([a-z]+)"', nav)}


# --- The information pages --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("slug", PAGES)
def test_page_answers_in_spanish_under_es(slug):
    path = spanish_path(slug)
    assert path.startswith("/es/")
    response = Client().get(path)
    assert response.status_code == 200
    assert html_lang(response.content) == "es"
    content = response.content.decode()
    assert PAGES[slug] in content
    # The English page is unchanged, in English.
    english = Client().get(reverse(slug))
    assert english.status_code == 200 and html_lang(english.content) == "en"
    assert PAGES[slug] not in english.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("slug", PATIENT_PAGES)
def test_patient_page_reads_easily_in_spanish(slug):
    blocks = main_text(Client().get(spanish_path(slug)).content.decode())
    assert sum(len(spanish_words(b)) for b in blocks) > 80, "too little text measured"
    ease = reading_ease(blocks)
    assert ease >= MIN_EASE, f"{slug} in Spanish: reading ease {ease:.1f}"


@pytest.mark.django_db
def test_faq_crisis_lines_say_press_2_for_spanish():
    content = Client().get(spanish_path("faq")).content.decode()
    assert content.count("oprima 2 para español") >= 3  # the callout, after hours, thoughts of suicide
    assert "911" in content


@pytest.mark.django_db
def test_faq_links_stay_in_spanish():
    content = Client().get(spanish_path("faq")).content.decode()
    for name in (
        "misuse-and-the-law",
        "what-to-expect",
        "costs",
        "referrals:start",
        "referrals:check-status",
    ):
        assert f'href="{spanish_path(name)}"' in content, name


@pytest.mark.django_db
def test_sources_stay_as_cited():
    english = Client().get(reverse("faq")).content.decode()
    spanish = Client().get(spanish_path("faq")).content.decode()
    citation = "Murrough JW, et al. Rapid and longer-term antidepressant effects"
    assert citation in english and citation in spanish


# --- Error pages --------------------------------------------------------------------------------


def assert_spanish_error(response, status: int, heading: str):
    assert response.status_code == status
    content = response.content.decode()
    assert html_lang(response.content) == "es"
    assert f"<h1>{heading}</h1>" in content
    assert "Si necesita ayuda, llámenos al" in content
    assert 'href="/es/"' in content  # the home page button, in Spanish
    assert SECRET.lower() not in content.lower()


@pytest.mark.django_db
def test_a_missing_page_under_es_is_a_spanish_404_that_does_not_echo_the_path():
    response = Client().get(f"/es/{SECRET}/does-not-exist/")
    assert_spanish_error(response, 404, "No encontramos esa página")
    assert chooser_links(response.content) == {"en": "/", "es": "/es/"}
    assert Client().get("/es/does-not-exist/").status_code == 404


@pytest.mark.django_db
def test_a_missing_english_page_stays_english():
    response = Client().get(f"/{SECRET}/")
    assert response.status_code == 404
    assert html_lang(response.content) == "en"
    assert "We cannot find that page" in response.content.decode()
    assert SECRET not in response.content.decode()


@pytest.mark.django_db
def test_too_large_under_es_is_spanish(settings):
    settings.MAX_REQUEST_BYTES = 2000
    response = Client().post(
        spanish_path("referrals:check-status"), {"reference": SECRET, "date_of_birth": "y" * 3000}
    )
    assert_spanish_error(response, 413, "Era demasiado para enviar de una sola vez")
    assert "10 MB" in response.content.decode()


@pytest.mark.django_db
def test_too_many_fields_under_es_is_spanish(settings):
    post = {f"{SECRET}{n}": "1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = Client().post(spanish_path("referrals:self-check"), post)
    assert_spanish_error(response, 413, "Era demasiado para enviar de una sola vez")


@pytest.mark.django_db
def test_rate_limit_under_es_is_spanish(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "status": "2/900"}
    client, url = Client(), spanish_path("referrals:check-status")
    for _ in range(2):
        client.post(url, {"reference": SECRET, "date_of_birth": "1980-01-01"})
    response = client.post(url, {"reference": SECRET, "date_of_birth": "1980-01-01"})
    assert_spanish_error(response, 429, "Espere un poco antes de intentar otra vez")
    assert "espere hasta 15 minutos" in response.content.decode()
    assert int(response["Retry-After"]) == 900


@pytest.mark.django_db
def test_rate_limit_in_english_is_unchanged(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "status": "1/900"}
    client, url = Client(), reverse("referrals:check-status")
    client.post(url, {})
    content = client.post(url, {}).content.decode()
    assert "please wait up to 15 minutes and then try again" in content


@pytest.mark.django_db
def test_honeypot_under_es_is_spanish(settings):
    response = Client().post(spanish_path("referrals:self-check"), {settings.HONEYPOT_FIELD: SECRET})
    assert_spanish_error(response, 400, "No pudimos aceptar ese formulario")


@pytest.mark.django_db
def test_csrf_failure_under_es_is_spanish():
    response = Client(enforce_csrf_checks=True).post(spanish_path("referrals:self-check"), {"x": SECRET})
    assert_spanish_error(response, 403, "Este formulario venció")


HANDLERS = {
    "400": (lambda request: views.bad_request(request), 400, "Hubo un problema con ese formulario"),
    "403": (lambda request: views.permission_denied(request), 403, "Esta página no está disponible"),
    "404": (lambda request: views.page_not_found(request), 404, "No encontramos esa página"),
    "413": (
        lambda request: views.request_too_large(request),
        413,
        "Era demasiado para enviar de una sola vez",
    ),
    "500": (lambda request: views.server_error(request), 500, "Lo sentimos, algo falló de nuestro lado"),
    "503": (lambda request: views.database_unavailable(request), 503, "Intente otra vez en un momento"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("code", HANDLERS)
def test_handlers_called_outside_the_middleware_read_the_language_from_the_path(code):
    # As Django calls them once an exception has left the middleware: nothing activated Spanish.
    handler, status, heading = HANDLERS[code]
    assert_spanish_error(handler(RequestFactory().get(f"/es/{SECRET}/")), status, heading)
    english = handler(RequestFactory().get(f"/{SECRET}/"))
    assert html_lang(english.content) == "en" and SECRET not in english.content.decode()


@pytest.mark.django_db
def test_the_500_page_renders_when_rendering_with_the_request_fails(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a context processor failed")

    monkeypatch.setattr(views, "render", broken)
    for path, lang, heading in (
        (f"/es/{SECRET}/", "es", "Lo sentimos, algo falló de nuestro lado"),
        (f"/{SECRET}/", "en", "Sorry, something went wrong on our side"),
    ):
        response = views.server_error(RequestFactory().get(path))
        assert response.status_code == 500
        assert html_lang(response.content) == lang
        content = response.content.decode()
        assert heading in content and SECRET not in content
        assert "(555) 010-0100" in content  # the clinic's phone, without the request's context


@pytest.mark.django_db
def test_the_500_page_renders_without_a_request():
    with translation.override("es"):
        response = views.server_error(None)
    assert response.status_code == 500
    assert html_lang(response.content) == "es"
    content = response.content.decode()
    assert "Lo sentimos, algo falló de nuestro lado" in content and "(555) 010-0100" in content


# --- Coming soon --------------------------------------------------------------------------------


def test_coming_soon_page_in_spanish(settings):
    with translation.override("es"):
        content = render_to_string(
            "referrals/coming_soon.html", {"heading": "Formulario", "clinic": settings.CLINIC}
        )
    assert '<html lang="es">' in content
    assert "Este formulario en línea estará listo pronto." in content
    assert "Formulario: este formulario en línea estará listo pronto." in content
    assert "Volver a la página principal" in content
