"""Default plain-language wording of the intake questionnaires (versioned data).

Structure is fixed by the instruments (item count, order, recall window, response options and
scores); the words are our own paraphrase, faithful to each item's meaning. A clinic admin may
replace them with the official wording (a new QuestionnaireText row) without a code change.

Every wording the app has shipped stays here under its version name (CODE_VERSIONS), unchanged, so
a referral keeps the words it was answered with; a change of wording is a new version. From
plain-2026.2 each answer option is keyed by the score it carries ("0" to "3"), so replacement
wording cannot put a label on the wrong score; plain-2026.1 keeps its list, read by position.
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

# Every wording version defined in code, oldest first; the last is the default.
CODE_VERSIONS: dict[str, dict[str, Any]] = {"plain-2026.1": PLAIN_2026_1, "plain-2026.2": PLAIN_2026_2}
DEFAULT_VERSION = "plain-2026.2"
DEFAULT_TEXTS: dict[str, Any] = CODE_VERSIONS[DEFAULT_VERSION]

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
