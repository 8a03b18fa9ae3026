"""Default plain-language wording of the intake questionnaires (versioned data).

Structure is fixed by the instruments (item count, order, recall window, response options and
scores); the words are our own paraphrase, faithful to each item's meaning. A clinic admin may
replace them with the official wording (a new QuestionnaireText row) without a code change.

Every wording the app has shipped stays here under its version name (CODE_VERSIONS), unchanged, so
a referral keeps the words it was answered with; a change of wording is a new version. From
plain-2026.2 each answer option is keyed by the score it carries ("0" to "3"), so replacement
wording cannot put a label on the wrong score; plain-2026.1 keeps its list, read by position.

Each language has its own versions (QuestionnaireText.language); the structure check is the same
for all. plain-es-2026.1 is the clinic's own plain Spanish of plain-2026.2, not the licensed Spanish
versions of the instruments (docs/spanish-questionnaires.md). `current_texts(language)` is the
wording patients see in a language; staff read answers in English: `staff_texts(version)` gives the
English wording for answers given under any version.
"""

import copy
from typing import Any

FREQUENCY_OPTIONS = ["Not at all", "Several days", "More than half the days", "Nearly every day"]
SCORES = ("0", "1", "2", "3")  # the scores a PHQ-9, GAD-7 (or PHQ-9 difficulty) answer carries

# The first plain wording (shipped until screening-spec v4). Kept verbatim: referrals answered with it
# record its version.
PLAIN_2026_1: dict[str, Any] = {
    "phq9": {
        "name": "Mood questions (PHQ-9)",
        "stem": "In the past 2 weeks, how often has each of these bothered you?",
        "options": FREQUENCY_OPTIONS,
        "items": [
            "Not enjoying, or not caring about, things you usually like to do",
            "Feeling low, sad or without hope",
            "Trouble getting to sleep or staying asleep, or sleeping much more than usual",
            "Feeling worn out or low on energy",
            "Not wanting to eat, or eating much more than usual",
            "Thinking badly of yourself, or feeling you have failed or let yourself or your family down",
            "Finding it hard to focus on things, such as reading or watching TV",
            "Moving or talking so slowly that other people could notice, or the opposite: being so "
            "restless or fidgety that you move around much more than usual",
            "Thoughts that you would be better off dead, or thoughts of hurting yourself in some way",
        ],
        "difficulty": {
            "question": "If any of these bothered you, how hard have they made it to do your work, look "
            "after things at home, or get along with other people?",
            "options": ["Not hard at all", "Somewhat hard", "Very hard", "Extremely hard"],
        },
    },
    "gad7": {
        "name": "Worry and anxiety questions (GAD-7)",
        "stem": "In the past 2 weeks, how often has each of these bothered you?",
        "options": FREQUENCY_OPTIONS,
        "items": [
            "Feeling nervous, worried or on edge",
            "Not being able to stop worrying or keep it under control",
            "Worrying too much about lots of different things",
            "Finding it hard to relax",
            "Feeling so restless that it is hard to sit still",
            "Getting annoyed or irritated easily",
            "Feeling afraid, as if something terrible might happen",
        ],
    },
    "pc_ptsd5": {
        "name": "Stressful experiences (PC-PTSD-5)",
        "exposure": "Some people go through events that are extremely frightening, horrible or traumatic. "
        "Examples are a serious accident or fire, a physical or sexual assault or abuse, war, a disaster, "
        "seeing someone badly hurt or killed, or a loved one dying through murder or suicide. Have you "
        "ever been through an event like this?",
        "stem": "In the past month, have you:",
        "items": [
            "Had bad dreams about the event, or thought about it when you did not want to?",
            "Tried hard not to think about it, or gone out of your way to avoid things that remind you of it?",
            "Been on guard, watchful or easily startled most of the time?",
            "Felt numb, or cut off from people, activities or the world around you?",
            "Felt guilty, or unable to stop blaming yourself or others for the event or what came after it?",
        ],
    },
    "asq": {
        "name": "Safety questions (ASQ)",
        "items": [
            "In the past few weeks, have you wished you were not alive anymore?",
            "In the past few weeks, have you felt that you or your family would be better off if you were dead?",
            "In the past week, have you had thoughts about killing yourself?",
            "Have you ever tried to end your life?",
        ],
        "acuity": "Are you thinking about killing yourself right now?",
    },
    "pain": {
        "name": "Pain scores (0 to 10)",
        "scale": "0 means no pain. 10 means the worst pain you can imagine.",
        "items": {
            "current": "Your pain right now",
            "average": "Your average pain over the past week",
            "worst": "Your worst pain over the past week",
        },
    },
}


def _keyed(options: list[str]) -> dict[str, str]:
    return dict(zip(SCORES, options, strict=True))


def _plain_2026_2() -> dict[str, Any]:
    texts = copy.deepcopy(PLAIN_2026_1)
    # PC-PTSD-5 item 3 means constantly on guard, watchful or easily startled (Prins 2016), not "most
    # of the time".
    texts["pc_ptsd5"]["items"][2] = "Been constantly on guard, watchful or easily startled?"
    for name in ("phq9", "gad7"):
        texts[name]["options"] = _keyed(texts[name]["options"])
    texts["phq9"]["difficulty"]["options"] = _keyed(texts["phq9"]["difficulty"]["options"])
    return texts


PLAIN_2026_2 = _plain_2026_2()

# The clinic's own plain Spanish of plain-2026.2: item for item, the same structure, order and scores
# (each option keyed by its score). Not the licensed Spanish versions of the instruments: see
# docs/spanish-questionnaires.md, which lists every item beside its English.
FREQUENCY_ES = ["Nunca", "Varios días", "Más de la mitad de los días", "Casi todos los días"]
PLAIN_ES_2026_1: dict[str, Any] = {
    "phq9": {
        "name": "Preguntas sobre su estado de ánimo (PHQ-9)",
        "stem": "En las últimas 2 semanas, ¿con qué frecuencia le ha molestado cada una de estas cosas?",
        "options": _keyed(FREQUENCY_ES),
        "items": [
            "No disfrutar las cosas que suele hacer con gusto, o no tener interés en ellas",
            "Sentirse con el ánimo bajo, triste o sin esperanza",
            "Tener problemas para dormirse o para dormir toda la noche, o dormir mucho más de lo normal",
            "Sentir cansancio o tener poca energía",
            "No tener ganas de comer, o comer mucho más de lo normal",
            "Pensar mal de sí mismo(a), o sentir que ha fracasado, que se ha fallado a sí mismo(a) o que le "
            "ha fallado a su familia",
            "Tener dificultad para concentrarse en las cosas, como leer o ver la televisión",
            "Moverse o hablar tan despacio que otras personas lo podrían notar, o lo contrario: sentir tanta "
            "inquietud o nerviosismo que se mueve mucho más de lo normal",
            "Pensar que estaría mejor muerto(a), o pensar en hacerse daño de alguna manera",
        ],
        "difficulty": {
            "question": "Si alguna de estas cosas le ha molestado, ¿qué tan difícil le han hecho hacer su "
            "trabajo, ocuparse de las cosas de la casa o llevarse bien con otras personas?",
            "options": _keyed(["Nada difícil", "Algo difícil", "Muy difícil", "Extremadamente difícil"]),
        },
    },
    "gad7": {
        "name": "Preguntas sobre preocupación y ansiedad (GAD-7)",
        "stem": "En las últimas 2 semanas, ¿con qué frecuencia le ha molestado cada una de estas cosas?",
        "options": _keyed(FREQUENCY_ES),
        "items": [
            "Sentir nervios, preocupación o tensión",
            "No poder dejar de preocuparse ni controlar la preocupación",
            "Preocuparse demasiado por muchas cosas distintas",
            "Tener dificultad para relajarse",
            "Sentir tanta inquietud que le cuesta quedarse quieto(a)",
            "Molestarse o irritarse con facilidad",
            "Sentir miedo, como si algo terrible fuera a pasar",
        ],
    },
    "pc_ptsd5": {
        "name": "Experiencias estresantes (PC-PTSD-5)",
        "exposure": "Algunas personas viven sucesos que dan muchísimo miedo, que son horribles o traumáticos. "
        "Por ejemplo: un accidente grave o un incendio, una agresión o un abuso físico o sexual, una guerra, "
        "un desastre, ver cómo hieren gravemente o matan a alguien, o la muerte de un ser querido por asesinato "
        "o suicidio. ¿Alguna vez ha vivido algo así?",
        "stem": "En el último mes:",
        "items": [
            "¿Ha tenido pesadillas sobre el suceso, o ha pensado en él cuando no quería?",
            "¿Se ha esforzado mucho por no pensar en el suceso, o ha hecho todo lo posible por evitar lo que se "
            "lo recuerda?",
            "¿Ha estado constantemente en guardia o vigilante, o se ha asustado con facilidad?",
            "¿Ha sentido que sus emociones están apagadas, o que no tiene conexión con la gente, con sus "
            "actividades o con el mundo a su alrededor?",
            "¿Se ha sentido culpable, o no ha podido dejar de culparse o de culpar a otros por el suceso o por "
            "lo que pasó después?",
        ],
    },
    "asq": {
        "name": "Preguntas sobre su seguridad (ASQ)",
        "items": [
            "En las últimas semanas, ¿ha deseado ya no seguir con vida?",
            "En las últimas semanas, ¿ha sentido que usted o su familia estarían mejor si usted estuviera "
            "muerto(a)?",
            "En la última semana, ¿ha tenido pensamientos de matarse?",
            "¿Alguna vez ha intentado quitarse la vida?",
        ],
        "acuity": "¿Está pensando en matarse en este momento?",
    },
    "pain": {
        "name": "Nivel de dolor (de 0 a 10)",
        "scale": "0 significa que no tiene dolor. 10 significa el peor dolor que pueda imaginar.",
        "items": {
            "current": "Su dolor en este momento",
            "average": "Su dolor promedio durante la última semana",
            "worst": "Su peor dolor durante la última semana",
        },
    },
}

# Every English wording version defined in code, oldest first; the last is the default.
CODE_VERSIONS: dict[str, dict[str, Any]] = {"plain-2026.1": PLAIN_2026_1, "plain-2026.2": PLAIN_2026_2}
DEFAULT_VERSION = "plain-2026.2"
DEFAULT_TEXTS: dict[str, Any] = CODE_VERSIONS[DEFAULT_VERSION]

# Each language's wording versions defined in code (oldest first; the last is that language's
# default). Patients see the newest wording in the page's language; staff read English.
CODE_VERSIONS_BY_LANGUAGE: dict[str, dict[str, dict[str, Any]]] = {
    "en": CODE_VERSIONS,
    "es": {"plain-es-2026.1": PLAIN_ES_2026_1},
}
DEFAULT_VERSIONS: dict[str, str] = {
    language: list(versions)[-1] for language, versions in CODE_VERSIONS_BY_LANGUAGE.items()
}
STAFF_LANGUAGE = "en"
# The English version each translated code version renders, item for item.
TRANSLATION_OF: dict[str, str] = {"plain-es-2026.1": "plain-2026.2"}


def code_texts(version: str) -> dict[str, Any] | None:
    """A wording version shipped in code, in any language (None when the version is not one)."""
    for versions in CODE_VERSIONS_BY_LANGUAGE.values():
        if version in versions:
            return versions[version]
    return None


def code_language(version: str) -> str | None:
    """The language of a wording version shipped in code (None when the version is not one)."""
    for language, versions in CODE_VERSIONS_BY_LANGUAGE.items():
        if version in versions:
            return language
    return None


def default_texts(language: str) -> tuple[str, dict[str, Any]]:
    """The default (version, wording) for a language; English for a language without its own."""
    versions = CODE_VERSIONS_BY_LANGUAGE.get(language) or CODE_VERSIONS
    version = DEFAULT_VERSIONS.get(language, DEFAULT_VERSION)
    return version, versions[version]


def current_texts(language: str = "en") -> tuple[str, dict[str, Any]]:
    """The (version, wording) patients see in a language: its newest row when it fits, else its default.

    A language with no wording of its own (none seeded yet) gets the English default.
    """
    from referrals.models import QuestionnaireText

    row = QuestionnaireText.current(language)
    if row is not None and not structure_problems(row.texts):
        return row.version, row.texts
    return default_texts(language)


def staff_texts(version: str, *, language: str | None = None) -> tuple[str, dict[str, Any]]:
    """The English wording to show staff for answers given under `version` (staff work in English).

    An English version (or one of unknown language) is itself, from the database or code. A
    translation shipped in code gives the English version it renders item for item; any other
    translation (a clinic's own) gives the newest English wording made before it, else the
    default. The structure is the same in every language, so item n and score s mean the same.
    """
    from referrals.models import QuestionnaireText

    row = QuestionnaireText.objects.filter(version=version).first() if version else None
    if language is None:
        language = row.language if row is not None else (code_language(version) or STAFF_LANGUAGE)
    if language == STAFF_LANGUAGE:
        if row is not None and not structure_problems(row.texts):
            return version, row.texts
        if version in CODE_VERSIONS:
            return version, CODE_VERSIONS[version]
        return DEFAULT_VERSION, DEFAULT_TEXTS
    english = TRANSLATION_OF.get(version)
    if english:
        stored = QuestionnaireText.objects.filter(version=english, language=STAFF_LANGUAGE).first()
        if stored is not None and not structure_problems(stored.texts):
            return english, stored.texts
        return english, CODE_VERSIONS[english]
    earlier = QuestionnaireText.objects.filter(language=STAFF_LANGUAGE)
    if row is not None:
        earlier = earlier.filter(id__lt=row.id)
    for candidate in earlier.order_by("-id")[:10]:
        if not structure_problems(candidate.texts):
            return candidate.version, candidate.texts
    return DEFAULT_VERSION, DEFAULT_TEXTS


EXPECTED_COUNTS = {"phq9": 9, "gad7": 7, "pc_ptsd5": 5, "asq": 4}


def scored_options(options: Any) -> list[tuple[int, str]]:
    """(score, label) pairs, lowest score first: options keyed by score, or (plain-2026.1) a list by position."""
    if isinstance(options, dict):
        return sorted((int(score), label) for score, label in options.items() if str(score).isdigit())
    return list(enumerate(options or []))


def with_keyed_options(texts: Any) -> Any:
    """A copy of the wording with every answer option keyed by its score (a list is read by position)."""
    if not isinstance(texts, dict):
        return texts
    texts = copy.deepcopy(texts)
    parts = [texts.get("phq9"), texts.get("gad7"), (texts.get("phq9") or {}).get("difficulty")]
    for part in parts:
        if isinstance(part, dict) and isinstance(part.get("options"), list) and len(part["options"]) == 4:
            part["options"] = _keyed(part["options"])
    return texts


def scored_parts(texts: Any) -> list[tuple[str, list[tuple[int, str]]]]:
    """Each scored set of answer options in the wording, named, as (score, label) pairs."""
    if not isinstance(texts, dict):
        return []
    parts = [
        ("PHQ-9", (texts.get("phq9") or {}).get("options")),
        ("PHQ-9 difficulty", ((texts.get("phq9") or {}).get("difficulty") or {}).get("options")),
        ("GAD-7", (texts.get("gad7") or {}).get("options")),
    ]
    return [(name, scored_options(options)) for name, options in parts if isinstance(options, (dict, list))]


def _options_problem(where: str, options: Any, *, keyed: bool) -> str | None:
    if isinstance(options, dict):
        if set(options) != set(SCORES) or not all(isinstance(v, str) and v.strip() for v in options.values()):
            return f"{where} needs exactly one label for each score 0, 1, 2 and 3, keyed by the score."
        return None
    if keyed:
        return (
            f"{where} must key each label by the score it carries, for example "
            '{"0": "Not at all", "1": "Several days", "2": "More than half the days", "3": "Nearly every day"}.'
        )
    if (
        not isinstance(options, list)
        or len(options) != 4
        or not all(isinstance(v, str) and v for v in options)
    ):
        return f"{where} needs exactly 4 response labels (scored 0 to 3)."
    return None


def structure_problems(texts: Any, *, keyed: bool = False) -> list[str]:
    """Why wording would break an instrument's structure; empty when it fits.

    `keyed=True` is the rule for new (replacement) wording: every answer option keyed by its score.
    Without it, a stored plain-2026.1 list of labels (scored by position) is still read.
    """
    problems = []
    if not isinstance(texts, dict):
        return ["The wording must be a JSON object keyed by instrument."]
    for name, count in EXPECTED_COUNTS.items():
        items = (texts.get(name) or {}).get("items")
        if (
            not isinstance(items, list)
            or len(items) != count
            or not all(isinstance(i, str) and i for i in items)
        ):
            problems.append(f"{name} needs exactly {count} item texts.")
    for name in ("phq9", "gad7"):
        problem = _options_problem(f"{name} options", (texts.get(name) or {}).get("options"), keyed=keyed)
        if problem:
            problems.append(problem)
    difficulty = (texts.get("phq9") or {}).get("difficulty")
    if not isinstance(difficulty, dict) or not isinstance(difficulty.get("question"), str):
        problems.append("phq9 needs its difficulty question.")
    else:
        problem = _options_problem("phq9 difficulty options", difficulty.get("options"), keyed=keyed)
        if problem:
            problems.append(problem)
    if not isinstance((texts.get("asq") or {}).get("acuity"), str):
        problems.append("asq needs its acuity question.")
    if not isinstance((texts.get("pc_ptsd5") or {}).get("exposure"), str):
        problems.append("pc_ptsd5 needs its exposure question.")
    pain = (texts.get("pain") or {}).get("items")
    if not isinstance(pain, dict) or set(pain) != {"current", "average", "worst"}:
        problems.append("pain needs current, average and worst texts.")
    return problems
