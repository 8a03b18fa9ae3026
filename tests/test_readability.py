"""Patient-facing pages read at grade 8 or below (Flesch-Kincaid), measured on the page's own text.

The text measured is what the page says in its main content: headings, paragraphs, list items, table cells and
FAQ answers. The site header and footer, the guide navigation, the referral box and the list of sources (titles
of papers, which patients need not read to follow the page) are left out. Each block that does not end in a full
stop counts as one sentence, as a list item or heading reads as one.
"""

import re
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from clinic.pages import PAGES
from referrals import notifications
from tests.referrals.intake_driver import IntakeDriver

MAX_GRADE = 8.0
# Written for referring clinicians, not patients: clinical terms are expected there.
NOT_FOR_PATIENTS = {"for-clinicians"}
BLOCKS = {
    "p",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "td",
    "th",
    "summary",
    "caption",
    "dt",
    "dd",
    "label",
    "legend",
}
SKIPPED = {"header", "footer", "nav", "aside", "script", "style"}

_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.,-]*")


def syllables(word: str) -> int:
    """An English syllable estimate: vowel groups, less a silent final e (not -le), at least one."""
    letters = re.sub(r"[^a-z]", "", word.lower())
    if not letters:
        return 1  # a number is read as a word
    count = len(_VOWEL_GROUPS.findall(letters))
    if letters.endswith("e") and not letters.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    if letters.endswith("es") and not letters.endswith(("ses", "zes", "ces", "ges", "xes")) and count > 1:
        count -= 1
    return max(count, 1)


def words_of(text: str) -> list[str]:
    return [w.strip(".,-'’") for w in _WORD.findall(text) if w.strip(".,-'’")]


def counts(blocks: list[str], words_of, syllables) -> tuple[int, int, int]:
    """(sentences, words, syllables) in these blocks, with the language's word and syllable rules.

    Each block is split after . ! ? : or ; and a block with no such mark counts as one sentence.
    """
    sentences = words = syllable_count = 0
    for block in blocks:
        for sentence in re.split(r"(?<=[.!?:;])\s+", block):
            found = words_of(sentence)
            if not found:
                continue
            sentences += 1
            words += len(found)
            syllable_count += sum(syllables(w) for w in found)
    return sentences, words, syllable_count


def grade(blocks: list[str]) -> float:
    """Flesch-Kincaid grade level of these blocks of text."""
    sentences, words, syllable_count = counts(blocks, words_of, syllables)
    if not words:
        return 0.0
    return 0.39 * words / sentences + 11.8 * syllable_count / words - 15.59


class MainText(HTMLParser):
    """The text blocks of <main>, without navigation, the referral box or the sources list."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._main = 0
        self._skip = 0
        self._block = 0
        self._text = ""

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "main":
            self._main += 1
        if not self._main:
            return
        if self._skip or tag in SKIPPED or "sources" in classes or "visually-hidden" in classes:
            self._skip += 1
            return
        if tag in BLOCKS:
            self._flush()
            self._block += 1

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag == "main":
            self._flush()
            self._main -= 1
            return
        if not self._main:
            return
        if self._skip:
            self._skip -= 1
            return
        if tag in BLOCKS:
            self._flush()
            self._block -= 1

    def handle_data(self, data):
        if self._main and not self._skip:
            self._text += data

    def _flush(self):
        text = " ".join(self._text.split())
        if text:
            self.blocks.append(text)
        self._text = ""


def main_text(content: str) -> list[str]:
    parser = MainText()
    parser.feed(content)
    parser.close()
    return parser.blocks


def test_syllables_and_grade_on_known_text():
    assert [syllables(w) for w in ("cat", "table", "ketamine", "infusion", "the", "blood", "pressure")] == [
        1, 2, 3, 3, 1, 1, 2,
    ]  # fmt: skip
    # Short, plain sentences read at an early grade; long, many-syllable ones far above 8.
    assert grade(["The cat sat on the mat. It was warm."]) < 2
    assert (
        grade(
            [
                "Intravenous administration of subanesthetic ketamine concentrations necessitates comprehensive "
                "cardiovascular monitoring, particularly among individuals demonstrating preexisting hypertensive "
                "conditions or considerable cerebrovascular vulnerability."
            ]
        )
        > 16
    )


PATIENT_PAGES = [page for page in PAGES if page.slug not in NOT_FOR_PATIENTS]


@pytest.mark.django_db
@pytest.mark.parametrize("page", PATIENT_PAGES, ids=[page.slug for page in PATIENT_PAGES])
def test_information_page_reads_at_grade_8_or_below(page):
    response = Client().get(reverse(page.url_name))
    assert response.status_code == 200
    blocks = main_text(response.content.decode())
    assert sum(len(words_of(b)) for b in blocks) > 80, "too little text measured"
    assert grade(blocks) <= MAX_GRADE, f"{page.slug}: grade {grade(blocks):.1f}"


@pytest.mark.django_db
def test_self_check_reads_at_grade_8_or_below():
    client = Client()
    form = main_text(client.get(reverse("referrals:self-check")).content.decode())
    answers = {"age_band": "18_49", "indication": "trd", "pregnancy": "no", "substance": "no", "safety": "no"}
    result = main_text(client.post(reverse("referrals:self-check"), answers).content.decode())
    for name, blocks in (("form", form), ("result", result)):
        assert grade(blocks) <= MAX_GRADE, f"self-check {name}: grade {grade(blocks):.1f}"


@pytest.mark.django_db
def test_save_and_finish_later_pages_read_at_grade_8_or_below():
    client = Client()
    driver = IntakeDriver(client)
    driver.run_to("reason")
    pages = {"save": driver.post("reason", wizard_save_later="1")}
    pages["saved"] = client.post(reverse("referrals:intake-save"), {"email": "a@example.com"}, follow=True)
    notifications.send_due()
    link = re.search(r"https?://\S+?(/refer/resume/[^\s/]+/)", mail.outbox[-1].body).group(1)
    pages["resume"] = Client().get(link)
    pages["problem"] = Client().post(link, {"date_of_birth": "1990-01-01"})
    for name, response in pages.items():
        blocks = main_text(response.content.decode())
        assert grade(blocks) <= MAX_GRADE, f"{name}: grade {grade(blocks):.1f}"
    email = [line for line in mail.outbox[-1].body.splitlines() if line.strip() and "http" not in line]
    assert grade(email) <= MAX_GRADE, f"email: grade {grade(email):.1f}"


# --- Spanish: Fernández-Huerta reading ease of 70 or more (tests/readability_es.py) ----------------

MIN_SPANISH_EASE = 70.0


def test_spanish_syllables_and_reading_ease_on_known_text():
    from tests.readability_es import reading_ease, syllables

    # Diphthongs join (tra-ta-mien-to), an accent breaks them (pa-ís), que/gue have a silent u.
    assert [syllables(w) for w in ("tratamiento", "país", "infusión", "que", "guerra", "hoy", "médico")] == [
        4, 2, 3, 1, 2, 1, 3,
    ]  # fmt: skip
    assert reading_ease(["El dolor baja. Usted se siente mejor. Llame si tiene dudas."]) > 80
    assert (
        reading_ease(
            [
                "La administración intravenosa de concentraciones subanestésicas de ketamina requiere una "
                "monitorización cardiovascular exhaustiva, particularmente en individuos con enfermedades "
                "hipertensivas preexistentes."
            ]
        )
        < 30
    )


@pytest.mark.django_db
@pytest.mark.parametrize("page", PATIENT_PAGES, ids=[page.slug for page in PATIENT_PAGES])
def test_spanish_information_page_reads_easily(page):
    from django.utils import translation

    from tests.readability_es import reading_ease

    with translation.override("es"):
        path = reverse(page.url_name)
    response = Client().get(path)
    assert response.status_code == 200
    blocks = main_text(response.content.decode())
    assert sum(len(words_of(b)) for b in blocks) > 80, "too little text measured"
    ease = reading_ease(blocks)
    assert ease >= MIN_SPANISH_EASE, f"{page.slug} in Spanish: reading ease {ease:.1f}"
