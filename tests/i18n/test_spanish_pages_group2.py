"""Spanish information pages, group 2 (issue 18): misuse and the law, clearance, who may not be
suitable, what to expect, who gives the care, costs, sources, and the parts every page shares
(header, footer, guide navigation, review line, referral box).

Each page answers at /es/ in plain Spanish (Fernández-Huerta >= 70), quotes the clinic's screening
values and configured text, and keeps its sources as cited. English output does not change.
"""

import re
from datetime import date
from html import unescape
from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings
from django.test import Client

from clinic.context_processors import clinic_in
from clinic.pages import PAGES_BY_SLUG
from tests.readability_es import reading_ease
from tests.test_readability import main_text

pytestmark = pytest.mark.django_db

MIN_EASE = 70.0
SLUGS = [
    "misuse-and-the-law",
    "clearance",
    "who-may-not-be-suitable",
    "what-to-expect",
    "who-gives-the-care",
    "costs",
    "sources",
]
TEMPLATES = [f"templates/pages/{slug.replace('-', '_')}.html" for slug in SLUGS] + [
    "templates/pages/_info_page.html",
    *(f"templates/pages/sources/{slug.replace('-', '_')}.html" for slug in SLUGS if slug != "sources"),
    *(
        f"templates/includes/{name}.html"
        for name in ("footer", "guide_nav", "page_review", "refer_cta", "header")
    ),
]
CATALOGUE = Path(django_settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"
REVIEW_PENDING_ES = "Los profesionales de salud de la clínica aún no han revisado esta página."


def get(path: str) -> str:
    response = Client().get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def es(slug: str) -> str:
    return get(f"/es/{PAGES_BY_SLUG[slug].route}")


def en(slug: str) -> str:
    return get(f"/{PAGES_BY_SLUG[slug].route}")


def text_of(content: str) -> str:
    """The visible words of a page, one space between them."""
    content = re.sub(r"<(script|style)\b.*?</\1>", " ", content, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", content)).split())


def section(content: str, tag: str) -> str:
    match = re.search(rf"<{tag}\b.*?</{tag}>", content, flags=re.S)
    assert match, tag
    return text_of(match.group(0))


@pytest.mark.parametrize("slug", SLUGS)
def test_each_page_is_spanish_and_reads_easily(slug):
    content = es(slug)
    assert '<html lang="es">' in content
    blocks = main_text(content)
    assert sum(len(b.split()) for b in blocks) > 80, "too little text measured"
    ease = reading_ease(blocks)
    assert ease >= MIN_EASE, f"{slug}: Fernández-Huerta {ease:.1f}"
    # The shared parts are Spanish too.
    text = text_of(content)
    assert "Guía de la infusión de ketamina" in text
    assert "¿Quiere dar el siguiente paso?" in text and "3 días hábiles" in text
    assert "Ready to take the next step?" not in text and "Guide to ketamine infusion" not in text


@pytest.mark.parametrize("slug", SLUGS)
def test_english_page_is_unchanged_in_english(slug):
    content = en(slug)
    assert '<html lang="en">' in content
    text = text_of(content)
    assert "Ready to take the next step?" in text and "Guide to ketamine infusion" in text
    assert "oprima" not in text and "Fuentes" not in text


def test_the_footer_and_header_give_the_spanish_crisis_lines():
    content = es("what-to-expect")
    footer = section(content, "footer")
    assert "Este sitio web no puede responder a emergencias" in footer
    assert "llame al 911" in footer
    assert "llamar o enviar un texto al 988" in footer
    assert "marque 988 y oprima 2" in footer
    assert 'href="tel:988"' in content and 'href="tel:911"' in content
    header = section(content, "header")
    assert "988" in header and "oprima 2 para español" in header and "Llame al 911" in header
    assert "Menú" in header and "Pida un referido" in header and "Costos" in header
    # English keeps its own wording.
    english = en("what-to-expect")
    assert "Veterans can call 988 and press 1." in section(english, "footer")
    assert "Call or text 988" in section(english, "header")


def test_page_crisis_callouts_name_988_and_the_spanish_option():
    for slug in ("clearance", "what-to-expect"):
        text = text_of(es(slug))
        assert "envíe un texto al 988" in text and "oprima 2 para español" in text, slug
        assert "llame al 911" in text, slug


def test_the_review_line_is_spanish_until_a_review_is_set():
    for slug in SLUGS:
        text = text_of(es(slug))
        assert REVIEW_PENDING_ES in text, slug
        assert "Last reviewed" not in text and "not yet been reviewed" not in text, slug
    assert "aún no han revisado estas páginas" in text_of(es("sources"))


def test_a_set_review_shows_a_spanish_date_and_the_spanish_role(settings):
    settings.CLINIC = {
        **settings.CLINIC,
        "pages_reviewed_on": date(2027, 3, 2),
        "pages_reviewed_by": "the Medical Director",
        "translations": {
            "es": {**settings.CLINIC["translations"]["es"], "pages_reviewed_by": "el director médico"}
        },
    }
    for slug in SLUGS:
        text = text_of(es(slug))
        assert "Última revisión: 2 de marzo de 2027, por el director médico." in text, slug
        assert REVIEW_PENDING_ES not in text, slug
        assert "Last reviewed March 2, 2027 by the Medical Director." in text_of(en(slug)), slug
    assert "La última revisión de las páginas fue el 2 de marzo de 2027, por el director médico." in text_of(
        es("sources")
    )
    assert "The pages were last reviewed on March 2, 2027 by the Medical Director." in text_of(en("sources"))


def test_without_a_spanish_role_the_configured_role_is_shown(settings):
    es_text = {
        key: value
        for key, value in settings.CLINIC["translations"]["es"].items()
        if key != "pages_reviewed_by"
    }
    settings.CLINIC = {
        **settings.CLINIC,
        "pages_reviewed_on": date(2027, 11, 20),
        "pages_reviewed_by": "Dr. Rivera",
        "translations": {"es": es_text},
    }
    assert "Última revisión: 20 de noviembre de 2027, por Dr. Rivera." in text_of(es("costs"))


def test_the_ecg_age_is_the_policy_value_in_both_languages():
    assert "un electrocardiograma (ECG), si tiene 50 años o más" in text_of(es("clearance"))
    assert "a heart tracing (ECG), if you are 50 or older" in text_of(en("clearance"))


def test_the_clearance_page_states_the_measured_intake_time_in_spanish():
    from referrals.intake_length import STATED_MINUTES

    low, high = STATED_MINUTES
    assert f"Toma unos {low} a {high} minutos" in text_of(es("clearance"))
    assert f"It takes about {low} to {high} minutes" in text_of(en("clearance"))


def test_a_changed_policy_is_quoted_the_same_in_both_languages():
    from referrals.models import ScreeningPolicy

    ScreeningPolicy.objects.create(ecg_age=45, bmi_limit=32)
    spanish, english = text_of(es("clearance")), text_of(en("clearance"))
    assert "si tiene 45 años o más" in spanish and "50 años" not in spanish
    assert "if you are 45 or older" in english and "50 or older" not in english
    # The BMI limit is quoted on the FAQ: the same number in both languages.
    english_faq = text_of(en("faq"))
    assert "BMI of 32 or more" in english_faq and "BMI of 35" not in english_faq
    assert re.search(r"\b(BMI|IMC)\b[^.?]*\b32\b|\b32\b[^.?]*\b(BMI|IMC)\b", text_of(es("faq")))


def test_the_clinic_text_follows_the_language():
    spanish = django_settings.CLINIC["translations"]["es"]
    who = text_of(es("who-gives-the-care"))
    for key, value in spanish["care"].items():
        assert value in who, key
        assert django_settings.CLINIC["care"][key] not in who, key
    expect = text_of(es("what-to-expect"))
    assert f"({spanish['hours']}) si tiene:" in expect
    assert f"Fuera de ese horario: {spanish['after_hours']}" in expect
    costs = text_of(es("costs"))
    assert spanish["prices"]["infusion_pain"] in costs
    assert django_settings.CLINIC["prices"]["consultation"] in costs
    assert spanish["hours"] in section(es("costs"), "footer")
    assert spanish["program"] in section(es("costs"), "header")
    # English pages keep the English text.
    english = text_of(en("who-gives-the-care"))
    for key, value in django_settings.CLINIC["care"].items():
        assert value in english, key
    assert django_settings.CLINIC["hours"] in text_of(en("costs"))


def test_clinic_in_replaces_only_what_a_language_gives(settings):
    settings.CLINIC = {
        "name": "Clinic",
        "hours": "9 to 5",
        "care": {"training": "Trained.", "equipment": "Oxygen."},
        "translations": {"es": {"care": {"training": "Con formación."}}},
    }
    spanish = clinic_in("es")
    assert spanish["care"] == {"training": "Con formación.", "equipment": "Oxygen."}
    assert spanish["hours"] == "9 to 5" and spanish["name"] == "Clinic"
    assert clinic_in("en") is settings.CLINIC
    settings.CLINIC = {"name": "Clinic", "hours": "9 to 5"}
    assert clinic_in("es")["hours"] == "9 to 5"


def test_a_spanish_default_never_hides_the_clinics_own_english_text(monkeypatch):
    from clinic.settings import _spanish

    monkeypatch.delenv("CLINIC_HOURS", raising=False)
    monkeypatch.delenv("CLINIC_HOURS_ES", raising=False)
    assert _spanish("CLINIC_HOURS", "Lunes a viernes") == "Lunes a viernes"
    monkeypatch.setenv("CLINIC_HOURS", "Tuesdays only")
    assert _spanish("CLINIC_HOURS", "Lunes a viernes") is None  # the English text stays
    monkeypatch.setenv("CLINIC_HOURS_ES", "Solo los martes")
    assert _spanish("CLINIC_HOURS", "Lunes a viernes") == "Solo los martes"


def test_sources_stay_as_cited():
    for slug in SLUGS:
        if slug == "sources":
            continue
        spanish, english = es(slug), en(slug)
        assert "Fuentes" in text_of(spanish)
        for citation in (
            "Cohen SP, Bhatia A, Buvanendran A, et al.",
            "JAMA Psychiatry, 2017",
            "Revised October 2024",
        ):
            if citation in text_of(english):
                assert citation in text_of(spanish), (slug, citation)
    sources = text_of(es("sources"))
    for citation in (
        "Federal Register 64 FR 37673, July 13, 1999 (effective August 12, 1999).",
        "45 CFR 149.610",
        "Riva-Posse P, et al. Blood pressure safety of subanesthetic ketamine for depression",
    ):
        assert citation in sources, citation


def test_the_costs_page_keeps_its_numbers():
    text = text_of(es("costs"))
    for fact in ("$400", "120 días", "3 a 9 días hábiles", "1 día hábil", "6 infusiones en 2 a 3 semanas"):
        assert fact in text, fact
    assert "www.cms.gov/nosurprises" in text


def test_every_string_of_these_templates_has_a_spanish_translation():
    catalogue = polib.pofile(str(CATALOGUE))
    found = 0
    placeholder = re.compile(r"%\(\w+\)s")
    for entry in catalogue:
        if not {path for path, _line in entry.occurrences} & set(TEMPLATES):
            continue
        found += 1
        assert "fuzzy" not in entry.flags, entry.msgid
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for translation in translations:
            assert translation.strip(), entry.msgid
            assert sorted(placeholder.findall(translation)) == sorted(placeholder.findall(entry.msgid)), (
                entry.msgid
            )
    assert found > 250
