"""How long the self-referral is: pages, answers and words a patient must read, on its shortest and longest paths.

    .venv/bin/python bench/intake_length.py [--check] [--out FILE]

Walks the intake with Django's test client (a throwaway test database, nothing else touched) from
the start page to the check-your-answers page, on two paths:

  pain        the shortest: CRPS only, male (no pregnancy questions, no depression history, no
              suicide-risk questions, no anxiety or PTSD questionnaires)
  depression  the longest: depression that has not improved with treatment, with PTSD and a pain
              condition as other reasons, female and able to become pregnant (every conditional page
              and question)

For each page it counts the words of the page's main content (`<main>`, as a sighted patient reads
it: every heading, question, help text and option label; not hidden elements, scripts, text for
screen readers only, or the body of a closed `<details>`, which the patient opens only if they wish) and the answers it asks for (each distinct visible field). The time is the
reading at WORDS_PER_MINUTE plus SECONDS_PER_ANSWER for each answer. It prints a JSON summary; with
--check it exits 1 when the range the pages state (`referrals.intake_length.STATED_MINUTES`) is
not the measured one. Not a test: pytest never collects it (tests/test_intake_length.py calls
`measure()`).
"""

import argparse
import json
import math
import os
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WORDS_PER_MINUTE = 200
SECONDS_PER_ANSWER = 5
WORD = re.compile(r"[A-Za-z0-9]+(?:['’.-][A-Za-z0-9]+)*")
SKIPPED_TAGS = {"script", "style", "template", "noscript"}
VOID_TAGS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
NOT_ANSWERS = {"hidden", "submit", "button", "reset", "image"}


class MainContent(HTMLParser):
    """The words and the answer fields of a page's `<main>`, skipping what a sighted patient never sees."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth_in_main = 0
        self.skip_depth = 0  # >0 while inside a skipped element
        self.details_depth = 0  # >0 while inside a closed <details> (only its <summary> shows)
        self.summary_depth = 0
        self.stack: list[str] = []
        self.chunks: list[str] = []
        self.fields: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in VOID_TAGS:
            self._field(tag, attrs)
            return
        self.stack.append(tag)
        if tag == "main":
            self.depth_in_main = len(self.stack)
        classes = (attrs.get("class") or "").split()
        hidden = (
            "hidden" in attrs or tag in SKIPPED_TAGS or "visually-hidden" in classes or "hp-field" in classes
        )
        if self.skip_depth == 0 and hidden:
            self.skip_depth = len(self.stack)
        if tag == "details" and "open" not in attrs and not self.details_depth:
            self.details_depth = len(self.stack)
        if tag == "summary" and self.details_depth == len(self.stack) - 1:
            self.summary_depth = len(self.stack)
        if tag in ("select", "textarea"):
            self._field(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._field(tag, dict(attrs))

    def handle_endtag(self, tag):
        if tag in VOID_TAGS or tag not in self.stack:
            return
        while self.stack:
            closed = self.stack.pop()
            if self.skip_depth > len(self.stack):
                self.skip_depth = 0
            if self.depth_in_main > len(self.stack):
                self.depth_in_main = 0
            if self.details_depth > len(self.stack):
                self.details_depth = 0
            if self.summary_depth > len(self.stack):
                self.summary_depth = 0
            if closed == tag:
                break

    def handle_data(self, data):
        folded = self.details_depth and not self.summary_depth
        if self.depth_in_main and not self.skip_depth and not folded:
            self.chunks.append(data)

    def _field(self, tag, attrs):
        if not self.depth_in_main or self.skip_depth or tag not in ("input", "select", "textarea"):
            return
        name = attrs.get("name") or ""
        if tag == "input" and (attrs.get("type") or "text") in NOT_ANSWERS:
            return
        if name and not name.endswith("-current_step") and "honeypot" not in name and name != "website":
            self.fields.add(name)

    @property
    def words(self) -> int:
        return len(WORD.findall(" ".join(self.chunks)))


def read_page(html: str) -> dict:
    parser = MainContent()
    parser.feed(html)
    parser.close()
    return {"words": parser.words, "answers": len(parser.fields)}


def path_data(name: str) -> dict:
    from tests.intake_data import step_data

    if name == "pain":
        data = step_data("crps")
        data["about"]["sex_at_birth"] = "male"
        return data
    data = step_data("trd")
    data["reason"]["secondary_indications"] = ["ptsd", "crps"]
    data["about"]["sex_at_birth"] = "female"
    data["health"].update(can_become_pregnant="yes", pregnant="no", breastfeeding="no")
    return data


def walk(client, data: dict) -> list[dict]:
    """Every page from the start page to the check-your-answers page, as the patient first sees it."""
    from django.urls import reverse

    pages = []
    start = client.get(reverse("referrals:start"))
    pages.append({"page": "start", **read_page(start.content.decode())})
    response = client.get(reverse("referrals:intake") + "?reset=1", follow=True)
    for _ in range(25):
        step = response.request["PATH_INFO"].rstrip("/").rsplit("/", 1)[-1]
        pages.append({"page": step, **read_page(response.content.decode())})
        if step == "review":
            return pages
        post = {f"{step}-{key}": value for key, value in data.get(step, {}).items()}
        post["intake_wizard-current_step"] = step
        response = client.post(reverse("referrals:intake-step", args=[step]), post, follow=True)
        after = response.request["PATH_INFO"].rstrip("/").rsplit("/", 1)[-1]
        if after == step:
            raise RuntimeError(f"the {step} page did not accept the bench's answers")
    raise RuntimeError("never reached the check-your-answers page")


def minutes(words: int, answers: int) -> float:
    return words / WORDS_PER_MINUTE + answers * SECONDS_PER_ANSWER / 60


def measure() -> dict:
    """Both paths' figures (needs a database: run inside a test, or through main())."""
    from django.test import Client

    results = {}
    for name in ("pain", "depression"):
        pages = walk(Client(), path_data(name))
        words = sum(p["words"] for p in pages)
        answers = sum(p["answers"] for p in pages)
        results[name] = {
            "pages": len(pages),
            "answers": answers,
            "words": words,
            "minutes": round(minutes(words, answers), 1),
            "per_page": pages,
        }
    return results


def measured_range(results: dict) -> tuple[int, int]:
    """Whole minutes a patient is told: the shortest path rounded down, the longest rounded up."""
    times = [r["minutes"] for r in results.values()]
    return math.floor(min(times)), math.ceil(max(times))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the stated range is not the measured one"
    )
    parser.add_argument("--out", help="also write the JSON summary here")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from referrals.intake_length import STATED_MINUTES

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        results = measure()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    low, high = measured_range(results)
    summary = {
        "reading": f"{WORDS_PER_MINUTE} words a minute plus {SECONDS_PER_ANSWER} s an answer",
        **results,
        "measured_minutes": [low, high],
        "stated_minutes": list(STATED_MINUTES),
    }
    text = json.dumps(summary, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    if args.check and (low, high) != tuple(STATED_MINUTES):
        print(f"stated range {STATED_MINUTES} is not the measured {(low, high)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
