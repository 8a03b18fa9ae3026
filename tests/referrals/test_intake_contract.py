"""The intake and the screening core agree (spec §3): the forms send only the core's codes and ranges,
every key that can apply is asked by some step, and a completed intake leaves none unanswered."""

import pytest
from django import forms

from referrals import screening
from referrals.forms.documents import DocumentsForm
from referrals.forms.intake import CARDIAC_EVENT_FIELDS, DEPRESSION_CODES, INDICATION_CHOICES
from referrals.models import Referral
from referrals.questionnaires import DEFAULT_TEXTS
from referrals.views.intake import CONDITIONS, FORMS, screening_answers
from tests.intake_data import step_data
from tests.referrals.intake_driver import IntakeDriver

SPEC = {key.name: key for key in screening.ANSWER_SPEC}
QUESTION_FORMS = [(step, form) for step, form in FORMS if form is not DocumentsForm]


def fields_of(form_class) -> dict[str, forms.Field]:
    """Every field a step can show: its fixed ones and those built from the questionnaire wording."""
    return form_class(context={"questionnaire": DEFAULT_TEXTS}).fields


def codes_of(field: forms.ChoiceField) -> set[str]:
    codes = set()
    for code, label in field.choices:
        if isinstance(label, list | tuple):
            codes.update(inner for inner, _ in label)
        else:
            codes.add(code)
    return codes


FIELDS = [(step, name, field) for step, form in QUESTION_FORMS for name, field in fields_of(form).items()]


class ChoiceCodeTests:
    @pytest.mark.parametrize(
        ("step", "name", "field"),
        [(step, name, field) for step, name, field in FIELDS if name in screening.CHOICE_CODES],
        ids=lambda value: value if isinstance(value, str) else "",
    )
    def test_choice_fields_offer_exactly_the_core_codes(self, step, name, field):
        assert codes_of(field) == set(screening.CHOICE_CODES[name])

    def test_every_choice_key_has_a_field(self):
        asked = {name for _step, name, _field in FIELDS}
        assert set(screening.CHOICE_CODES) <= asked

    @pytest.mark.parametrize(
        "name",
        [
            name
            for name, key in SPEC.items()
            if key.type == "bool" and name not in ("pc_ptsd5_exposed", "recent_cardiac_event")
        ],
    )
    def test_yes_no_fields_answer_true_or_false(self, name):
        (field,) = [field for _step, field_name, field in FIELDS if field_name == name]
        assert field.clean("yes") is True and field.clean("no") is False

    @pytest.mark.parametrize("name", CARDIAC_EVENT_FIELDS)
    def test_recent_cardiac_event_is_asked_as_yes_no_parts(self, name):
        # One key, asked as several plain questions (HealthBodyForm.answers_from joins them).
        (field,) = [field for _step, field_name, field in FIELDS if field_name == name]
        assert field.clean("yes") is True and field.clean("no") is False

    @pytest.mark.parametrize("name", ["bp_systolic", "bp_diastolic"])
    def test_number_fields_take_the_core_range(self, name):
        (field,) = [field for _step, field_name, field in FIELDS if field_name == name]
        assert (field.min_value, field.max_value) == SPEC[name].range

    @pytest.mark.parametrize("name", ["pain_current", "pain_average", "pain_worst"])
    def test_pain_scales_take_the_core_range(self, name):
        (field,) = [field for _step, field_name, field in FIELDS if field_name == name]
        low, high = SPEC[name].range
        assert sorted(field.clean(code) for code in codes_of(field)) == list(range(low, high + 1))

    def test_indication_groups_are_the_core_groups(self):
        groups = {group: {code for code, _ in pairs} for group, pairs in INDICATION_CHOICES}
        assert groups["Pain"] | groups["Something else"] == screening.PAIN_INDICATIONS
        assert groups["Mental health"] | groups["Something else"] == screening.MENTAL_HEALTH_INDICATIONS
        assert DEPRESSION_CODES <= groups["Mental health"]


class AnswerKeyTests:
    def test_every_key_is_asked_by_exactly_one_step(self):
        asked = [key for _step, form in QUESTION_FORMS for key in form.answer_keys]
        assert sorted(asked) == sorted(screening.ANSWER_KEYS)

    def test_steps_asking_keys_are_shown_by_what_applies(self):
        for step, form in QUESTION_FORMS:
            if form.answer_keys:
                assert CONDITIONS[step].__name__ == f"show_{step}"
        assert CONDITIONS["depression"].__name__ == "show_depression_history"

    def test_a_step_gives_only_the_keys_it_declares(self):
        data = step_data("ptsd", about__sex_at_birth="female", health__can_become_pregnant="unsure")
        data["health"]["pregnant"] = "no"
        data["reason"]["secondary_indications"] = ["back_spine", "trd"]
        data["health_mind"]["bipolar_diagnosis"] = "yes"  # so the mood-stabilizer question is asked too
        cleaned = {}
        for step, form_class in QUESTION_FORMS:
            if step not in data:
                continue
            form = form_class(data=data[step], context={"questionnaire": DEFAULT_TEXTS})
            assert form.is_valid(), (step, form.errors)
            cleaned[step] = form.cleaned_data
            assert set(form_class.answers_from(form.cleaned_data)) <= form_class.answer_keys, step
        answers = screening_answers(cleaned)
        assert set(answers) == set(screening.ANSWER_KEYS)
        assert answers["pregnant"] == "no" and answers["pc_ptsd5"] == [True] * 5
        assert answers["mood_stabilizer_current"] is True and answers["recent_cardiac_event"] is False


@pytest.mark.django_db
class CompletedIntakeTests:
    @pytest.mark.parametrize(
        "data",
        [
            step_data("crps"),
            step_data("crps", mood__phq9_9="1"),  # a pain referral with item 9: the ASQ applies
            step_data(
                "trd",
                about__sex_at_birth="female",
                health__can_become_pregnant="unsure",
                health__pregnant="no",
                health__breastfeeding="no",
            ),
            step_data("ptsd", reason__secondary_indications=["fibromyalgia"]),
            step_data("bipolar_depression", health_mind__bipolar_diagnosis=None),
            step_data("other", about__sex_at_birth="intersex"),
        ],
        ids=["pain", "pain_item9", "depression_female", "ptsd_and_pain", "bipolar", "other"],
    )
    def test_every_applicable_key_is_answered(self, client, data):
        IntakeDriver(client, data).complete()
        referral = Referral.objects.get()
        answers = referral.answers
        missing = set(screening.applicable_keys(answers)) - set(answers)
        if "bipolar_depression" in screening.indication_codes(answers):
            missing.discard("bipolar_diagnosis")  # the indication answers it (spec §3)
        assert missing == set()
        assert "incomplete_answers" not in set(referral.findings.values_list("code", flat=True))
