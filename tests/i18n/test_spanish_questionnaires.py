"""The questionnaires in Spanish (issue 18 point 2): versioned wording per language, the same
structure and scores as English, seeded by the upgrade path, checked by the admin, read by staff in English."""

import copy
import json
import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from referrals import screening, seeding
from referrals.fhir import export
from referrals.models import QuestionnaireText, Referral
from referrals.questionnaires import (
    CODE_VERSIONS,
    CODE_VERSIONS_BY_LANGUAGE,
    DEFAULT_VERSIONS,
    EXPECTED_COUNTS,
    PLAIN_2026_1,
    PLAIN_2026_2,
    PLAIN_ES_2026_1,
    TRANSLATION_OF,
    current_texts,
    scored_options,
    scored_parts,
    staff_texts,
    structure_problems,
)
from referrals.views.intake import FORMS, screening_answers
from tests.intake_data import step_data

ES = "plain-es-2026.1"
EN = "plain-2026.2"
CHANGE = "/staff/referrals/questionnairetext/{}/change/"
DOC = Path(settings.BASE_DIR) / "docs" / "spanish-questionnaires.md"


def as_stored(texts):
    return json.loads(json.dumps(texts))


def same_shape(english, spanish) -> None:
    """Same instruments, keys, item counts and order, and the same scores for every label."""
    assert set(english) == set(spanish)
    for name, part in english.items():
        assert set(part) == set(spanish[name]), name
        if isinstance(part["items"], dict):
            assert list(part["items"]) == list(spanish[name]["items"]), name
        else:
            assert len(part["items"]) == len(spanish[name]["items"]), name
    for name, count in EXPECTED_COUNTS.items():
        assert len(spanish[name]["items"]) == count
    english_scores = [(name, [score for score, _ in options]) for name, options in scored_parts(english)]
    spanish_scores = [(name, [score for score, _ in options]) for name, options in scored_parts(spanish)]
    assert english_scores == spanish_scores == [
        ("PHQ-9", [0, 1, 2, 3]), ("PHQ-9 difficulty", [0, 1, 2, 3]), ("GAD-7", [0, 1, 2, 3]),
    ]  # fmt: skip


class CodeWordingTests:
    def test_the_spanish_default_has_the_english_structure_and_scores(self):
        assert DEFAULT_VERSIONS == {"en": EN, "es": ES}
        assert CODE_VERSIONS_BY_LANGUAGE["es"][ES] is PLAIN_ES_2026_1
        assert TRANSLATION_OF[ES] == EN
        assert structure_problems(PLAIN_ES_2026_1, keyed=True) == []
        same_shape(PLAIN_2026_2, PLAIN_ES_2026_1)

    def test_every_word_is_translated(self):
        def strings(value):
            if isinstance(value, str):
                yield value
            elif isinstance(value, dict):
                for item in value.values():
                    yield from strings(item)
            elif isinstance(value, list):
                for item in value:
                    yield from strings(item)

        english, spanish = list(strings(PLAIN_2026_2)), list(strings(PLAIN_ES_2026_1))
        assert len(english) == len(spanish)
        # Only the instrument names inside brackets, the numbers and the recall windows' digits repeat.
        assert not set(english) & set(spanish)
        for text in spanish:
            assert text.strip() == text and "  " not in text

    def test_the_english_versions_are_unchanged(self):
        assert list(CODE_VERSIONS) == ["plain-2026.1", EN]
        assert CODE_VERSIONS["plain-2026.1"] is PLAIN_2026_1 and CODE_VERSIONS[EN] is PLAIN_2026_2


@pytest.mark.django_db
class SeedingTests:
    def test_the_test_database_migrate_made_the_spanish_row(self):
        row = QuestionnaireText.current("es")
        assert row.version == ES and row.language == "es"
        assert row.texts == as_stored(PLAIN_ES_2026_1)
        english = QuestionnaireText.current("en")
        assert english.version == EN and english.language == "en"
        same_shape(english.texts, row.texts)
        assert QuestionnaireText.current() == english  # the default language is English

    def test_an_upgrade_from_english_only_adds_spanish_and_keeps_english(self):
        # The database as the previous release left it: English rows only.
        QuestionnaireText.objects.filter(language="es").delete()
        english = QuestionnaireText.current("en")
        call_command("migrate", verbosity=0, interactive=False)
        assert QuestionnaireText.current("es").version == ES
        assert QuestionnaireText.current("en").pk == english.pk
        report = seeding.sync_definitions()
        assert report["wording"] == report["wording_es"] == {"added": [], "updated": [], "kept_edited": []}

    def test_the_clinics_own_spanish_wording_stays_in_use(self):
        QuestionnaireText.objects.create(version="official-es-2027.1", language="es", texts=PLAIN_ES_2026_1)
        report = seeding.sync_definitions()
        assert report["wording_es"] == {"added": [], "updated": [], "kept_edited": ["official-es-2027.1"]}
        assert QuestionnaireText.current("es").version == "official-es-2027.1"
        assert QuestionnaireText.current("en").version == EN

    def test_the_clinics_own_english_wording_does_not_stop_the_spanish(self):
        QuestionnaireText.objects.all().delete()
        QuestionnaireText.objects.create(version="official-2026.9", texts=PLAIN_2026_2)
        report = seeding.sync_definitions()
        assert report["wording"]["kept_edited"] == ["official-2026.9"]
        assert report["wording_es"]["added"] == [ES]
        assert QuestionnaireText.current("es").version == ES

    def test_current_texts_per_language(self):
        assert current_texts("es") == (ES, as_stored(PLAIN_ES_2026_1))
        assert current_texts("en") == (EN, as_stored(PLAIN_2026_2))
        QuestionnaireText.objects.filter(language="es").delete()
        assert current_texts("es") == (ES, PLAIN_ES_2026_1)  # the code default
        assert current_texts("fr") == (EN, PLAIN_2026_2)  # no wording of its own: English
        broken = copy.deepcopy(PLAIN_ES_2026_1)
        broken["asq"]["items"].pop()
        QuestionnaireText.objects.create(version="broken-es", language="es", texts=broken)
        assert current_texts("es")[0] == ES  # wording that does not fit is never shown

    def test_migrate_reports_the_spanish_wording_it_adds(self):
        import io

        QuestionnaireText.objects.filter(language="es").delete()
        out = io.StringIO()
        call_command("migrate", verbosity=1, interactive=False, stdout=out)
        assert f"Definitions: wording_es added from code: {ES}" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_flush_brings_back_the_spanish_wording():
    call_command("flush", verbosity=0, interactive=False)
    assert QuestionnaireText.current("es").version == ES
    assert QuestionnaireText.current("en").version == EN
    QuestionnaireText.objects.all().delete()
    seeding.seed_all()  # what the browser tests run after a live server's flush
    assert QuestionnaireText.current("es").version == ES


@pytest.mark.django_db
class WordingAdminTests:
    def test_the_list_shows_each_language_and_its_wording_in_use(self, staff_client, clinic_admin):
        page = staff_client(clinic_admin).get("/staff/referrals/questionnairetext/").content.decode()
        assert ES in page and EN in page
        assert "Español" in page and "English" in page
        assert "In use for its language" in page
        assert page.count('alt="True"') == 2  # one wording in use per language

    def test_the_spanish_change_page_shows_its_language_and_spanish_labels(self, staff_client, clinic_admin):
        row = QuestionnaireText.current("es")
        page = staff_client(clinic_admin).get(CHANGE.format(row.pk)).content.decode()
        assert re.search(r'<option value="es" selected>', page)
        assert "<tr><td>0</td><td>Nunca</td></tr>" in page
        assert "<tr><td>3</td><td>Extremadamente difícil</td></tr>" in page

    def test_a_new_wording_starts_from_the_language_asked_for(self, staff_client, clinic_admin):
        client = staff_client(clinic_admin)
        spanish = client.get("/staff/referrals/questionnairetext/add/?language=es").content.decode()
        assert "Casi todos los días" in spanish and re.search(r'<option value="es" selected>', spanish)
        english = client.get("/staff/referrals/questionnairetext/add/").content.decode()
        assert "Nearly every day" in english and "Casi todos los días" not in english

    @pytest.mark.parametrize(
        ("break_it", "message"),
        [
            (lambda t: t["phq9"].update(items=t["phq9"]["items"][:8]), "phq9 needs exactly 9 item texts."),
            (lambda t: t["gad7"]["items"].append("Otra cosa"), "gad7 needs exactly 7 item texts."),
            (lambda t: t["asq"].pop("acuity"), "asq needs its acuity question."),
            (lambda t: t["pc_ptsd5"].pop("exposure"), "pc_ptsd5 needs its exposure question."),
            (lambda t: t["pain"]["items"].pop("worst"), "pain needs current, average and worst texts."),
            (lambda t: t["gad7"]["options"].pop("3"), "gad7 options needs exactly one label for each score"),
            (
                lambda t: t["phq9"].update(
                    options=["Casi todos los días", "Más de la mitad", "Varios", "Nunca"]
                ),
                "phq9 options must key each label by the score",
            ),
            (
                lambda t: t["phq9"]["difficulty"].update(
                    options={"0": "Nada", "1": "Algo", "2": "Muy", "4": "Mucho"}
                ),
                "phq9 difficulty options needs exactly one label for each score",
            ),
        ],
    )
    def test_spanish_wording_with_the_wrong_structure_is_refused(
        self, staff_client, clinic_admin, break_it, message
    ):
        row = QuestionnaireText.current("es")
        broken = copy.deepcopy(PLAIN_ES_2026_1)
        break_it(broken)
        response = staff_client(clinic_admin).post(
            CHANGE.format(row.pk),
            {
                "version": "clinic-es-2027.1",
                "language": "es",
                "texts": json.dumps(broken),
                "change_note": "x",
            },
        )
        assert response.status_code == 200
        assert message in response.content.decode()
        assert QuestionnaireText.current("es").pk == row.pk  # nothing saved
        assert not QuestionnaireText.objects.filter(version="clinic-es-2027.1").exists()

    def test_spanish_wording_that_fits_is_saved_as_a_new_spanish_version(self, staff_client, clinic_admin):
        row = QuestionnaireText.current("es")
        english = QuestionnaireText.current("en")
        words = copy.deepcopy(PLAIN_ES_2026_1)
        words["gad7"]["options"] = {
            "0": "Ningún día",
            "1": "Algunos días",
            "2": "Muchos días",
            "3": "Cada día",
        }
        response = staff_client(clinic_admin).post(
            CHANGE.format(row.pk),
            {"version": "clinic-es-2027.1", "language": "es", "texts": json.dumps(words), "change_note": "x"},
        )
        assert response.status_code == 302
        saved = QuestionnaireText.current("es")
        assert (saved.version, saved.language) == ("clinic-es-2027.1", "es") and saved.pk != row.pk
        assert scored_options(saved.texts["gad7"]["options"])[3] == (3, "Cada día")
        row.refresh_from_db()
        assert row.texts == as_stored(PLAIN_ES_2026_1)  # the earlier version is kept as it was
        assert QuestionnaireText.current("en").pk == english.pk  # English patients' wording unchanged

    def test_a_post_without_the_language_keeps_the_versions_language(self, staff_client, clinic_admin):
        row = QuestionnaireText.current("es")
        response = staff_client(clinic_admin).post(
            CHANGE.format(row.pk),
            {"version": "clinic-es-2027.2", "texts": json.dumps(PLAIN_ES_2026_1), "change_note": "x"},
        )
        assert response.status_code == 302
        assert QuestionnaireText.objects.get(version="clinic-es-2027.2").language == "es"


class ScoringTests:
    """The same answers score the same whichever language's wording the patient was shown."""

    @pytest.mark.parametrize(
        "overrides",
        [
            {},
            {"mood__phq9_9": "2", "mood__phq9_1": "3", "mood__phq9_difficulty": "3"},
            {"safety__asq_q3": "yes", "safety__asq_acuity": "no"},
            {"more__gad7_4": "3", "more__pc_ptsd5_2": "no", "more__pain_worst": "10"},
        ],
    )
    def test_scores_are_identical_in_english_and_spanish(self, overrides):
        data = step_data("ptsd", **overrides)
        data["reason"]["secondary_indications"] = ["crps"]  # so the pain scores apply too
        results = {}
        for language, texts in (("en", PLAIN_2026_2), ("es", PLAIN_ES_2026_1)):
            cleaned = {}
            for step, form_class in FORMS:
                if step not in data or step == "documents":
                    continue
                form = form_class(data=data[step], context={"questionnaire": texts})
                assert form.is_valid(), (language, step, form.errors)
                cleaned[step] = form.cleaned_data
            answers = screening_answers(cleaned)
            result = screening.screen(answers, today=date(2026, 12, 7))
            results[language] = (answers, {name: score.to_dict() for name, score in result.scores.items()},
                                 result.urgent_safety)  # fmt: skip
        assert results["en"] == results["es"]
        assert set(results["es"][1]) >= {"phq9", "gad7", "pc_ptsd5", "pain_nrs"}

    def test_each_spanish_option_carries_the_score_of_its_english_label(self):
        from referrals.forms.intake import PHQ9Form

        english = PHQ9Form(context={"questionnaire": PLAIN_2026_2})
        spanish = PHQ9Form(context={"questionnaire": PLAIN_ES_2026_1})
        for name in english.fields:
            assert [value for value, _ in english.fields[name].choices] == [
                value for value, _ in spanish.fields[name].choices
            ]
        assert spanish.fields["phq9_9"].choices[3] == ("3", "Casi todos los días")
        assert spanish.fields["phq9_9"].clean("3") == english.fields["phq9_9"].clean("3") == 3


@pytest.mark.django_db
class StaffReadEnglishTests:
    def test_a_spanish_version_gives_staff_its_english_wording(self):
        assert staff_texts(ES) == (EN, as_stored(PLAIN_2026_2))
        version, texts = staff_texts(ES)
        assert scored_options(texts["phq9"]["options"])[0] == (0, "Not at all")

    def test_an_english_version_is_itself_from_the_database_or_code(self):
        assert staff_texts(EN)[0] == EN
        assert staff_texts("plain-2026.1") == ("plain-2026.1", PLAIN_2026_1)  # no row: the code version
        assert staff_texts("")[0] == EN  # not recorded: the default

    def test_a_clinics_spanish_version_gives_the_english_in_use_when_it_was_made(self):
        QuestionnaireText.objects.create(version="official-2027.1", texts=PLAIN_2026_2)
        QuestionnaireText.objects.create(version="official-es-2027.1", language="es", texts=PLAIN_ES_2026_1)
        QuestionnaireText.objects.create(version="official-2027.2", texts=PLAIN_2026_2)
        assert staff_texts("official-es-2027.1")[0] == "official-2027.1"

    def test_the_staff_admin_form_starts_from_english(self, staff_client, clinic_admin):
        page = staff_client(clinic_admin).get("/staff/referrals/questionnairetext/add/").content.decode()
        assert "Not at all" in page and "Nunca" not in page


@pytest.mark.django_db
class FhirTests:
    def test_the_published_questionnaires_stay_english(self, staff_client, coordinator):
        response = staff_client(coordinator).get("/staff/referrals/referral/fhir/questionnaires/")
        bundle = json.loads(response.content)
        assert [e["resource"]["version"] for e in bundle["entry"]] == [EN]
        assert all("language" not in e["resource"] for e in bundle["entry"])
        assert export.questionnaire_versions("es")[0][0] == ES

    def test_a_spanish_referral_references_the_spanish_questionnaire_marked_es(self):
        from referrals import demo
        from tests.referrals.fhir.conftest import make_bundle, resources_of, validate

        referral = demo.submit(key="fhir-spanish")
        Referral.objects.filter(pk=referral.pk).update(questionnaire_version=ES)
        referral = Referral.objects.get(pk=referral.pk)
        bundle = make_bundle(referral)
        validate(bundle)
        [questionnaire] = resources_of(bundle, "Questionnaire")
        validate(questionnaire)
        assert questionnaire["language"] == "es" and questionnaire["version"] == ES
        phq9 = next(item for item in questionnaire["item"] if item["linkId"] == "phq9")
        assert phq9["item"][0]["text"] == PLAIN_ES_2026_1["phq9"]["items"][0]
        [response] = resources_of(bundle, "QuestionnaireResponse")
        assert response["questionnaire"].endswith(f"|{ES}")
        phq9_answers = next(item for item in response["item"] if item["linkId"] == "phq9")
        assert "language" not in response and not re.search(r"[áéíóúñ¿]", json.dumps(phq9_answers))

    def test_an_english_referral_is_unchanged(self):
        from referrals import demo
        from tests.referrals.fhir.conftest import make_bundle, resources_of

        referral = demo.submit(key="fhir-english")
        [questionnaire] = resources_of(make_bundle(referral), "Questionnaire")
        assert "language" not in questionnaire and questionnaire["version"] == EN


class DocsTests:
    def test_the_doc_lists_every_spanish_item_beside_its_english(self):
        doc = DOC.read_text(encoding="utf-8")
        rows = [line for line in doc.splitlines() if line.startswith("| ") and not line.startswith("| Part")]

        def row_with(english: str, spanish: str) -> bool:
            return any(f"| {english} | {spanish} |" in row for row in rows)

        english, spanish = PLAIN_2026_2, PLAIN_ES_2026_1
        for name in ("phq9", "gad7", "pc_ptsd5", "asq", "pain"):
            assert row_with(english[name]["name"], spanish[name]["name"]), name
            items = english[name]["items"]
            pairs = (
                [(items[k], spanish[name]["items"][k]) for k in items]
                if isinstance(items, dict)
                else list(zip(items, spanish[name]["items"], strict=True))
            )
            for en, es in pairs:
                assert row_with(en, es), (name, en)
            for key in ("stem", "exposure", "acuity", "scale"):
                if key in english[name]:
                    assert row_with(english[name][key], spanish[name][key]), (name, key)
        for (_, en_options), (_, es_options) in zip(
            scored_parts(english), scored_parts(spanish), strict=True
        ):
            for (score, en), (_, es) in zip(en_options, es_options, strict=True):
                assert row_with(en, es), (score, en)
        assert row_with(english["phq9"]["difficulty"]["question"], spanish["phq9"]["difficulty"]["question"])

    def test_the_doc_says_it_is_not_the_licensed_translation(self):
        doc = DOC.read_text(encoding="utf-8")
        assert "not** the official or licensed" in doc
        for name in ("Pfizer", "PHQ-9", "GAD-7", "PC-PTSD-5", "National Center for PTSD", "ASQ", "NIMH"):
            assert name in doc
