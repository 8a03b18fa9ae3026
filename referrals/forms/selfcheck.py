"""The self-check: a few questions whose answers feed the screening core and are never stored."""

from django import forms

from referrals.forms.fields import choice, multi, yes_no
from referrals.forms.intake import INDICATION_CHOICES

AGE_BANDS = [
    ("under_18", "Under 18"),
    ("18_49", "18 to 49"),
    ("50_64", "50 to 64"),
    ("65_plus", "65 or older"),
]
# A representative age for each band: the core only needs to know which side of its limits you are.
BAND_AGE = {"under_18": 16, "18_49": 35, "50_64": 57, "65_plus": 70}
PREGNANCY_CHOICES = [
    ("no", "No"),
    ("yes", "Yes"),
    ("unsure", "I am not sure"),
    ("not_applicable", "This does not apply to me"),
]
SUBSTANCE_CHOICES = [
    ("no", "No"),
    ("past", "In the past, but not now"),
    ("recent", "Yes, recently"),
]


class SelfCheckForm(forms.Form):
    age_band = choice("How old are you?", AGE_BANDS, required_message="Choose your age group")
    indication = forms.ChoiceField(
        label="What is the main reason you are interested in ketamine infusion?",
        choices=INDICATION_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the main reason",
            "invalid_choice": "Choose one of the reasons shown",
        },
    )
    pregnancy = choice(
        "Are you pregnant, or could you be?", PREGNANCY_CHOICES, required_message="Choose an answer"
    )
    heart = multi(
        "Do any of these apply to you?",
        [
            (
                "recent_event",
                "A heart attack, a stroke or mini-stroke, or chest pain at rest, in the past {months} months",
            ),
            ("bp_uncontrolled", "A doctor or nurse has told me my blood pressure is not under control"),
            (
                "heart_condition",
                "A long-term heart condition, such as heart disease, an irregular heartbeat or a pacemaker",
            ),
        ],
        help_text="Tick all that apply. Leave all unticked if none apply.",
    )
    mind = multi(
        "Do any of these apply to you?",
        [
            (
                "psychosis_current",
                "Right now I hear or see things others do not, or hold beliefs others say are not real",
            ),
            (
                "mania_recent",
                "In the past 2 weeks I have had days of unusually high or irritable mood with little need for sleep",
            ),
            ("psychosis_history", "I have been diagnosed with schizophrenia or another psychotic illness"),
            ("bipolar", "I have been diagnosed with bipolar disorder"),
        ],
        help_text="Tick all that apply. Leave all unticked if none apply.",
    )
    serious = multi(
        "Do any of these apply to you?",
        [
            (
                "aneurysm_or_avm",
                "I have been told I have an aneurysm (a weak, bulging blood vessel) or an AVM (a tangle of "
                "abnormal blood vessels)",
            ),
            ("brain_bleed", "I have had bleeding inside my brain"),
            (
                "raised_icp",
                "I have a condition that raises the pressure inside my skull, such as a brain tumor, a blocked "
                "shunt or a recent serious head injury",
            ),
            ("ketamine_allergy", "I have had an allergic reaction to ketamine or esketamine (Spravato)"),
            ("theophylline", "I take theophylline or aminophylline (medicines for asthma or lung disease)"),
        ],
        help_text="Tick all that apply. Leave all unticked if none apply. If you are not sure, leave it "
        "unticked and ask at your consultation.",
    )
    substance = choice(
        "Has alcohol or drug use caused you problems?",
        SUBSTANCE_CHOICES,
        help_text="\u201cRecently\u201d means in the past {months} months.",
        required_message="Choose an answer",
    )
    safety = yes_no(
        "In the past two weeks, have you had thoughts that you would be better off dead, or of hurting yourself?",
        required_message="Choose an answer",
    )

    def __init__(self, *args, cardiac_months=6, substance_months=3, **kwargs):
        super().__init__(*args, **kwargs)
        heart = self.fields["heart"]
        heart.choices = [(k, v.format(months=cardiac_months)) for k, v in heart.choices]
        heart.label = "Heart and blood pressure: do any of these apply to you?"
        self.fields["mind"].label = "Mood and thinking: do any of these apply to you?"
        self.fields[
            "serious"
        ].label = "Brain, blood vessels, allergy and medicines: do any of these apply to you?"
        substance = self.fields["substance"]
        substance.help_text = substance.help_text.format(months=substance_months)

    def answers(self, *, today) -> dict:
        """A partial answers mapping (screening-spec §3) built from these few questions."""
        c = self.cleaned_data
        age = BAND_AGE[c["age_band"]]
        try:
            born = today.replace(year=today.year - age)
        except ValueError:  # 29 February
            born = today.replace(year=today.year - age, day=28)
        heart, mind, serious = set(c["heart"]), set(c["mind"]), set(c["serious"])
        answers = {
            "date_of_birth": born,
            "indication": c["indication"],
            "secondary_indications": [],
            "recent_cardiac_event": "recent_event" in heart,
            "bp_told_uncontrolled": "bp_uncontrolled" in heart,
            "bp_systolic": None,
            "bp_diastolic": None,
            "heart_conditions": ["coronary"] if "heart_condition" in heart else [],
            "psychosis_current": "psychosis_current" in mind,
            "psychosis_history": "psychosis_history" in mind,
            "mania_recent": "mania_recent" in mind,
            "bipolar_diagnosis": "bipolar" in mind,
            # Unticked means "no": the result page says that an unsure answer belongs at the consultation.
            "aneurysm_or_avm": "yes" if "aneurysm_or_avm" in serious else "no",
            "brain_bleed_history": "brain_bleed" in serious,
            "raised_icp": "yes" if "raised_icp" in serious else "no",
            "ketamine_allergy": "yes" if "ketamine_allergy" in serious else "no",
            # Only the one medicine asked about here; the result page says the others were not asked.
            "medications": ["theophylline"] if "theophylline" in serious else [],
            "substance_problem_recent": c["substance"] == "recent",
            "substance_history": c["substance"] == "past",
            # PHQ-9 item 9 asks exactly the safety question; the other items are not asked here.
            "phq9": [0] * 8 + [1 if c["safety"] else 0],
        }
        if c["pregnancy"] == "not_applicable":
            answers["can_become_pregnant"] = "no"
        else:
            answers["can_become_pregnant"] = "yes"
            answers["pregnant"] = c["pregnancy"]
        return answers
