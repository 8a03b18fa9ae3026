"""The self-check: a few questions whose answers feed the screening core and are never stored."""

from django import forms
from django.utils.translation import gettext_lazy as _

from referrals.forms.fields import choice, multi, yes_no
from referrals.forms.intake import INDICATION_CHOICES

AGE_BANDS = [
    ("under_18", _("Under 18")),
    ("18_49", _("18 to 49")),
    ("50_64", _("50 to 64")),
    ("65_plus", _("65 or older")),
]
# A representative age for each band: the core only needs to know which side of its limits you are.
BAND_AGE = {"under_18": 16, "18_49": 35, "50_64": 57, "65_plus": 70}
PREGNANCY_CHOICES = [
    ("no", _("No")),
    ("yes", _("Yes")),
    ("unsure", _("I am not sure")),
    ("not_applicable", _("This does not apply to me")),
]
SUBSTANCE_CHOICES = [
    ("no", _("No")),
    ("past", _("In the past, but not now")),
    ("recent", _("Yes, recently")),
]
# The shared field helpers' messages, in the page's language (a yes/no answer still means True/False).
YES_NO_CHOICES = [("yes", _("Yes")), ("no", _("No"))]
ERROR_MESSAGES = {
    "invalid_choice": _("Choose one of the answers shown"),
}
MULTI_ERROR_MESSAGES = {
    "invalid_choice": _("Choose only from the options shown"),
    "required": _("Choose at least one"),
}
TICK_ALL = _("Tick all that apply. Leave all unticked if none apply.")


class SelfCheckForm(forms.Form):
    age_band = choice(_("How old are you?"), AGE_BANDS, required_message=_("Choose your age group"))
    indication = forms.ChoiceField(
        label=_("What is the main reason you are interested in ketamine infusion?"),
        choices=INDICATION_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the main reason"),
            "invalid_choice": _("Choose one of the reasons shown"),
        },
    )
    pregnancy = choice(
        _("Are you pregnant, or could you be?"), PREGNANCY_CHOICES, required_message=_("Choose an answer")
    )
    heart = multi(
        _("Do any of these apply to you?"),
        [
            (
                "recent_event",
                _(
                    "A heart attack, a stroke or mini-stroke, or chest pain at rest, in the past {months} months"
                ),
            ),
            ("bp_uncontrolled", _("A doctor or nurse has told me my blood pressure is not under control")),
            (
                "heart_condition",
                _(
                    "A long-term heart condition, such as heart disease, an irregular heartbeat or a pacemaker"
                ),
            ),
        ],
        help_text=TICK_ALL,
    )
    mind = multi(
        _("Do any of these apply to you?"),
        [
            (
                "psychosis_current",
                _("Right now I hear or see things others do not, or hold beliefs others say are not real"),
            ),
            (
                "mania_recent",
                _(
                    "In the past 2 weeks I have had days of unusually high or irritable mood with little need for sleep"
                ),
            ),
            ("psychosis_history", _("I have been diagnosed with schizophrenia or another psychotic illness")),
            ("bipolar", _("I have been diagnosed with bipolar disorder")),
        ],
        help_text=TICK_ALL,
    )
    serious = multi(
        _("Do any of these apply to you?"),
        [
            (
                "aneurysm_or_avm",
                _(
                    "I have been told I have an aneurysm (a weak, bulging blood vessel) or an AVM (a tangle of "
                    "abnormal blood vessels)"
                ),
            ),
            ("brain_bleed", _("I have had bleeding inside my brain")),
            (
                "raised_icp",
                _(
                    "I have a condition that raises the pressure inside my skull, such as a brain tumor, a blocked "
                    "shunt or a recent serious head injury"
                ),
            ),
            ("ketamine_allergy", _("I have had an allergic reaction to ketamine or esketamine (Spravato)")),
            (
                "theophylline",
                _("I take theophylline or aminophylline (medicines for asthma or lung disease)"),
            ),
        ],
        help_text=_(
            "Tick all that apply. Leave all unticked if none apply. If you are not sure, leave it "
            "unticked and ask at your consultation."
        ),
    )
    substance = choice(
        _("Has alcohol or drug use caused you problems?"),
        SUBSTANCE_CHOICES,
        help_text=_("“Recently” means in the past {months} months."),
        required_message=_("Choose an answer"),
    )
    safety = yes_no(
        _(
            "In the past two weeks, have you had thoughts that you would be better off dead, or of hurting "
            "yourself?"
        ),
        required_message=_("Choose an answer"),
    )

    def __init__(self, *args, cardiac_months=6, substance_months=3, **kwargs):
        super().__init__(*args, **kwargs)
        heart = self.fields["heart"]
        heart.choices = [(k, v.format(months=cardiac_months)) for k, v in heart.choices]
        heart.label = _("Heart and blood pressure: do any of these apply to you?")
        self.fields["mind"].label = _("Mood and thinking: do any of these apply to you?")
        self.fields["serious"].label = _(
            "Brain, blood vessels, allergy and medicines: do any of these apply to you?"
        )
        substance = self.fields["substance"]
        substance.help_text = substance.help_text.format(months=substance_months)
        self.fields["safety"].choices = YES_NO_CHOICES
        for field in self.fields.values():
            messages = (
                MULTI_ERROR_MESSAGES if isinstance(field, forms.MultipleChoiceField) else ERROR_MESSAGES
            )
            field.error_messages.update(messages)

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
