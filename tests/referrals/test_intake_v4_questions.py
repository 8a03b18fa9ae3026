"""The intake questions changed for screening-spec v4: split, new and reworded, as the patient sees them."""

import datetime
import html

import pytest
from django.utils import timezone

from referrals.forms.intake import (
    CARDIAC_EVENT_FIELDS,
    HealthBodyForm,
    HealthMindForm,
    MedicationsForm,
    alcohol_limits,
)
from referrals.models import Referral
from tests.intake_data import step_data
from tests.referrals.intake_driver import IntakeDriver
from tests.test_readability import MAX_GRADE, grade


def years_ago(years: int, days: int = 0) -> datetime.date:
    today = timezone.localdate()
    try:
        born = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        born = today.replace(year=today.year - years, day=28)
    return born - datetime.timedelta(days=days)


def body_data(**overrides):
    data = dict(step_data()["health"])
    data.update(overrides)
    return data


def mind_data(**overrides):
    data = dict(step_data()["health_mind"])
    data.update({key: value for key, value in overrides.items() if value is not None})
    for key in [key for key, value in overrides.items() if value is None]:
        data.pop(key, None)
    return data


def cleaned_answers(form):
    assert form.is_valid(), form.errors
    return type(form).answers_from(form.cleaned_data)


def texts(form, names):
    return [
        str(part) for name in names for part in (form.fields[name].label, form.fields[name].help_text) if part
    ]


class CardiacEventTests:
    def test_four_plain_questions_state_the_window(self):
        form = HealthBodyForm(context={"cardiac_lookback_months": 12})
        assert "recent_cardiac_event" not in form.fields
        labels = [form.fields[name].label for name in CARDIAC_EVENT_FIELDS]
        # The window is said once, in the group's introduction, above the four short questions.
        legend, (names, intro) = list(form.groups.items())[-1]
        assert names == list(CARDIAC_EVENT_FIELDS) and intro == "In the past 12 months, have you had:"
        assert "{" not in " ".join(labels)
        joined = " ".join(labels).lower()
        for words in ("heart attack", "chest pain", "heart failure", "stroke", "mini-stroke"):
            assert words in joined
        assert "unstable angina" in str(form.fields["cardiac_chest_pain"].help_text)
        # Each question is short: no more one long sentence listing five conditions.
        assert max(len(label.split()) for label in labels) <= 10

    @pytest.mark.parametrize("name", CARDIAC_EVENT_FIELDS)
    def test_any_yes_is_a_recent_event(self, name):
        form = HealthBodyForm(data=body_data(**{name: "yes"}))
        assert cleaned_answers(form)["recent_cardiac_event"] is True

    def test_all_no_is_no_recent_event(self):
        assert cleaned_answers(HealthBodyForm(data=body_data()))["recent_cardiac_event"] is False

    def test_each_part_must_be_answered(self):
        data = body_data()
        del data["cardiac_chest_pain"]
        form = HealthBodyForm(data=data)
        assert not form.is_valid()
        assert form.errors["cardiac_chest_pain"] == ["Choose an answer"]
        assert "recent_cardiac_event" not in HealthBodyForm.answers_from({"cardiac_heart_attack": True})

    def test_parts_are_grouped_on_the_page(self):
        legend, (names, _help) = list(HealthBodyForm.groups.items())[-1]
        assert names == list(CARDIAC_EVENT_FIELDS) and "heart and blood vessel" in legend.lower()


class HeartAndVesselConditionsTests:
    def test_question_names_blood_vessels_and_offers_the_v4_codes(self):
        form = HealthBodyForm(context={"cardiac_lookback_months": 6})
        field = form.fields["heart_conditions"]
        assert field.label == "Do you have any of these heart and blood vessel conditions?"
        labels = dict(field.choices)
        assert labels["stroke_tia"] == "A stroke or mini-stroke (TIA) more than 6 months ago"
        assert "peripheral arterial disease" in labels["peripheral_arterial"]

    def test_vessel_conditions_are_answers(self):
        form = HealthBodyForm(data=body_data(heart_conditions=["stroke_tia", "peripheral_arterial"]))
        assert cleaned_answers(form)["heart_conditions"] == ["stroke_tia", "peripheral_arterial"]


class GlaucomaTests:
    def test_says_what_recently_means(self):
        label = HealthBodyForm().fields["glaucoma"].label
        assert "recently" not in label
        assert "in the past 3 months" in label


class SubstanceQuestionTests:
    def test_asks_about_problems_with_use_and_states_the_window(self):
        form = HealthMindForm(context={"substance_lookback_months": 3})
        field = form.fields["substance_problem_recent"]
        label = field.label.lower()
        assert label.startswith("in the past 3 months")
        for words in ("could not cut down", "cravings", "hurt you or others"):
            assert words in label
        # Withdrawal or treatment is no longer a yes by itself.
        assert "withdrawal or treatment" not in label

    def test_says_what_does_not_count(self):
        help_text = str(HealthMindForm().fields["substance_problem_recent"].help_text)
        assert help_text.startswith("These do not count")
        for words in ("as prescribed", "withdrawal", "opioids or benzodiazepines for pain", "buprenorphine",
                      "methadone", "naltrexone"):  # fmt: skip
            assert words in help_text


class AlcoholQuestionTests:
    @pytest.mark.parametrize(
        ("sex", "born", "limits"),
        [
            ("male", years_ago(40), (4, 14)),
            ("male", years_ago(65), (3, 7)),  # 65 today
            ("male", years_ago(65, days=-1), (4, 14)),
            ("female", years_ago(30), (3, 7)),
            ("intersex", years_ago(30), (3, 7)),
            (None, years_ago(30), (3, 7)),  # sex not given: the lower limits
            ("male", None, (3, 7)),  # age not known: the lower limits
        ],
    )
    def test_niaaa_limits_for_the_patient(self, sex, born, limits):
        assert alcohol_limits(sex, born) == limits
        form = HealthMindForm(context={"sex_at_birth": sex, "date_of_birth": born})
        day, week = limits
        assert form.fields["alcohol_heavy"].label == (
            f"In a usual week, do you have more than {week} drinks, or more than {day} drinks on any one day?"
        )

    def test_still_answers_the_one_key(self):
        form = HealthMindForm(data=mind_data(alcohol_heavy="yes"), context={"sex_at_birth": "female"})
        assert cleaned_answers(form)["alcohol_heavy"] is True

    @pytest.mark.django_db
    @pytest.mark.parametrize(
        ("sex", "born", "expected"),
        [("male", "1981-04-12", "more than 14 drinks"), ("female", "1981-04-12", "more than 7 drinks"),
         ("male", "1950-01-01", "more than 7 drinks"), ("intersex", "1981-04-12", "more than 7 drinks")],
    )  # fmt: skip
    def test_wizard_words_the_question_from_the_first_page(self, client, sex, born, expected):
        data = step_data("crps", about__sex_at_birth=sex, about__date_of_birth=born)
        if sex != "male":
            data["health"].update(can_become_pregnant="no", breastfeeding="no")
        page = html.unescape(IntakeDriver(client, data).run_to("health_mind").content.decode())
        assert expected in page


class MoodStabilizerTests:
    def test_bipolar_yes_needs_the_answer(self):
        form = HealthMindForm(data=mind_data(bipolar_diagnosis="yes", mood_stabilizer_current=None))
        assert not form.is_valid()
        assert form.errors["mood_stabilizer_current"] == [
            "You told us you have bipolar disorder, so please answer this question"
        ]

    @pytest.mark.parametrize(("answer", "value"), [("yes", True), ("no", False)])
    def test_bipolar_yes_gives_the_key(self, answer, value):
        form = HealthMindForm(data=mind_data(bipolar_diagnosis="yes", mood_stabilizer_current=answer))
        assert cleaned_answers(form)["mood_stabilizer_current"] is value

    def test_not_bipolar_drops_a_leftover_answer(self):
        form = HealthMindForm(data=mind_data(bipolar_diagnosis="no", mood_stabilizer_current="no"))
        assert "mood_stabilizer_current" not in cleaned_answers(form)
        assert "Answer this if you have bipolar disorder" in str(
            form.fields["mood_stabilizer_current"].help_text
        )

    def test_bipolar_indication_asks_it_as_required(self):
        context = {"indications": frozenset({"bipolar_depression"})}
        form = HealthMindForm(
            data=mind_data(bipolar_diagnosis=None, mood_stabilizer_current=None), context=context
        )
        assert form.fields["mood_stabilizer_current"].required
        assert not form.is_valid() and "mood_stabilizer_current" in form.errors
        form = HealthMindForm(
            data=mind_data(bipolar_diagnosis=None, mood_stabilizer_current="no"), context=context
        )
        assert cleaned_answers(form)["mood_stabilizer_current"] is False

    def test_not_shown_when_the_core_says_it_does_not_apply(self):
        form = HealthMindForm(context={"applicable": frozenset({"bipolar_diagnosis"})})
        assert "mood_stabilizer_current" not in form.fields

    def test_names_the_medicines_and_lamotrigine_alone_does_not_count(self):
        field = HealthMindForm().fields["mood_stabilizer_current"]
        for name in ("lithium", "valproate", "carbamazepine", "antipsychotic"):
            assert name in field.label
        assert "Lamotrigine (Lamictal) on its own does not count" in str(field.help_text)

    @pytest.mark.django_db
    def test_bipolar_referral_no_stabilizer_is_flagged(self, client):
        data = step_data("bipolar_depression", health_mind__bipolar_diagnosis=None)
        data["health_mind"]["mood_stabilizer_current"] = "no"
        IntakeDriver(client, data).complete()
        referral = Referral.objects.get()
        assert referral.answers["mood_stabilizer_current"] is False
        codes = set(referral.findings.values_list("code", flat=True))
        assert {"bipolar_disorder", "bipolar_no_mood_stabilizer"} <= codes


class AddictionMedicineTests:
    def test_offered_and_tells_to_tick_opioid_too(self):
        field = MedicationsForm().fields["medications"]
        label = dict(field.choices)["addiction_medicine"]
        for name in ("Buprenorphine", "methadone", "naltrexone"):
            assert name in label
        assert "On buprenorphine or methadone? Tick opioid pain medicines too." in str(field.help_text)
        assert dict(field.choices)["opioid_or_sedative"].startswith("Opioid pain medicines")

    def test_answers_the_medications_key(self):
        form = MedicationsForm(
            data={
                "medications": ["opioid_or_sedative", "addiction_medicine"],
                "medication_list": "x",
                "allergies": "none",
            }
        )
        assert cleaned_answers(form)["medications"] == ["opioid_or_sedative", "addiction_medicine"]


def test_new_and_changed_questions_read_at_grade_8_or_below():
    body = HealthBodyForm(context={"cardiac_lookback_months": 6})
    mind = HealthMindForm(context={"substance_lookback_months": 3, "sex_at_birth": "male"})
    blocks = texts(body, [*CARDIAC_EVENT_FIELDS, "glaucoma", "heart_conditions"]) + texts(
        mind, ["substance_problem_recent", "alcohol_heavy", "mood_stabilizer_current"]
    )
    blocks += [str(label) for _code, label in body.fields["heart_conditions"].choices]
    assert grade(blocks) <= MAX_GRADE, f"grade {grade(blocks):.1f}"
