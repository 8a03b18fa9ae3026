"""The intake's length is measured (bench/intake_length.py), and the pages state the measured range."""

import pytest
from django.urls import reverse

from bench import intake_length as bench
from referrals.forms import intake as f
from referrals.intake_length import STATED_MINUTES, stated_range

pytestmark = pytest.mark.django_db

PAIN_WORD_GOAL = 2500


@pytest.fixture(scope="module")
def figures(django_db_blocker, django_db_setup):
    with django_db_blocker.unblock():
        return bench.measure()


def test_the_stated_range_is_the_measured_one(figures):
    assert bench.measured_range(figures) == STATED_MINUTES, (
        "the intake's length changed: run `.venv/bin/python bench/intake_length.py`, set "
        "referrals.intake_length.STATED_MINUTES and update docs/intake-length.md"
    )


def test_the_pain_path_is_within_the_word_goal(figures):
    assert figures["pain"]["words"] <= PAIN_WORD_GOAL, figures["pain"]["per_page"]


def test_the_paths_walk_every_page_from_start_to_check_your_answers(figures):
    pain = [p["page"] for p in figures["pain"]["per_page"]]
    depression = [p["page"] for p in figures["depression"]["per_page"]]
    assert pain[0] == depression[0] == "start" and pain[-1] == depression[-1] == "review"
    assert "depression" not in pain and "safety" not in pain
    assert {"depression", "safety", "more"} <= set(depression)
    assert figures["depression"]["answers"] > figures["pain"]["answers"] > 50
    assert figures["depression"]["minutes"] > figures["pain"]["minutes"]


@pytest.mark.parametrize("url", [reverse("referrals:start"), reverse("clearance")])
def test_the_start_and_clearance_pages_state_the_measured_range(client, url):
    page = client.get(url).content.decode()
    assert f"about {stated_range()}" in page
    assert "10 to 15 minutes" not in page


def test_words_are_counted_as_a_sighted_patient_reads_them():
    html = """<header>Skip me</header><main><h1>Two words</h1>
      <p hidden>not shown</p><span class="visually-hidden">screen reader</span>
      <details><summary>Show more</summary><p>folded text here</p></details>
      <details open><summary>Open</summary><p>read this</p></details>
      <label>Pick one</label><input type="radio" name="a-x" value="1"><input type="radio" name="a-x" value="2">
      <input type="hidden" name="a-y"><textarea name="a-z"></textarea><input name="intake_wizard-current_step">
      <script>var hidden = 1;</script></main><footer>Not main</footer>"""
    # Two words + Show more + Open + read this + Pick one = 9 words; two answers (a-x, a-z).
    assert bench.read_page(html) == {"words": 9, "answers": 2}


def test_the_short_other_reasons_keep_every_code():
    def codes(choices):
        return [code for _group, pairs in choices for code, _label in pairs]

    assert codes(f.SECONDARY_INDICATION_CHOICES) == codes(f.INDICATION_CHOICES)
