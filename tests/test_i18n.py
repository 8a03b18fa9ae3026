"""Spanish throughout the patient's path: routing by path, the language chooser, the catalogue,
and a check that every page of the path really says its words in Spanish.

English stays at unprefixed URLs and Spanish lives under /es/. The language comes from the path
alone: no redirect on Accept-Language, no cookie, so links already sent keep working and each
public URL is one cacheable page.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from clinic.pages import PAGES
from tests.referrals.intake_driver import IntakeDriver
from tests.test_readability import main_text

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
UNREVIEWED = "Unreviewed"  # the translator comment on every entry no native speaker has checked yet
REVIEW_LIST = ROOT / "docs" / "spanish-review.md"


def es(path: str) -> str:
    return f"/es{path}"


def html_lang(content: bytes) -> str:
    return re.search(rb'<html lang="([^"]+)"', content).group(1).decode()


def chooser_links(content: bytes) -> dict[str, str]:
    nav = re.search(rb'<nav class="language-chooser".*?</nav>', content, re.S).group(0).decode()
    return {lang: href for href, lang in re.findall(r'<a href="([^"]*)" lang="([a-z]+)"', nav)}


# --- Routing ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_english_stays_unprefixed_whatever_the_browser_prefers():
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    assert response.status_code == 200
    assert html_lang(response.content) == "en"
    assert "Accept-Language" not in response.get("Vary", "")
    assert response.cookies.get(settings.LANGUAGE_COOKIE_NAME) is None


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES, ids=[page.slug for page in PAGES])
def test_every_information_page_has_a_spanish_twin_with_the_chooser(page):
    english_path = reverse(page.url_name)
    with translation.override("es"):
        spanish_path = reverse(page.url_name)
    assert spanish_path == es(english_path)
    english = Client().get(english_path, HTTP_ACCEPT_LANGUAGE="es")
    spanish = Client().get(spanish_path)
    assert (english.status_code, spanish.status_code) == (200, 200)
    assert (html_lang(english.content), html_lang(spanish.content)) == ("en", "es")
    assert spanish["Content-Language"] == "es"
    # Plain links to the same page in each language, each named in its own language.
    for content in (english.content, spanish.content):
        assert chooser_links(content) == {"en": english_path, "es": spanish_path}
    assert b'lang="es" hreflang="es">Espa\xc3\xb1ol</a>' in english.content


@pytest.mark.django_db
def test_the_patient_path_answers_in_spanish_under_es():
    for name in ("referrals:start", "referrals:check-status", "referrals:self-check"):
        with translation.override("es"):
            path = reverse(name)
        response = Client().get(path, follow=True)
        assert response.status_code == 200, path
        assert html_lang(response.content) == "es", path
        assert response.redirect_chain == [] or all(
            url.startswith("/es/") for url, _ in response.redirect_chain
        )


@pytest.mark.django_db
def test_staff_pages_stay_english_only():
    assert Client().get("/es/staff/").status_code == 404
    assert Client().get("/staff/").status_code == 302


@pytest.mark.django_db
def test_the_chooser_never_echoes_a_link_token_or_an_unknown_path():
    token = "a" * 43
    for path in (
        f"/info/{token}/",
        f"/complete/{token}/",
        f"/refer/resume/{token}/",
        "/Qzsecret-1980-01-01/",
    ):
        response = Client(raise_request_exception=False).get(path)
        assert token.encode() not in response.content and b"Qzsecret" not in response.content, path
        assert chooser_links(response.content) == {"en": "/", "es": "/es/"}, path


@pytest.mark.django_db
def test_wizard_steps_keep_their_step_in_the_other_language():
    client = Client()
    driver = IntakeDriver(client)
    driver.start()
    path = driver.response.request["PATH_INFO"]
    links = chooser_links(driver.response.content)
    assert links == {"en": path, "es": es(path)}
    # Switching language mid-way keeps the answers: the wizard lives in the session, not the URL.
    driver.post()
    step = driver.current_step
    spanish = client.get(es(reverse("referrals:intake-step", args=[step])))
    assert spanish.status_code == 200 and html_lang(spanish.content) == "es"


@pytest.mark.django_db
def test_spanish_information_pages_are_cached_without_cookies():
    from clinic import middleware

    middleware._local_pages.clear()
    path = es(reverse("faq"))
    first = Client().get(path)
    assert first.status_code == 200 and not first.cookies
    key = middleware.info_page_cache_key(path)
    from django.core.cache import cache

    assert cache.get(key) is not None
    assert html_lang(Client().get(path).content) == "es"


# --- The catalogue --------------------------------------------------------------------------------


def catalogue():
    return polib.pofile(str(CATALOGUE))


def test_every_string_has_a_spanish_translation():
    po = catalogue()
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert len(po) > 500, "the catalogue holds the patient's whole path"
    assert not untranslated, f"{len(untranslated)} strings have no Spanish: {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries (Django ignores them): {fuzzy[:5]}"


def test_placeholders_survive_translation():
    pattern = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
    wrong = []
    for entry in catalogue().translated_entries():
        pairs = [(entry.msgid, entry.msgstr)]
        if entry.msgid_plural:
            pairs = [(entry.msgid_plural, text) for text in entry.msgstr_plural.values()]
        for source, target in pairs:
            if sorted(pattern.findall(source)) != sorted(pattern.findall(target)):
                wrong.append(entry.msgid[:60])
    assert not wrong, wrong[:5]


def test_compiled_catalogue_matches_its_source():
    po = catalogue()
    mo = polib.mofile(str(COMPILED))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, dict(e.msgstr_plural)) for e in mo if e.msgid}
    source = {(e.msgctxt, e.msgid): (e.msgstr, dict(e.msgstr_plural)) for e in po.translated_entries()}
    stale = sorted(k[1][:60] for k in source.keys() ^ compiled.keys())
    changed = sorted(k[1][:60] for k in source.keys() & compiled.keys() if source[k][0] != compiled[k][0])
    assert not stale and not changed, f"run `make messages`: {(stale + changed)[:5]}"


def test_unreviewed_strings_are_marked_and_listed_for_the_translator():
    """Every entry says whether a native speaker reviewed it; docs/spanish-review.md lists the rest."""
    from django.core.management import call_command

    entries = list(catalogue())
    marks = [(e.tcomment or "").split(":")[0].split(" by ")[0] for e in entries]
    assert set(marks) <= {UNREVIEWED, "Reviewed"}, "run `python manage.py spanish_review`"
    call_command("spanish_review", check=True)
    listed = REVIEW_LIST.read_text()
    for entry in entries:
        if entry.tcomment.startswith(UNREVIEWED):
            assert entry.msgid.splitlines()[0] in listed


def test_catalogue_holds_every_marked_string_of_the_source(tmp_path):
    """Extract the marked strings again (GNU xgettext) and compare with the committed catalogue."""
    if shutil.which("xgettext") is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but GNU gettext (xgettext) is missing", pytrace=False)
        pytest.skip("GNU gettext is not installed")
    copy = tmp_path / "site"
    copy.mkdir()
    for name in ("clinic", "referrals", "templates", "locale"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "manage.py", copy)
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "clinic.settings", "PYTHONPATH": str(copy)}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "es", "--no-obsolete", "--add-location=file"],
        cwd=copy,
        env=environment,
        check=True,
        capture_output=True,
        timeout=300,
    )
    fresh = {(e.msgctxt, e.msgid) for e in polib.pofile(str(copy / "locale/es/LC_MESSAGES/django.po"))}
    committed = {(e.msgctxt, e.msgid) for e in catalogue()}
    assert not fresh - committed, (
        f"marked but not in the catalogue (run `make messages`): {sorted(fresh - committed)[:5]}"
    )
    assert not committed - fresh, f"in the catalogue but no longer marked: {sorted(committed - fresh)[:5]}"


# --- Nothing left in English ------------------------------------------------------------------------

# Blocks that read the same in both languages: names, numbers and addresses, not sentences.
SAME_IN_BOTH = re.compile(
    r"^(?:[\d\s().,:;/+-]+|.*\b(?:NMDA|CRPS|PTSD|TEPT|PHQ-9|GAD-7|PC-PTSD-5|ASQ|FDA|DOI|PMID|mg|kg|mmHg)\b.{0,20})$"
)


def words(text: str) -> list[str]:
    return re.findall(r"[A-Za-zÁÉÍÓÚÜÑáéíóúüñ]{2,}", text)


def english_left(english: bytes, spanish: bytes, allowed: set[str]) -> list[str]:
    """Text blocks of the Spanish page's main content that are word for word the English ones."""
    english_blocks = set(main_text(english.decode()))
    return [
        block
        for block in main_text(spanish.decode())
        if block in english_blocks
        and len(words(block)) >= 3
        and block not in allowed
        and not SAME_IN_BOTH.match(block)
    ]


def clinic_blocks() -> set[str]:
    clinic = settings.CLINIC
    return {str(value) for value in clinic.values() if isinstance(value, str)}


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES, ids=[page.slug for page in PAGES])
def test_information_pages_say_everything_in_spanish(page):
    path = reverse(page.url_name)
    left = english_left(Client().get(path).content, Client().get(es(path)).content, clinic_blocks())
    assert not left, f"{page.slug}: {len(left)} blocks still in English: {left[:3]}"


@pytest.mark.django_db
def test_intake_steps_say_everything_in_spanish():
    english_driver = IntakeDriver(Client())
    english_driver.start()
    with translation.override("es"):
        spanish_driver = IntakeDriver(Client())
        spanish_driver.start()
    problems = []
    for _ in range(20):
        step = english_driver.current_step
        assert spanish_driver.current_step == step
        assert html_lang(spanish_driver.response.content) == "es", step
        left = english_left(english_driver.response.content, spanish_driver.response.content, clinic_blocks())
        problems += [f"{step}: {block}" for block in left]
        if step == "review":
            break
        english_driver.post()
        with translation.override("es"):
            spanish_driver.post()
    assert not problems, f"{len(problems)} blocks still in English: {problems[:5]}"


@pytest.mark.django_db
def test_a_spanish_email_quotes_the_clinic_details_in_spanish():
    from datetime import date

    from django.core import mail

    from clinic.context_processors import clinic_in
    from referrals import notifications
    from referrals.models import Referral

    referral = Referral.objects.create(
        source=Referral.Source.SELF,
        status=Referral.Status.SUBMITTED,
        first_name="Avery",
        last_name="Hours",
        date_of_birth=date(1981, 4, 12),
        email="patient@example.com",
        language="es",
    )
    notifications.queue(
        referral, "patient_status_update", referral.email, status_url=notifications.status_url()
    )
    notifications.send_due()
    body = mail.outbox[-1].body
    spanish_hours, english_hours = clinic_in("es")["hours"], settings.CLINIC["hours"]
    assert spanish_hours != english_hours
    assert spanish_hours in body and english_hours not in body
    assert f"{settings.SITE_URL}/es/status/" in body


@pytest.mark.django_db
@pytest.mark.parametrize("page", [p for p in PAGES if p.in_guide], ids=[p.slug for p in PAGES if p.in_guide])
def test_english_citations_on_spanish_pages_say_they_are_english(page):
    """Screen readers read a citation's English title with English sounds, not Spanish ones."""
    with translation.override("es"):
        content = Client().get(reverse(page.url_name)).content.decode()
    section = re.search(r'<section class="sources.*?</section>', content, re.S).group(0)
    items = re.findall(r"<li>(.*?)</li>", section, re.S)
    assert items
    for item in items:
        assert '<span lang="en">' in item, item[:80]
        outside = re.sub(r'<span lang="en">.*?</span>', "", item, flags=re.S)
        assert not re.search(r"\b(?:the|of|and|for|in)\b", outside), (
            f"English outside its span: {outside[:80]}"
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("choice", "other", "language", "preferred"),
    [
        ("es", "", "es", "Spanish"),
        ("en", "", "en", "English"),
        ("other", "Tagalog", "en", "Tagalog"),
        ("", "", "en", ""),
    ],
)
def test_the_referring_clinician_names_the_patients_language(choice, other, language, preferred):
    """A Spanish-speaking patient of a clinician's referral gets the completion email, and its link,
    in Spanish: the completion link's page cannot offer the other language without its token."""
    from referrals.models import Notification, Referral
    from tests.referrals.provider_data import send_provider_referral

    response = send_provider_referral(Client(), patient_language=choice, patient_language_other=other)
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.language, referral.preferred_language) == (language, preferred)
    email = Notification.objects.get(referral=referral, template="patient_complete_health_questions")
    assert email.language == language
    assert ("/es/complete/" in email.context["link"]) == (language == "es")
    referrer = Notification.objects.get(referral=referral, template="referrer_received")
    assert referrer.language == "en"


@pytest.mark.django_db
def test_another_language_must_be_named_on_the_clinicians_form():
    from tests.referrals.provider_data import send_provider_referral

    response = send_provider_referral(Client(), patient_language="other", patient_language_other="")
    assert response.status_code == 200
    assert "Enter the language the patient prefers" in response.content.decode()
