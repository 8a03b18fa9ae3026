"""The app's own canonical Questionnaire and a referral's answers as a QuestionnaireResponse.

One top-level item per screening answer key (screening.ANSWER_KEYS, linkId = the key). Items
without an answer mean "not known" (a None the spec allows, or an empty list); a key the patient
was never asked has no item at all, so `answers_from_response` gives back exactly what was stored.
"""

from typing import Any

from referrals import screening
from referrals.fhir import codes
from referrals.forms.fields import YES_NO_UNSURE
from referrals.forms.intake import ESCORT_CHOICES, LIVER_CHOICES, SEX_CHOICES
from referrals.questionnaires import scored_options

QUESTIONNAIRE_URL = f"{codes.APP_BASE}/Questionnaire/intake"

# Staff-facing short labels; patients see the intake form's own wording.
LABELS = {
    "date_of_birth": "Date of birth",
    "sex_at_birth": "Sex assigned at birth",
    "can_become_pregnant": "Could become pregnant",
    "pregnant": "Pregnant now",
    "breastfeeding": "Breastfeeding",
    "indication": "Main reason for referral",
    "secondary_indications": "Other reasons for referral",
    "bp_systolic": "Most recent blood pressure, systolic (mmHg)",
    "bp_diastolic": "Most recent blood pressure, diastolic (mmHg)",
    "bp_told_uncontrolled": "Told blood pressure is not under control",
    "ketamine_allergy": "Allergy to ketamine",
    "ketamine_bad_reaction": "Bad reaction to ketamine before",
    "aneurysm_or_avm": "Aneurysm or arteriovenous malformation",
    "brain_bleed_history": "Bleeding in the brain, ever",
    "recent_cardiac_event": "Recent heart attack, unstable angina, heart-failure admission, stroke or TIA",
    "heart_conditions": "Heart and blood vessel conditions",
    "psychosis_current": "Psychosis now",
    "psychosis_history": "Psychosis in the past",
    "mania_recent": "Mania in the past 2 weeks",
    "bipolar_diagnosis": "Bipolar disorder diagnosed",
    "mood_stabilizer_current": "Taking a mood stabilizer now",
    "liver_disease": "Liver disease",
    "alcohol_heavy": "Heavy alcohol use",
    "raised_icp": "Raised pressure inside the skull",
    "glaucoma": "Glaucoma",
    "substance_problem_recent": "Recent problems with alcohol or drug use",
    "substance_history": "Past problems with alcohol or drug use",
    "ketamine_nonmedical_use": "Non-medical ketamine use",
    "ketamine_bladder_damage": "Bladder damage from ketamine",
    "bladder_symptoms": "Bladder symptoms",
    "hyperthyroid_uncontrolled": "Overactive thyroid not under control",
    "memory_disorder": "Memory disorder or dementia",
    "sleep_apnea": "Sleep apnea or breathing problems with sedation",
    "home_oxygen": "Uses oxygen at home",
    "seizures": "Seizures",
    "height_cm": "Height (cm)",
    "weight_kg": "Weight (kg)",
    "medications": "Medicine classes taken",
    "escort_available": "Adult escort home available",
    "phq9": "Mood questions (PHQ-9)",
    "gad7": "Worry and anxiety questions (GAD-7)",
    "pc_ptsd5_exposed": "Ever through a traumatic event",
    "pc_ptsd5": "Stressful experiences (PC-PTSD-5)",
    "pain_current": "Pain right now (0 to 10)",
    "pain_average": "Average pain over the past week (0 to 10)",
    "pain_worst": "Worst pain over the past week (0 to 10)",
    "asq": "Safety questions (ASQ)",
}

BOOLEAN_KEYS = frozenset({
    "breastfeeding", "bp_told_uncontrolled", "ketamine_bad_reaction", "brain_bleed_history",
    "recent_cardiac_event", "psychosis_current", "psychosis_history", "mania_recent", "bipolar_diagnosis",
    "mood_stabilizer_current", "alcohol_heavy", "glaucoma", "substance_problem_recent", "substance_history",
    "ketamine_nonmedical_use", "ketamine_bladder_damage", "bladder_symptoms", "hyperthyroid_uncontrolled",
    "memory_disorder", "sleep_apnea", "home_oxygen", "seizures", "pc_ptsd5_exposed",
})  # fmt: skip
INTEGER_KEYS = frozenset({"bp_systolic", "bp_diastolic", "pain_current", "pain_average", "pain_worst"})
DECIMAL_KEYS = frozenset({"height_cm", "weight_kg"})
DATE_KEYS = frozenset({"date_of_birth"})
MULTI_CHOICE_KEYS = frozenset({"secondary_indications", "heart_conditions", "medications"})


def _choice_systems() -> dict[str, tuple[str, tuple[tuple[str, str], ...]]]:
    # The core holds the codes; the wording the patient saw comes from the forms.
    yes_no_unsure = (codes.app_system("yes-no-unsure"), tuple(YES_NO_UNSURE))
    return {
        "sex_at_birth": (codes.app_system("sex-at-birth"), tuple(SEX_CHOICES)),
        "can_become_pregnant": yes_no_unsure,
        "pregnant": yes_no_unsure,
        "indication": (codes.INDICATION, screening.INDICATIONS),
        "secondary_indications": (codes.INDICATION, screening.INDICATIONS),
        "ketamine_allergy": yes_no_unsure,
        "aneurysm_or_avm": yes_no_unsure,
        "heart_conditions": (codes.app_system("heart-condition"), screening.HEART_CONDITIONS),
        "liver_disease": (codes.app_system("liver-disease"), tuple(LIVER_CHOICES)),
        "raised_icp": yes_no_unsure,
        "medications": (codes.app_system("medication-class"), screening.MEDICATION_CLASSES),
        "escort_available": (codes.app_system("escort"), tuple(ESCORT_CHOICES)),
    }


CHOICES = _choice_systems()

# The intake's other answers that matter to a clinician (Referral.details): not screening keys, so
# they sit in one extra group after them. Payment, consent and contact preferences are not here.
DETAILS_GROUP = "intake_details"
DETAIL_ITEMS = (
    # (linkId, type, label)
    ("medication_list", "text", "Medicines taken (the patient's own list)"),
    ("allergies", "text", "Allergies to medicines, foods or latex"),
    ("duration", "string", "How long the problem has lasted"),
    ("treatments_tried", "text", "Treatments tried"),
    ("goals", "text", "What the patient would most like to change"),
    (
        "depression_history.antidepressant_trials",
        "string",
        "Antidepressants taken at full dose for 6 weeks or more",
    ),
    ("depression_history.augmentation", "boolean", "A second medicine added to boost an antidepressant"),
    ("depression_history.ect", "boolean", "Electroconvulsive therapy (ECT)"),
    ("depression_history.tms", "boolean", "Transcranial magnetic stimulation (TMS)"),
    ("depression_history.prior_ketamine", "string", "Ketamine or esketamine treatment before"),
    ("depression_history.therapy", "boolean", "Talking therapy for depression"),
)
GROUP_KEYS = ("phq9", "gad7", "pc_ptsd5", "asq")
ASQ_PARTS = ("q1", "q2", "q3", "q4", "acuity")


def item_type(key: str) -> str:
    if key in BOOLEAN_KEYS:
        return "boolean"
    if key in INTEGER_KEYS:
        return "integer"
    if key in DECIMAL_KEYS:
        return "decimal"
    if key in DATE_KEYS:
        return "date"
    if key in CHOICES:
        return "choice"
    if key in GROUP_KEYS:
        return "group"
    return "string"  # a key added to the screening core later: kept, as text


def coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    result = {"system": system, "code": str(code)}
    if display:
        result["display"] = display
    return result


def indication_coding(code: str) -> dict[str, str]:
    return coding(codes.INDICATION, code, dict(screening.INDICATIONS).get(code))


# --- The Questionnaire ------------------------------------------------------------------------


def _texts(texts: dict, name: str) -> dict:
    return texts.get(name) or {}


def _frequency_options(options: Any) -> list[dict]:
    labels = dict(scored_options(options))  # score -> the label the wording gives it
    return [
        {
            "valueCoding": coding(codes.LOINC, code, labels.get(score)),
            "extension": [
                {"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue", "valueDecimal": score}
            ],
        }
        for score, code in enumerate(codes.FREQUENCY_ANSWERS)
    ]


def _instrument_group(key: str, texts: dict) -> dict:
    words = _texts(texts, "pain" if key.startswith("pain") else key)
    group: dict[str, Any] = {"linkId": key, "type": "group", "text": words.get("name") or LABELS[key]}
    items = words.get("items") or []
    if key in ("phq9", "gad7"):
        panel, loinc_items = (
            (codes.PHQ9_PANEL, codes.PHQ9_ITEMS) if key == "phq9" else (codes.GAD7_PANEL, codes.GAD7_ITEMS)
        )
        group["code"] = [coding(codes.LOINC, panel[0], panel[1])]
        options = _frequency_options(words.get("options") or [])
        group["item"] = [
            {
                "linkId": f"{key}.{number}",
                "code": [coding(codes.LOINC, loinc_items[number - 1])],
                "text": items[number - 1] if number <= len(items) else f"Item {number}",
                "type": "choice",
                "answerOption": options,
            }
            for number in range(1, len(loinc_items) + 1)
        ]
        if key == "phq9":
            difficulty = words.get("difficulty") or {}
            group["item"].append(
                {
                    "linkId": "phq9_difficulty",
                    "code": [coding(codes.LOINC, codes.PHQ9_DIFFICULTY)],
                    "text": difficulty.get("question") or "How difficult have these problems made things",
                    "type": "integer",
                }
            )
    elif key == "pc_ptsd5":
        group["item"] = [
            {
                "linkId": f"pc_ptsd5.{n}",
                "text": items[n - 1] if n <= len(items) else f"Item {n}",
                "type": "boolean",
            }
            for n in range(1, 6)
        ]
    else:  # asq
        texts_by_part = [*items[:4], words.get("acuity") or "Thinking about killing yourself right now"]
        group["item"] = [
            {"linkId": f"asq.{part}", "text": texts_by_part[index] if index < len(texts_by_part) else part,
             "type": "boolean"}
            for index, part in enumerate(ASQ_PARTS)
        ]  # fmt: skip
    return group


def questionnaire(version: str, texts: dict, *, language: str = "en") -> dict:
    """The intake Questionnaire for one wording version (QuestionnaireText): structure from the core.

    The item texts are the version's words; a wording in a language other than English (the
    staff's) states its language, e.g. "es" for the Spanish wording patients read.
    """
    pain_words = (_texts(texts, "pain").get("items") or {}) if isinstance(texts.get("pain"), dict) else {}
    items = []
    for key in screening.ANSWER_KEYS:
        kind = item_type(key)
        if kind == "group":
            items.append(_instrument_group(key, texts))
            continue
        text = LABELS.get(key, key.replace("_", " ").capitalize())
        if key.startswith("pain_") and pain_words.get(key.removeprefix("pain_")):
            text = pain_words[key.removeprefix("pain_")]
        item: dict[str, Any] = {"linkId": key, "text": text, "type": kind}
        if key == "pain_current":
            item["code"] = [coding(codes.LOINC, *codes.PAIN_SEVERITY)]
        if kind == "choice":
            system, choices = CHOICES[key]
            item["answerOption"] = [
                {"valueCoding": coding(system, code, str(label))} for code, label in choices
            ]
            if key in MULTI_CHOICE_KEYS:
                item["repeats"] = True
        items.append(item)
    items.append(
        {
            "linkId": DETAILS_GROUP,
            "type": "group",
            "text": "Other intake answers",
            "item": [{"linkId": link, "type": kind, "text": label} for link, kind, label in DETAIL_ITEMS],
        }
    )
    return {
        "resourceType": "Questionnaire",
        "id": questionnaire_id(version),
        **({"language": language} if language and language != "en" else {}),
        "url": QUESTIONNAIRE_URL,
        "version": version,
        "name": "KetamineClinicIntake",
        "title": "Ketamine infusion program: intake and screening questions",
        "status": "active",
        "subjectType": ["Patient"],
        "description": "The screening answers of the clinic's referral and intake form, one item per "
        "answer key. Wording version " + version + ".",
        "item": items,
    }


def questionnaire_id(version: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in version)[:50]
    return f"intake-{safe or 'default'}"


def canonical(version: str) -> str:
    return f"{QUESTIONNAIRE_URL}|{version}" if version else QUESTIONNAIRE_URL


# --- The QuestionnaireResponse items ------------------------------------------------------------


def _answer(key: str, value: Any) -> dict:
    if key in CHOICES:
        system, choices = CHOICES[key]
        label = dict(choices).get(value)  # the forms' wording is translatable: plain text here
        return {"valueCoding": coding(system, value, None if label is None else str(label))}
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if key in DECIMAL_KEYS or isinstance(value, float):
        return {"valueDecimal": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    if key in DATE_KEYS:
        return {"valueDate": str(value)}
    return {"valueString": str(value)}


def _plain_item(key: str, value: Any) -> dict:
    item: dict[str, Any] = {"linkId": key, "text": LABELS.get(key, key)}
    values = value if isinstance(value, list) else ([] if value is None else [value])
    if values:
        item["answer"] = [_answer(key, v) for v in values]
    return item


def _frequency_item(key: str, number: int, score: Any) -> dict:
    item: dict[str, Any] = {"linkId": f"{key}.{number}"}
    if isinstance(score, int) and not isinstance(score, bool) and 0 <= score < len(codes.FREQUENCY_ANSWERS):
        item["answer"] = [{"valueCoding": coding(codes.LOINC, codes.FREQUENCY_ANSWERS[score])}]
    return item


def _group_item(key: str, value: Any, details: dict) -> dict:
    group: dict[str, Any] = {"linkId": key, "text": LABELS[key]}
    if key in ("phq9", "gad7"):
        group["item"] = [_frequency_item(key, n, score) for n, score in enumerate(value or [], start=1)]
        difficulty = details.get("phq9_difficulty")
        if key == "phq9" and isinstance(difficulty, int) and not isinstance(difficulty, bool):
            group["item"].append({"linkId": "phq9_difficulty", "answer": [{"valueInteger": difficulty}]})
    elif key == "pc_ptsd5":
        group["item"] = [
            {"linkId": f"pc_ptsd5.{n}", **({"answer": [{"valueBoolean": v}]} if isinstance(v, bool) else {})}
            for n, v in enumerate(value or [], start=1)
        ]
    else:  # asq: a mapping of q1..q4 and acuity (acuity may be left out, or None)
        value = value if isinstance(value, dict) else {}
        group["item"] = [
            {"linkId": f"asq.{part}", **({"answer": [{"valueBoolean": value[part]}]}
                                         if isinstance(value[part], bool) else {})}
            for part in ASQ_PARTS
            if part in value
        ]  # fmt: skip
    if not group["item"]:
        # A group needs at least one item (que-1); an empty instrument keeps an empty marker item.
        group["item"] = [{"linkId": f"{key}.none"}]
    return group


def _detail(details: dict, link: str) -> object:
    value = details
    for part in link.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _details_group(details: dict) -> dict | None:
    items = []
    for link, kind, label in DETAIL_ITEMS:
        value = _detail(details, link)
        if kind == "boolean" and isinstance(value, bool):
            items.append({"linkId": link, "text": label, "answer": [{"valueBoolean": value}]})
        elif kind != "boolean" and isinstance(value, str) and value.strip():
            items.append({"linkId": link, "text": label, "answer": [{"valueString": value}]})
    return {"linkId": DETAILS_GROUP, "text": "Other intake answers", "item": items} if items else None


def response_items(answers: dict, details: dict | None = None) -> list[dict]:
    """One item per answer key present in `answers`, in the Questionnaire's order, then the details."""
    details = details or {}
    ordered = [key for key in screening.ANSWER_KEYS if key in answers]
    items = []
    for key in ordered:
        if item_type(key) == "group":
            items.append(_group_item(key, answers[key], details))
        else:
            items.append(_plain_item(key, answers[key]))
    extra = _details_group(details)
    if extra:
        items.append(extra)
    return items


# --- Reading the answers back (the round-trip test; an importer could do the same) ---------------


def _value(key: str, answer: dict) -> Any:
    if "valueCoding" in answer:
        return answer["valueCoding"]["code"]
    for name in ("valueBoolean", "valueInteger", "valueDecimal", "valueDate", "valueString"):
        if name in answer:
            return answer[name]
    raise ValueError(f"Unreadable answer for {key}.")


def answers_from_response(response: dict) -> dict:
    """The stored answers a QuestionnaireResponse carries, keyed as screening.ANSWER_KEYS."""
    answers: dict[str, Any] = {}
    for item in response.get("item", []):
        key = item["linkId"]
        if key == DETAILS_GROUP:
            continue
        if item_type(key) == "group":
            parts = [sub for sub in item.get("item", []) if not sub["linkId"].endswith(".none")]
            if key in ("phq9", "gad7"):
                answers[key] = [
                    codes.FREQUENCY_ANSWERS.index(sub["answer"][0]["valueCoding"]["code"])
                    for sub in parts
                    if sub["linkId"] != "phq9_difficulty"
                ]
            elif key == "pc_ptsd5":
                answers[key] = [sub["answer"][0]["valueBoolean"] for sub in parts]
            else:
                answers[key] = {
                    sub["linkId"].removeprefix("asq."): (
                        sub["answer"][0]["valueBoolean"] if "answer" in sub else None
                    )
                    for sub in parts
                }
            continue
        values = [_value(key, answer) for answer in item.get("answer", [])]
        if key in MULTI_CHOICE_KEYS:
            answers[key] = values
        else:
            answers[key] = values[0] if values else None
    return answers
