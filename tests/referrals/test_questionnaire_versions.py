"""Questionnaire wording is versioned: new words are a new version, and every answer option carries its score."""

import copy
import json

import pytest
from django.core.management import call_command

from referrals import seeding
from referrals.fhir import export
from referrals.forms.intake import PHQ9Form
from referrals.models import QuestionnaireText, Referral
from referrals.questionnaires import (
    CODE_VERSIONS,
    DEFAULT_TEXTS,
    DEFAULT_VERSION,
    PLAIN_2026_1,
    PLAIN_2026_2,
    scored_options,
    structure_problems,
    with_keyed_options,
)
from tests.intake_data import step_data
from tests.referrals.intake_driver import IntakeDriver

CHANGE = "/staff/referrals/questionnairetext/{}/change/"


class VersionTests:
    def test_pc_ptsd5_item_3_means_constantly_on_guard_in_the_new_version(self):
        assert DEFAULT_VERSION == "plain-2026.2" and DEFAULT_TEXTS is PLAIN_2026_2
        assert (
            PLAIN_2026_2["pc_ptsd5"]["items"][2] == "Been constantly on guard, watchful or easily startled?"
        )

    def test_the_old_version_keeps_its_words(self):
        assert (
            PLAIN_2026_1["pc_ptsd5"]["items"][2]
            == "Been on guard, watchful or easily startled most of the time?"
        )
        assert PLAIN_2026_1["phq9"]["options"] == ["Not at all", "Several days", "More than half the days",
                                                   "Nearly every day"]  # fmt: skip
        assert list(CODE_VERSIONS) == ["plain-2026.1", "plain-2026.2"]

    def test_only_item_3_and_the_option_keys_changed(self):
        assert with_keyed_options(PLAIN_2026_1) | {"pc_ptsd5": PLAIN_2026_2["pc_ptsd5"]} == PLAIN_2026_2
        old, new = PLAIN_2026_1["pc_ptsd5"]["items"], PLAIN_2026_2["pc_ptsd5"]["items"]
        assert [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b] == [2]

    def test_every_code_version_fits_and_the_new_one_keys_options_by_score(self):
        for texts in CODE_VERSIONS.values():
            assert structure_problems(texts) == []
        assert structure_problems(PLAIN_2026_2, keyed=True) == []
        assert PLAIN_2026_2["gad7"]["options"] == {
            "0": "Not at all", "1": "Several days", "2": "More than half the days", "3": "Nearly every day",
        }  # fmt: skip


class ScoredOptionsTests:
    def test_keyed_and_listed_options_carry_the_same_scores(self):
        assert scored_options(PLAIN_2026_1["phq9"]["options"]) == scored_options(
            PLAIN_2026_2["phq9"]["options"]
        )

    def test_the_key_not_the_order_decides_the_score(self):
        texts = copy.deepcopy(PLAIN_2026_2)
        texts["phq9"]["options"] = {"3": "Nearly every day", "1": "Several days", "0": "Not at all",
                                    "2": "More than half the days"}  # fmt: skip
        form = PHQ9Form(context={"questionnaire": texts})
        assert form.fields["phq9_1"].choices == [
            ("0", "Not at all"), ("1", "Several days"), ("2", "More than half the days"), ("3", "Nearly every day"),
        ]  # fmt: skip
        assert form.fields["phq9_1"].clean("3") == 3

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            (
                ["Not at all", "Several days", "More than half the days", "Nearly every day"],
                "must key each label",
            ),
            (
                {"0": "Not at all", "1": "Several days", "2": "More than half the days"},
                "exactly one label for each",
            ),
            ({"0": "a", "1": "b", "2": "c", "3": "d", "4": "e"}, "exactly one label for each"),
            ({"0": "a", "1": "b", "2": "c", "3": " "}, "exactly one label for each"),
            ({"0": "a", "1": "b", "2": "c", "three": "d"}, "exactly one label for each"),
        ],
    )
    def test_replacement_wording_needs_one_label_for_every_score(self, options, message):
        for where in ("phq9", "gad7", "difficulty"):
            texts = copy.deepcopy(PLAIN_2026_2)
            part = texts["phq9"]["difficulty"] if where == "difficulty" else texts[where]
            part["options"] = options
            problems = structure_problems(texts, keyed=True)
            assert len(problems) == 1 and message in problems[0], (where, problems)

    def test_stored_list_wording_is_still_read(self):
        assert structure_problems(PLAIN_2026_1) == []
        assert structure_problems(PLAIN_2026_1, keyed=True) != []


@pytest.mark.django_db
class UpgradeTests:
    def as_before_v4(self):
        """The database as the previous release left it: plain-2026.1 in use."""
        QuestionnaireText.objects.all().delete()
        return QuestionnaireText.objects.create(version="plain-2026.1", texts=PLAIN_2026_1, change_note="old")

    def test_migrate_adds_the_new_version_and_keeps_the_old_row(self):
        old = self.as_before_v4()
        call_command("migrate", verbosity=0, interactive=False)
        assert QuestionnaireText.current().version == "plain-2026.2"
        assert QuestionnaireText.current().texts == json.loads(json.dumps(PLAIN_2026_2))
        old.refresh_from_db()
        assert old.texts == PLAIN_2026_1
        assert seeding.sync_definitions()["wording"] == {"added": [], "updated": [], "kept_edited": []}

    def test_the_clinics_own_wording_stays_in_use(self):
        self.as_before_v4()
        QuestionnaireText.objects.create(version="official-2026.9", texts=PLAIN_2026_1)
        report = seeding.sync_definitions()
        assert report["wording"] == {"added": [], "updated": [], "kept_edited": ["official-2026.9"]}
        assert QuestionnaireText.current().version == "official-2026.9"
        assert not QuestionnaireText.objects.filter(version="plain-2026.2").exists()

    def test_a_referral_keeps_the_words_it_was_answered_with(self):
        # Even with no row left for it, a plain-2026.1 referral exports the wording it was screened with.
        QuestionnaireText.objects.filter(version="plain-2026.1").delete()
        assert export.questionnaire_texts("plain-2026.1") == PLAIN_2026_1

    def test_a_new_intake_records_the_new_version_and_shows_its_words(self, client):
        driver = IntakeDriver(client, step_data("ptsd"))
        page = driver.run_to("more").content.decode()
        assert "Been constantly on guard, watchful or easily startled?" in page
        assert "most of the time" not in page
        driver.complete()
        assert Referral.objects.get().questionnaire_version == "plain-2026.2"


@pytest.mark.django_db
class WordingAdminTests:
    def test_the_change_page_shows_each_label_beside_its_score(self, staff_client, clinic_admin):
        current = QuestionnaireText.current()
        page = staff_client(clinic_admin).get(CHANGE.format(current.pk)).content.decode()
        assert "Answer options and their scores" in page
        assert "<tr><td>0</td><td>Not at all</td></tr>" in page
        assert "<tr><td>3</td><td>Nearly every day</td></tr>" in page
        assert "<tr><td>3</td><td>Extremely hard</td></tr>" in page  # the PHQ-9 difficulty question

    def test_an_old_list_wording_is_offered_keyed_by_score(self, staff_client, clinic_admin):
        old = QuestionnaireText.objects.create(version="plain-2026.1-copy", texts=PLAIN_2026_1)
        page = staff_client(clinic_admin).get(CHANGE.format(old.pk)).content.decode()
        assert "&quot;3&quot;: &quot;Nearly every day&quot;" in page

    def test_replacement_must_give_one_label_for_every_score(self, staff_client, clinic_admin):
        current = QuestionnaireText.current()
        client = staff_client(clinic_admin)
        missing = copy.deepcopy(PLAIN_2026_2)
        del missing["gad7"]["options"]["3"]
        response = client.post(
            CHANGE.format(current.pk),
            {"version": "clinic-2027.1", "texts": json.dumps(missing), "change_note": "x"},
        )
        assert response.status_code == 200
        assert (
            "gad7 options needs exactly one label for each score 0, 1, 2 and 3" in response.content.decode()
        )
        listed = copy.deepcopy(PLAIN_2026_2)
        listed["phq9"]["options"] = [
            "Nearly every day",
            "More than half the days",
            "Several days",
            "Not at all",
        ]
        response = client.post(
            CHANGE.format(current.pk),
            {"version": "clinic-2027.1", "texts": json.dumps(listed), "change_note": "x"},
        )
        assert response.status_code == 200 and "must key each label by the score" in response.content.decode()
        assert QuestionnaireText.current().pk == current.pk  # nothing saved

    def test_keyed_replacement_is_saved_as_a_new_version(self, staff_client, clinic_admin):
        current = QuestionnaireText.current()
        words = copy.deepcopy(PLAIN_2026_2)
        words["gad7"]["options"] = {"0": "Never", "1": "Some days", "2": "Most days", "3": "Every day"}
        response = staff_client(clinic_admin).post(
            CHANGE.format(current.pk),
            {"version": "clinic-2027.1", "texts": json.dumps(words), "change_note": "x"},
        )
        assert response.status_code == 302
        saved = QuestionnaireText.current()
        assert saved.version == "clinic-2027.1" and saved.pk != current.pk
        assert scored_options(saved.texts["gad7"]["options"])[3] == (3, "Every day")
        current.refresh_from_db()
        assert current.texts == json.loads(json.dumps(PLAIN_2026_2))
