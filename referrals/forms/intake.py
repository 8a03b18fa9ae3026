"""The self-referral intake, one form per step. Each cleans to the answer keys of the spec."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from referrals import screening
from referrals.forms.fields import (
    CleanCharField,
    check_birth_date,
    choice,
    coded,
    multi,
    text,
    yes_no,
)
from referrals.forms.fields import (
    date_of_birth as birth_date_field,
)
from referrals.forms.fields import (
    phone as phone_field,
)
from referrals.questionnaires import scored_options
from referrals.screening.answers import age_on

# The codes come from the screening core (`coded` checks them at import); the patient-facing labels,
# and the order they are shown in, live here and in templates, never in the core.
INDICATION_CHOICES = [
    (
        _("Pain"),
        coded(
            [code for code, _ in screening.PAIN_INDICATION_CHOICES],
            {
                "crps": _("Complex regional pain syndrome (CRPS)"),
                "neuropathic": _("Nerve pain (neuropathic)"),
                "fibromyalgia": _("Fibromyalgia"),
                "migraine_headache": _("Migraine or chronic headache"),
                "back_spine": _("Back or spine pain"),
                "other_pain": _("Other long-term pain"),
            },
        ),
    ),
    (
        _("Mental health"),
        coded(
            [code for code, _ in screening.MENTAL_HEALTH_INDICATION_CHOICES],
            {
                "trd": _("Depression that has not improved with treatment"),
                "bipolar_depression": _("Depression in bipolar disorder"),
                "depression_suicidal_ideation": _("Depression with thoughts of suicide"),
                "ptsd": _("Post-traumatic stress disorder (PTSD)"),
                "anxiety": _("Anxiety"),
                "ocd": _("Obsessive-compulsive disorder (OCD)"),
            },
        ),
    ),
    (
        _("Something else"),
        coded([screening.OTHER_INDICATION], {"other": _("Something else, or not sure")}),
    ),
]
FLAT_INDICATIONS = [pair for _group, pairs in INDICATION_CHOICES for pair in pairs]
# The same codes with short labels, for "any others?" right below the full list (fewer words to read).
SHORT_INDICATION_LABELS = {
    "crps": _("CRPS"),
    "neuropathic": _("Nerve pain"),
    "migraine_headache": _("Migraine or headache"),
    "other_pain": _("Other long-term pain"),
    "trd": _("Depression not helped by treatment"),
    "bipolar_depression": _("Bipolar depression"),
    "ptsd": _("PTSD"),
    "depression_suicidal_ideation": _("Depression with suicidal thoughts"),
    "ocd": _("OCD"),
    "other": _("Something else"),
}
SECONDARY_INDICATION_CHOICES = [
    (group, [(code, SHORT_INDICATION_LABELS.get(code, label)) for code, label in pairs])
    for group, pairs in INDICATION_CHOICES
]
# The depression history step's own condition (no screening key decides it).
DEPRESSION_CODES = {"trd", "bipolar_depression", "depression_suicidal_ideation"}

HEART_CONDITION_CHOICES = coded(
    screening.CHOICE_CODES["heart_conditions"],
    {
        "coronary": _("Narrowed heart arteries (coronary artery disease) or angina"),
        "past_heart_attack": _("A past heart attack"),
        "heart_failure": _("Heart failure"),
        "arrhythmia": _("Irregular heartbeat, such as atrial fibrillation"),
        "valve": _("A heart valve problem"),
        "device": _("A pacemaker or defibrillator"),
        "stroke_tia": _("A stroke or mini-stroke (TIA) more than {cardiac_months} months ago"),
        "peripheral_arterial": _("Narrowed leg or arm arteries (peripheral arterial disease)"),
    },
)
MEDICATION_CHOICES = coded(
    screening.CHOICE_CODES["medications"],
    {
        "benzodiazepine": _("Benzodiazepines, such as Ativan, Klonopin, Xanax or Valium"),
        "lamotrigine": _("Lamotrigine (Lamictal)"),
        "maoi": _("MAO inhibitors, such as Nardil, Parnate or the Emsam patch"),
        "stimulant": _("Stimulants, such as Adderall, Ritalin, Vyvanse or Provigil"),
        "opioid_or_sedative": _(
            "Opioid pain medicines, gabapentin or pregabalin, sleeping pills, muscle "
            "relaxants or sedating allergy pills"
        ),
        "theophylline": _("Theophylline or aminophylline (asthma or COPD)"),
        "sympathomimetic": _("Decongestants such as pseudoephedrine (Sudafed)"),
        "glp1": _("Semaglutide (Ozempic, Wegovy), tirzepatide (Mounjaro, Zepbound) or liraglutide"),
        "antihypertensive": _("Any blood pressure medicine"),
        "addiction_medicine": _(
            "Buprenorphine (Suboxone, Sublocade), methadone or naltrexone (Vivitrol) for "
            "opioid or alcohol use"
        ),
    },
)
SEX_CHOICES = coded(
    screening.CHOICE_CODES["sex_at_birth"],
    {"female": _("Female"), "male": _("Male"), "intersex": _("Intersex")},
)
LIVER_CHOICES = coded(
    screening.CHOICE_CODES["liver_disease"],
    {
        "none": _("No"),
        "other": _("Hepatitis, fatty liver or another problem"),
        "severe": _("Cirrhosis (liver scarring) or liver failure"),
    },
)
ESCORT_CHOICES = coded(
    screening.CHOICE_CODES["escort_available"],
    {
        "yes": _("Yes, someone can"),
        "not_yet": _("Not yet, but I can arrange it"),
        "no": _("No, I do not have anyone"),
    },
)

CONTACT_CHOICES = [("phone", _("Phone call")), ("text", _("Text message")), ("email", _("Email"))]
DURATION_CHOICES = [
    ("under_6_months", _("Less than 6 months")),
    ("6_to_12_months", _("6 to 12 months")),
    ("1_to_5_years", _("1 to 5 years")),
    ("over_5_years", _("More than 5 years")),
]
TRIALS_CHOICES = [
    ("0", _("None")),
    ("1", "1"),
    ("2", "2"),
    ("3", "3"),
    ("4", _("4 or more")),
    ("unsure", _("Not sure")),
]
PRIOR_KETAMINE_CHOICES = [
    ("none", _("No")),
    ("ketamine", _("Yes, ketamine infusions or another form of ketamine")),
    ("esketamine", _("Yes, esketamine nasal spray (Spravato)")),
    ("both", _("Yes, both")),
]
PAYMENT_CHOICES = [
    ("insurance", _("I have health insurance: please check it")),
    ("self_pay", _("I will pay myself (self-pay)")),
    ("unsure", _("I am not sure yet")),
]
# The language the patient would like us to use with them (stored on Referral.preferred_language).
# "Español" is the language's own name, marked as Spanish for screen readers on English pages.
LANGUAGE_CHOICES = [
    ("English", _("English")),
    ("Spanish", mark_safe('<span lang="es">Español</span>')),
    ("other", _("Other")),
]
PAIN_SCALE = [(str(n), str(n)) for n in range(11)]
PAIN_KEYS = ("pain_current", "pain_average", "pain_worst")


class StepForm(forms.Form):
    """A step of the intake. `context` carries what the form needs from earlier steps.

    `answer_keys` are the screening keys (spec §3) the step asks, and `answers_from` turns its
    cleaned data into them: the one place where fields become answers. A field named after its key
    gives that key, unless the question was not asked or left blank (None is kept only where §3
    allows it); a step whose fields differ from its keys overrides `answers_from`.
    """

    title = ""
    intro = ""  # a sentence shown above the questions (an instrument's stem)
    answer_keys: frozenset[str] = frozenset()

    def __init__(self, *args, context=None, **kwargs):
        self.context = context or {}
        super().__init__(*args, **kwargs)
        # The wording is translatable: each form holds it as text in the page's language.
        for field in self.fields.values():
            if isinstance(field.label, Promise):
                field.label = str(field.label)
            if isinstance(field.help_text, Promise):
                field.help_text = str(field.help_text)

    def applies(self, key: str) -> bool:
        """Whether the core says this key applies, given the answers before this step (read cautiously)."""
        return key in self.context.get("applicable", screening.ANSWER_KEYS)

    @classmethod
    def answers_from(cls, cleaned: dict) -> dict:
        answers = {}
        for key in cls.answer_keys:
            value = cleaned.get(key)
            if key not in cleaned or (value in (None, "") and key not in screening.NULLABLE_KEYS):
                continue
            answers[key] = list(value) if isinstance(value, list | tuple) else value
        return answers


class AboutYouForm(StepForm):
    title = _("About you")
    answer_keys = frozenset({"date_of_birth", "sex_at_birth"})

    first_name = text(
        _("First name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = text(
        _("Last name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    preferred_name = text(
        _("Name you like to be called"), required=False, max_length=100, help_text=_("Optional.")
    )
    date_of_birth = birth_date_field()
    sex_at_birth = choice(
        _("Sex assigned at birth"),
        SEX_CHOICES,
        help_text=_("Some medicines and tests depend on it. You can tell us your gender at your visit."),
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=200,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("We email only your reference code and links, never your health details."),
        error_messages={
            "required": _("Enter your email address"),
            "invalid": _("Enter an email address in the right format, like name@example.com"),
        },
    )
    phone = phone_field(_("Phone number"))
    preferred_contact = choice(_("How would you like us to contact you?"), CONTACT_CHOICES)
    voicemail_ok = yes_no(_("May we leave a voicemail that names the clinic?"))
    texts_ok = yes_no(_("May we text you about appointments?"))
    preferred_language = choice(
        _("Language we should use"), LANGUAGE_CHOICES, required=False, help_text=_("Optional.")
    )
    preferred_language_other = text(_("Other language"), required=False, max_length=60)
    emergency_name = text(_("Emergency contact's name"), max_length=100)
    emergency_relationship = text(
        _("Their relationship to you"), max_length=60, help_text=_("For example, partner, parent or friend.")
    )
    emergency_phone = phone_field(
        _("Emergency contact's phone number"), autocomplete="off", help_text=_("A US number.")
    )

    def clean_date_of_birth(self):
        return check_birth_date(self.cleaned_data["date_of_birth"], timezone.localdate())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("preferred_contact") == "text" and cleaned.get("texts_ok") is False:
            self.add_error(
                "texts_ok",
                _(
                    "You chose text messages as your preferred contact. Choose yes here, or pick another way to contact you."
                ),
            )
        if cleaned.get("preferred_language") in ("English", "Spanish"):
            cleaned["preferred_language_other"] = ""
        return cleaned

    @staticmethod
    def language_preference(cleaned: dict) -> str:
        """What Referral.preferred_language keeps: "English", "Spanish", the language typed, or blank."""
        choice_ = cleaned.get("preferred_language") or ""
        if choice_ in ("English", "Spanish"):
            return choice_
        return (cleaned.get("preferred_language_other") or "").strip()


class ReasonForm(StepForm):
    title = _("Why you are being referred")
    answer_keys = frozenset({"indication", "secondary_indications"})

    indication = forms.ChoiceField(
        label=_("What is the main reason you would like ketamine infusion?"),
        choices=INDICATION_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the main reason"),
            "invalid_choice": _("Choose one of the reasons shown"),
        },
    )
    secondary_indications = forms.MultipleChoiceField(
        label=_("Do any others also apply?"),
        choices=SECONDARY_INDICATION_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Optional. Tick all that apply."),
        error_messages={"invalid_choice": _("Choose only from the reasons shown")},
    )
    duration = choice(_("How long have you had this problem?"), DURATION_CHOICES)
    treatments_tried = text(
        _("What treatments have you tried for it?"),
        max_length=2000,
        textarea=True,
        help_text=_("For example medicines, therapy, injections or surgery."),
    )
    goals = text(
        _("What would you most like to change?"),
        required=False,
        max_length=1000,
        textarea=True,
        help_text=_("Optional."),
    )

    def clean(self):
        cleaned = super().clean()
        main = cleaned.get("indication")
        secondary = cleaned.get("secondary_indications") or []
        if main and main in secondary:
            cleaned["secondary_indications"] = [code for code in secondary if code != main]
        return cleaned


class DepressionHistoryForm(StepForm):
    title = _("Your depression treatment so far")

    antidepressant_trials = choice(
        _(
            "In this episode of depression, how many different antidepressants have you taken at a full dose for at least 6 weeks?"
        ),
        TRIALS_CHOICES,
        help_text=_("Count each medicine once. If you are not sure, choose “Not sure”."),
    )
    augmentation = yes_no(
        _("Have you taken a second medicine added to boost an antidepressant?"),
        help_text=_("For example lithium, aripiprazole (Abilify), quetiapine (Seroquel) or thyroid hormone."),
    )
    ect = yes_no(_("Have you had electroconvulsive therapy (ECT)?"))
    tms = yes_no(_("Have you had transcranial magnetic stimulation (TMS)?"))
    prior_ketamine = choice(
        _("Have you had ketamine or esketamine treatment before?"), PRIOR_KETAMINE_CHOICES
    )
    therapy = yes_no(_("Have you had talking therapy, such as CBT, for your depression?"))


def _apply_conditional(form: forms.Form, field: str, keep: bool) -> None:
    """Drop a question that does not apply, so a leftover answer is never kept."""
    if not keep:
        form.fields.pop(field, None)


CARDIAC_INTRO = _("In the past {cardiac_months} months, have you had:")
CARDIAC_EVENT_FIELDS = (
    "cardiac_heart_attack",
    "cardiac_chest_pain",
    "cardiac_heart_failure",
    "cardiac_stroke",
)


class HealthBodyForm(StepForm):
    title = _("Your physical health")
    answer_keys = frozenset({
        "can_become_pregnant", "pregnant", "breastfeeding", "height_cm", "weight_kg", "bp_systolic",
        "bp_diastolic", "bp_told_uncontrolled", "recent_cardiac_event", "heart_conditions", "aneurysm_or_avm",
        "brain_bleed_history", "raised_icp", "glaucoma", "sleep_apnea", "home_oxygen", "seizures",
        "hyperthyroid_uncontrolled", "liver_disease", "bladder_symptoms", "memory_disorder",
    })  # fmt: skip
    groups = {
        _("Your height and weight"): (
            ["height_feet", "height_inches", "weight_pounds"],
            _("Leave blank if you do not know."),
        ),
        _("Your latest blood pressure"): (
            ["bp_systolic", "bp_diastolic"],
            _("For example 128 over 82, or leave blank."),
        ),
        _("Heart and blood vessel problems"): (list(CARDIAC_EVENT_FIELDS), CARDIAC_INTRO),
    }

    @classmethod
    def answers_from(cls, cleaned: dict) -> dict:
        answers = super().answers_from(cleaned)
        events = [cleaned.get(name) for name in CARDIAC_EVENT_FIELDS]
        if all(isinstance(event, bool) for event in events):
            answers["recent_cardiac_event"] = any(events)
        return answers

    can_become_pregnant = yes_no(
        _("Could you become pregnant?"),
        unsure=True,
        help_text=_(
            "Choose no if, for example, you have gone through menopause or had surgery that prevents pregnancy."
        ),
    )
    pregnant = yes_no(_("Are you pregnant, or could you be pregnant right now?"), unsure=True)
    breastfeeding = yes_no(_("Are you breastfeeding?"))
    height_feet = forms.IntegerField(
        label=_("Height: feet"),
        required=False,
        min_value=1,
        max_value=8,
        error_messages={
            "min_value": _("Enter feet between 1 and 8"),
            "max_value": _("Enter feet between 1 and 8"),
            "invalid": _("Enter feet as a whole number"),
        },
    )
    height_inches = forms.IntegerField(
        label=_("Height: inches"),
        required=False,
        min_value=0,
        max_value=11,
        error_messages={
            "min_value": _("Enter inches between 0 and 11"),
            "max_value": _("Enter inches between 0 and 11"),
            "invalid": _("Enter inches as a whole number"),
        },
    )
    weight_pounds = forms.DecimalField(
        label=_("Weight in pounds"),
        required=False,
        min_value=Decimal("44"),
        max_value=Decimal("770"),
        decimal_places=1,
        max_digits=4,
        error_messages={
            "min_value": _("Enter a weight between 44 and 770 pounds"),
            "max_value": _("Enter a weight between 44 and 770 pounds"),
            "invalid": _("Enter your weight as a number, like 165"),
            "max_decimal_places": _("Use at most one decimal place"),
            "max_digits": _("Enter a weight between 44 and 770 pounds"),
        },
    )
    bp_systolic = forms.IntegerField(
        label=_("Top number (systolic)"),
        required=False,
        min_value=60,
        max_value=260,
        error_messages={
            "min_value": _("The top number is usually between 60 and 260"),
            "max_value": _("The top number is usually between 60 and 260"),
            "invalid": _("Enter the top number as a whole number, like 128"),
        },
    )
    bp_diastolic = forms.IntegerField(
        label=_("Bottom number (diastolic)"),
        required=False,
        min_value=30,
        max_value=160,
        error_messages={
            "min_value": _("The bottom number is usually between 30 and 160"),
            "max_value": _("The bottom number is usually between 30 and 160"),
            "invalid": _("Enter the bottom number as a whole number, like 82"),
        },
    )
    bp_told_uncontrolled = yes_no(_("Has a doctor or nurse said your blood pressure is not under control?"))
    # spec §3 recent_cardiac_event, one plain question each; any yes is a yes (see answers_from).
    # The window is stated once, in the group's introduction (CARDIAC_INTRO).
    cardiac_heart_attack = yes_no(_("A heart attack?"))
    cardiac_chest_pain = yes_no(
        _("Chest pain that was new, or kept getting worse?"),
        help_text=_("For example, at rest or with less effort than before (unstable angina)."),
    )
    cardiac_heart_failure = yes_no(_("A hospital stay for heart failure?"))
    cardiac_stroke = yes_no(
        _("A stroke or mini-stroke (TIA)?"),
        help_text=_("Mini-stroke signs, like a drooping face or weak arm, go away within a day."),
    )
    heart_conditions = multi(
        _("Do you have any of these heart and blood vessel conditions?"),
        HEART_CONDITION_CHOICES,
        help_text=_("Tick all that apply, or none."),
    )
    aneurysm_or_avm = yes_no(
        _("Have you been told you have an aneurysm (bulging blood vessel) or AVM (tangle of blood vessels)?"),
        unsure=True,
    )
    brain_bleed_history = yes_no(_("Have you ever had a bleed in your brain (hemorrhagic stroke)?"))
    raised_icp = yes_no(
        _(
            "Do you have raised pressure inside your skull, such as from a brain tumor, blocked shunt or recent serious head injury?"
        ),
        unsure=True,
    )
    glaucoma = yes_no(
        _(
            "Do you have glaucoma or high eye pressure, or had eye surgery or an eye injury in the past 3 months?"
        )
    )
    sleep_apnea = yes_no(
        _("Do you have sleep apnea or use CPAP, or had breathing problems with sedation or anesthesia?")
    )
    home_oxygen = yes_no(_("Do you use oxygen at home, or have severe lung disease?"))
    seizures = yes_no(_("Do you have epilepsy, or have you ever had a seizure?"))
    hyperthyroid_uncontrolled = yes_no(_("Do you have an overactive thyroid that is not under control?"))
    liver_disease = choice(_("Do you have a liver problem?"), LIVER_CHOICES)
    bladder_symptoms = yes_no(
        _(
            "Do you have a painful bladder condition (interstitial cystitis), or often need to urinate urgently or painfully?"
        )
    )
    memory_disorder = yes_no(
        _("Do you have dementia, a memory problem, or a brain injury that still affects you?")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        months = self.context.get("cardiac_lookback_months", 6)
        self.groups = {
            str(legend): (names, intro.format(cardiac_months=months))
            for legend, (names, intro) in self.groups.items()
        }
        conditions = self.fields["heart_conditions"]
        conditions.choices = [
            (code, label.format(cardiac_months=months)) for code, label in conditions.choices
        ]
        for name in ("can_become_pregnant", "pregnant", "breastfeeding"):
            _apply_conditional(self, name, self.applies(name))
        if "pregnant" in self.fields:
            # Asked on this page after "Could you become pregnant?", which decides whether it applies.
            self.fields["pregnant"].required = False
            self.fields["pregnant"].help_text = _("Answer this if you could become pregnant or are not sure.")

    def clean(self):
        cleaned = super().clean()
        if "can_become_pregnant" in self.fields:
            could = cleaned.get("can_become_pregnant")
            if could in ("yes", "unsure"):
                if not cleaned.get("pregnant"):
                    self.add_error("pregnant", _("Tell us whether you are, or could be, pregnant"))
            else:
                cleaned["pregnant"] = None
        feet, inches = cleaned.get("height_feet"), cleaned.get("height_inches")
        if inches is not None and feet is None:
            self.add_error("height_feet", _("Enter feet as well as inches, or leave both blank"))
        cleaned["height_cm"] = None
        if feet is not None:
            cm = (Decimal(feet * 12 + (inches or 0)) * Decimal("2.54")).quantize(
                Decimal("0.1"), ROUND_HALF_UP
            )
            if not Decimal(50) <= cm <= Decimal(250):
                self.add_error(
                    "height_feet",
                    _("Check your height: it should be between 1 foot 8 inches and 8 feet 2 inches"),
                )
            else:
                cleaned["height_cm"] = float(cm)
        pounds = cleaned.get("weight_pounds")
        cleaned["weight_kg"] = None
        if pounds is not None:
            kg = (pounds * Decimal("0.45359237")).quantize(Decimal("0.1"), ROUND_HALF_UP)
            cleaned["weight_kg"] = float(min(max(kg, Decimal(20)), Decimal(350)))
        systolic, diastolic = cleaned.get("bp_systolic"), cleaned.get("bp_diastolic")
        if (
            (systolic is None) != (diastolic is None)
            and not self.has_error("bp_systolic")
            and not self.has_error("bp_diastolic")
        ):
            missing = "bp_diastolic" if diastolic is None else "bp_systolic"
            self.add_error(missing, _("Enter both blood pressure numbers, or leave both blank"))
        if systolic is not None and diastolic is not None and diastolic >= systolic:
            self.add_error("bp_diastolic", _("The bottom number should be lower than the top number"))
        return cleaned


def alcohol_limits(sex_at_birth: str | None, born: date | None) -> tuple[int, int]:
    """NIAAA's limits (drinks on one day, in a week) for this patient: men under 65 have the higher ones.

    Women, anyone 65 or older, intersex patients, and anyone whose sex at birth or age we do not have
    get the lower ones (NIAAA, "Rethinking Drinking" and its clinician's guide).
    """
    older = born is None or age_on(born, timezone.localdate()) >= 65
    if sex_at_birth == "male" and not older:
        return 4, 14
    return 3, 7


class HealthMindForm(StepForm):
    title = _("Your mental health and substance use")
    answer_keys = frozenset({
        "psychosis_current", "psychosis_history", "mania_recent", "bipolar_diagnosis", "alcohol_heavy",
        "substance_problem_recent", "substance_history", "ketamine_nonmedical_use", "ketamine_bladder_damage",
        "ketamine_allergy", "ketamine_bad_reaction", "mood_stabilizer_current",
    })  # fmt: skip

    psychosis_current = yes_no(
        _(
            "Right now, do you hear or see things others do not, or hold strong beliefs others say are not real?"
        )
    )
    psychosis_history = yes_no(
        _(
            "Have you ever been diagnosed with schizophrenia or another psychotic illness, or had depression with hallucinations or delusions?"
        )
    )
    mania_recent = yes_no(
        _(
            "In the past 2 weeks, have you had several days of unusually high or irritable mood, needing much less sleep?"
        )
    )
    bipolar_diagnosis = yes_no(_("Have you been diagnosed with bipolar disorder?"))
    mood_stabilizer_current = yes_no(
        _(
            "Do you now take lithium, valproate (Depakote), carbamazepine (Tegretol) or an antipsychotic for "
            "your mood?"
        ),
        help_text=_("Lamotrigine (Lamictal) on its own does not count."),
    )
    alcohol_heavy = yes_no(
        _("In a usual week, do you have more than {week} drinks, or more than {day} drinks on any one day?"),
        help_text=_("One drink is a 12-ounce beer, a 5-ounce glass of wine or a 1.5-ounce shot of liquor."),
    )
    substance_problem_recent = yes_no(
        _(
            "In the past {substance_months} months, has alcohol or drug use caused you problems? For example, you could not cut down, had strong cravings, or kept using though it hurt you or others."
        ),
        help_text=_(
            "These do not count: needing more of a medicine, or withdrawal from it, when taken as prescribed "
            "(for example, opioids or benzodiazepines for pain); taking buprenorphine, methadone or naltrexone as prescribed."
        ),
    )
    substance_history = yes_no(_("Have you ever had treatment for, or a problem with, alcohol or drug use?"))
    ketamine_nonmedical_use = yes_no(
        _("Have you ever used ketamine, PCP or similar drugs outside medical care?")
    )
    ketamine_bladder_damage = yes_no(
        _("Have you ever had bladder damage, painful urination or blood in your urine from ketamine use?")
    )
    ketamine_allergy = yes_no(
        _("Have you ever had an allergic reaction to ketamine or esketamine (Spravato)?"), unsure=True
    )
    ketamine_bad_reaction = yes_no(
        _(
            "Have you had a bad reaction to ketamine, such as severe agitation, hours of frightening hallucinations, very high blood pressure or breathing problems?"
        )
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        months = self.context.get("substance_lookback_months", 3)
        field = self.fields["substance_problem_recent"]
        field.label = field.label.format(substance_months=months)
        day, week = alcohol_limits(self.context.get("sex_at_birth"), self.context.get("date_of_birth"))
        field = self.fields["alcohol_heavy"]
        field.label = field.label.format(day=day, week=week)
        # Asked after "Have you been diagnosed with bipolar disorder?", which decides it (spec §3).
        _apply_conditional(self, "mood_stabilizer_current", self.applies("mood_stabilizer_current"))
        self.bipolar_indicated = "bipolar_depression" in self.context.get("indications", ())
        # A bipolar-depression referral answers this already (spec §3: the key may then be missing).
        if self.bipolar_indicated:
            field = self.fields["bipolar_diagnosis"]
            field.required = False
            field.help_text = _("You told us you have bipolar depression, so you can skip this.")
        elif "mood_stabilizer_current" in self.fields:
            field = self.fields["mood_stabilizer_current"]
            field.required = False
            field.help_text = f"{gettext('Answer this if you have bipolar disorder.')} {field.help_text}"

    def clean(self):
        cleaned = super().clean()
        if "mood_stabilizer_current" in self.fields:
            if self.bipolar_indicated or cleaned.get("bipolar_diagnosis") is True:
                if cleaned.get("mood_stabilizer_current") in (None, ""):
                    self.add_error(
                        "mood_stabilizer_current",
                        _("You told us you have bipolar disorder, so please answer this question"),
                    )
            elif cleaned.get("bipolar_diagnosis") is False:
                cleaned["mood_stabilizer_current"] = None
        return cleaned


class MedicationsForm(StepForm):
    title = _("Medicines and allergies")
    answer_keys = frozenset({"medications"})

    medications = multi(
        _("Do you take any of these medicines, now or as needed?"),
        MEDICATION_CHOICES,
        help_text=_(
            "Tick all that apply, or none. On buprenorphine or methadone? Tick opioid pain medicines too."
        ),
    )
    medication_list = text(
        _("List all the medicines you take"),
        max_length=3000,
        textarea=True,
        rows=4,
        help_text=_(
            "With doses if you know them, and any vitamins, supplements or cannabis. Or write “none”."
        ),
        required_message=_("List your medicines, or write “none”"),
    )
    allergies = text(
        _("Do you have any allergies to medicines, foods or latex?"),
        max_length=1000,
        textarea=True,
        rows=2,
        help_text=_("Or write “none”."),
        required_message=_("List your allergies, or write “none”"),
    )


def frequency_field(label, options):
    """A scored question: each answer's value is the score its label carries in the wording."""
    return forms.TypedChoiceField(
        label=label,
        choices=[(str(score), text_) for score, text_ in scored_options(options)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how often"),
            "invalid_choice": _("Choose one of the answers shown"),
        },
    )


class PHQ9Form(StepForm):
    title = _("Your mood")
    answer_keys = frozenset({"phq9"})

    @classmethod
    def answers_from(cls, cleaned: dict) -> dict:
        return {"phq9": [cleaned[f"phq9_{n}"] for n in range(1, 10)]}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        texts = self.context["questionnaire"]["phq9"]
        self.intro = texts["stem"]
        for number, item in enumerate(texts["items"], start=1):
            self.fields[f"phq9_{number}"] = frequency_field(item, texts["options"])
        difficulty = texts["difficulty"]
        self.fields["phq9_difficulty"] = frequency_field(difficulty["question"], difficulty["options"])
        self.fields["phq9_difficulty"].error_messages["required"] = _(
            "Choose how hard these problems have made things"
        )


class ASQForm(StepForm):
    title = _("Your safety")
    answer_keys = frozenset({"asq"})

    @classmethod
    def answers_from(cls, cleaned: dict) -> dict:
        asq = {f"q{n}": cleaned[f"asq_q{n}"] for n in range(1, 5)}
        asq["acuity"] = cleaned.get("asq_acuity") if cleaned.get("asq_acuity") != "" else None
        return {"asq": asq}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        texts = self.context["questionnaire"]["asq"]
        self.intro = _(
            "These questions ask about thoughts of death and suicide. We ask them so that anyone who needs "
            "support gets it quickly. Please answer honestly: a yes does not stop your referral."
        )
        for number, item in enumerate(texts["items"], start=1):
            self.fields[f"asq_q{number}"] = yes_no(item)
        self.fields["asq_acuity"] = yes_no(texts["acuity"])
        self.fields["asq_acuity"].required = False
        self.fields["asq_acuity"].help_text = _("Answer this if you answered yes to any question above.")

    def clean(self):
        cleaned = super().clean()
        answers = [cleaned.get(f"asq_q{n}") for n in range(1, 5)]
        if any(a is True for a in answers):
            if cleaned.get("asq_acuity") in (None, ""):
                self.add_error("asq_acuity", _("You answered yes above, so please answer this question too"))
        elif all(a is False for a in answers):
            cleaned["asq_acuity"] = None
        return cleaned


class MoreQuestionnairesForm(StepForm):
    title = _("A few more questions")
    answer_keys = frozenset({"gad7", "pc_ptsd5_exposed", "pc_ptsd5", *PAIN_KEYS})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        texts = self.context["questionnaire"]
        self.groups = {}
        if self.applies("gad7"):
            for number, item in enumerate(texts["gad7"]["items"], start=1):
                self.fields[f"gad7_{number}"] = frequency_field(item, texts["gad7"]["options"])
            self.groups[texts["gad7"]["name"]] = ([f"gad7_{n}" for n in range(1, 8)], texts["gad7"]["stem"])
        # The symptom questions are asked on this page after the exposure question that decides them.
        if self.applies("pc_ptsd5_exposed"):
            names = ["pc_ptsd5_exposed", *[f"pc_ptsd5_{n}" for n in range(1, 6)]]
            self.groups[texts["pc_ptsd5"]["name"]] = (
                names,
                gettext("If you answer yes to the first question, the next questions are about that event:")
                + " "
                + texts["pc_ptsd5"]["stem"],
            )
            self.fields["pc_ptsd5_exposed"] = yes_no(texts["pc_ptsd5"]["exposure"])
            for number, item in enumerate(texts["pc_ptsd5"]["items"], start=1):
                field = yes_no(item)
                field.required = False
                self.fields[f"pc_ptsd5_{number}"] = field
        if any(self.applies(key) for key in PAIN_KEYS):
            self.groups[texts["pain"]["name"]] = (
                [f"pain_{key}" for key in texts["pain"]["items"]],
                texts["pain"]["scale"],
            )
            for key, label in texts["pain"]["items"].items():
                self.fields[f"pain_{key}"] = forms.TypedChoiceField(
                    label=label,
                    choices=PAIN_SCALE,
                    coerce=int,
                    widget=forms.RadioSelect(attrs={"class": "pain-scale"}),
                    error_messages={
                        "required": _("Choose a number from 0 to 10"),
                        "invalid_choice": _("Choose a number from 0 to 10"),
                    },
                )

    def clean(self):
        cleaned = super().clean()
        if "pc_ptsd5_exposed" in self.fields:
            if cleaned.get("pc_ptsd5_exposed") is True:
                for n in range(1, 6):
                    if cleaned.get(f"pc_ptsd5_{n}") in (None, ""):
                        self.add_error(
                            f"pc_ptsd5_{n}",
                            _(
                                "You said you have been through an event like this, so please answer this question"
                            ),
                        )
            else:
                for n in range(1, 6):
                    cleaned[f"pc_ptsd5_{n}"] = None
        return cleaned

    @classmethod
    def answers_from(cls, cleaned: dict) -> dict:
        answers = {key: cleaned[key] for key in PAIN_KEYS if key in cleaned}
        if "gad7_1" in cleaned:
            answers["gad7"] = [cleaned[f"gad7_{n}"] for n in range(1, 8)]
        if "pc_ptsd5_exposed" in cleaned:
            answers["pc_ptsd5_exposed"] = cleaned["pc_ptsd5_exposed"]
            if cleaned["pc_ptsd5_exposed"]:
                answers["pc_ptsd5"] = [cleaned[f"pc_ptsd5_{n}"] for n in range(1, 6)]
        return answers


class PracticalForm(StepForm):
    title = _("Getting to appointments and paying")
    answer_keys = frozenset({"escort_available"})

    escort_available = choice(
        _(
            "You cannot drive until the day after each infusion. Can an adult take you home and stay with you?"
        ),
        ESCORT_CHOICES,
    )
    payment = choice(_("How do you expect to pay?"), PAYMENT_CHOICES)
    insurer = text(
        _("Insurance company"), required=False, max_length=120, help_text=_("For example, Aetna or Medicare.")
    )
    member_id = text(_("Member ID"), required=False, max_length=40)
    group_number = text(_("Group number"), required=False, max_length=40, help_text=_("Optional."))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("payment") == "insurance":
            if not cleaned.get("insurer"):
                self.add_error("insurer", _("Enter the name of your insurance company"))
            if not cleaned.get("member_id"):
                self.add_error("member_id", _("Enter your member ID, as shown on your insurance card"))
        else:
            for name in ("insurer", "member_id", "group_number"):
                cleaned[name] = ""
        return cleaned


class ConsentForm(StepForm):
    title = _("Check and sign")

    accurate = forms.BooleanField(
        label=_("The information I have given is true and complete to the best of my knowledge."),
        error_messages={"required": _("Confirm that your information is accurate")},
    )
    privacy = forms.BooleanField(
        label=_(
            "I have read the privacy notice and agree that the clinic may use my information to review my referral."
        ),
        error_messages={"required": _("Confirm that you have read the privacy notice")},
    )
    electronic = forms.BooleanField(
        label=_(
            "I agree to receive emails and texts about my referral. They will contain only a reference code and links, never my health details."
        ),
        error_messages={
            "required": _("Agree to receive messages about your referral, or call us to refer by phone")
        },
    )
    signature = CleanCharField(
        label=_("Type your full name to sign"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Type your full name to sign")},
    )

    def clean_signature(self):
        signature = " ".join(self.cleaned_data["signature"].split())
        expected = " ".join(
            f"{self.context.get('first_name', '')} {self.context.get('last_name', '')}".split()
        )
        if expected and signature.casefold() != expected.casefold():
            raise ValidationError(
                gettext("Type your full name exactly as you gave it earlier: %(name)s") % {"name": expected},
                code="mismatch",
            )
        return signature


class ReviewForm(StepForm):
    title = _("Check your answers")

    submission_token = forms.UUIDField(widget=forms.HiddenInput)
