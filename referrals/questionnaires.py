"""Default plain-language wording of the intake questionnaires (versioned data).

Structure is fixed by the instruments (item count, order, recall window, response options and
scores); the words are our own paraphrase, faithful to each item's meaning. A clinic admin may
replace them with the official wording (a new QuestionnaireText row) without a code change.
"""

from typing import Any

DEFAULT_VERSION = "plain-2026.1"

FREQUENCY_OPTIONS = ["Not at all", "Several days", "More than half the days", "Nearly every day"]

DEFAULT_TEXTS: dict[str, Any] = {
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

EXPECTED_COUNTS = {"phq9": 9, "gad7": 7, "pc_ptsd5": 5, "asq": 4}


def structure_problems(texts: Any) -> list[str]:
    """Why replacement wording would break an instrument's structure; empty when it fits."""
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
        options = (texts.get(name) or {}).get("options")
        if not isinstance(options, list) or len(options) != 4:
            problems.append(f"{name} needs exactly 4 response labels (scored 0 to 3).")
    if not isinstance((texts.get("asq") or {}).get("acuity"), str):
        problems.append("asq needs its acuity question.")
    if not isinstance((texts.get("pc_ptsd5") or {}).get("exposure"), str):
        problems.append("pc_ptsd5 needs its exposure question.")
    pain = (texts.get("pain") or {}).get("items")
    if not isinstance(pain, dict) or set(pain) != {"current", "average", "worst"}:
        problems.append("pain needs current, average and worst texts.")
    return problems
