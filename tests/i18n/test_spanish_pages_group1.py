"""The first group of information pages in Spanish, at /es/...: the home page, what ketamine infusion is, the
conditions treated, how it works, benefits and risks, and other treatments (with their sources).

Each Spanish page answers with <html lang="es">, its Spanish title, plain Spanish (Fernández-Huerta reading
ease of 70 or more on the same main text the English grade test measures) and the same facts: every number
the English page gives is on the Spanish page too. The registry's titles, menu labels and descriptions are
translated for every page, and the routes stay the same English words in both languages.
"""

import re
from html import unescape
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from clinic.pages import PAGES, PAGES_BY_SLUG
from tests.readability_es import reading_ease
from tests.test_readability import main_text

MIN_EASE = 70.0
SLUGS = ["home", "what-is-ketamine", "conditions", "how-it-works", "benefits-and-risks", "alternatives"]
GROUP = [PAGES_BY_SLUG[slug] for slug in SLUGS]
TEMPLATES = [f"templates/pages/{slug.replace('-', '_')}.html" for slug in SLUGS] + [
    f"templates/pages/sources/{slug.replace('-', '_')}.html" for slug in SLUGS if slug != "home"
]
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"
# Numbers as written in running text: 2,342 and 0.5 and 71% are one number each.
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# The Spanish 988 line answers in Spanish when the caller presses 2: that "2" is the one number added.
CRISIS_EXTRA = {"2"}


def es_path(page) -> str:
    return f"/es/{page.route}"


def numbers(blocks: list[str]) -> set[str]:
    return {n for block in blocks for n in NUMBER.findall(block)}


def title_of(content: str) -> str:
    return unescape(" ".join(re.search(r"<title>(.*?)</title>", content, re.S).group(1).split()))


def h1_of(content: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", re.search(r"<h1[^>]*>(.*?)</h1>", content, re.S).group(1)).strip())


def spanish(text) -> str:
    with translation.override("es"):
        return str(text)


@pytest.fixture
def client():
    return Client()


@pytest.mark.django_db
@pytest.mark.parametrize("page", GROUP, ids=SLUGS)
class SpanishPageTests:
    def test_spanish_page_answers_in_spanish_with_its_title(self, client, page):
        response = client.get(es_path(page))
        assert response.status_code == 200
        content = response.content.decode()
        assert '<html lang="es">' in content
        title = spanish(page.title)
        assert title != str(page.title), f"{page.slug}: title not translated"
        assert title_of(content).startswith(f"{title} | ")
        assert h1_of(content) == title
        assert f'<meta name="description" content="{spanish(page.description)}">' in content.replace(
            "&quot;", '"'
        )

    def test_the_english_page_is_unchanged(self, client, page):
        content = client.get(reverse(page.url_name)).content.decode()
        assert '<html lang="en">' in content
        assert h1_of(content) == str(page.title)
        assert title_of(content).startswith(f"{page.title} | ")

    def test_spanish_reads_easily(self, client, page):
        blocks = main_text(client.get(es_path(page)).content.decode())
        assert sum(len(b.split()) for b in blocks) > 80, "too little text measured"
        ease = reading_ease(blocks)
        assert ease >= MIN_EASE, f"{page.slug}: Fernández-Huerta {ease:.1f}"

    def test_same_numbers_as_the_english_page(self, client, page):
        english = numbers(main_text(client.get(reverse(page.url_name)).content.decode()))
        content = client.get(es_path(page)).content.decode()
        spanish_numbers = numbers(main_text(content))
        assert not english - spanish_numbers, (
            f"{page.slug}: missing in Spanish: {sorted(english - spanish_numbers)}"
        )
        extra = spanish_numbers - english
        if "988" in english:
            extra -= CRISIS_EXTRA
        assert not extra, f"{page.slug}: only in Spanish: {sorted(extra)}"

    def test_links_stay_in_spanish(self, client, page):
        content = client.get(es_path(page)).content.decode()
        main = content[content.index("<main") : content.index("</main>")]
        internal = [h for h in re.findall(r'href="(/[^"]*)"', main) if not h.startswith(settings.STATIC_URL)]
        assert internal, page.slug
        # Every page and form linked from the article opens in Spanish (the sources page too).
        english_only = [h for h in internal if not h.startswith("/es/")]
        assert not english_only, f"{page.slug}: {english_only}"

    def test_crisis_line_in_spanish_where_the_page_gives_it(self, client, page):
        text = " ".join(main_text(client.get(es_path(page)).content.decode()))
        if "988" in text:
            assert "oprima 2 para español" in text
            assert "911" in text


@pytest.mark.django_db
def test_sources_keep_their_citations_in_spanish(client):
    """Only the words around a citation change: titles, authors, journals and identifiers stay as published."""
    content = " ".join(client.get("/es/benefits-and-risks/").content.decode().split())
    assert "doi:10.1016/j.genhosppsych.2024.07.001 (PubMed 38991311)" in content
    assert (
        "Murrough JW, et al. Rapid and longer-term antidepressant effects of repeated ketamine infusions"
        in content
    )
    assert "(un estudio abierto de 24 personas)" in content
    content = " ".join(client.get("/es/ketamine-infusion/").content.decode().split())
    assert "Revisada en octubre de 2024." in content
    assert "Domino EF. Taming the ketamine tiger. Anesthesiology, 2010." in content


def test_registry_is_translated_for_every_page():
    with translation.override("es"):
        rows = [(str(p.title), str(p.nav_label), str(p.description)) for p in PAGES]
    english_rows = [(str(p.title), str(p.nav_label), str(p.description)) for p in PAGES]
    for page, row, english in zip(PAGES, rows, english_rows, strict=True):
        for field, es, en in zip(("title", "nav_label", "description"), row, english, strict=True):
            assert es and es != en, f"{page.slug}.{field} has no Spanish: {en!r}"
    assert len({r[0] for r in rows}) == len(rows), "Spanish titles must be unique"
    assert len({r[2] for r in rows}) == len(rows), "Spanish descriptions must be unique"


def test_routes_are_the_same_words_in_both_languages():
    for page in PAGES:
        english = reverse(page.url_name)
        with translation.override("es"):
            assert reverse(page.url_name) == f"/es{english}"


def test_every_string_of_these_pages_has_a_spanish_translation():
    catalogue = polib.pofile(str(CATALOGUE))
    mine = ["clinic/pages.py", *TEMPLATES]
    entries = [e for e in catalogue if any(path in mine for path, _line in e.occurrences)]
    assert len(entries) > 300, "run `make messages`: the catalogue lacks these pages' strings"
    untranslated = [e.msgid for e in entries if not e.translated()]
    assert not untranslated, untranslated[:5]
    for entry in entries:
        for placeholder in re.findall(r"%\(\w+\)s", entry.msgid):
            assert placeholder in (entry.msgstr or entry.msgstr_plural[0]), entry.msgid
