"""The patient self-referral: a multi-step wizard whose answers live only in the server session."""

import uuid
from datetime import date

from django import forms
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from formtools.wizard.forms import ManagementForm
from formtools.wizard.views import NamedUrlSessionWizardView, WizardView, normalize_name

from referrals import documents, ratelimit, screening, workflow
from referrals.exceptions import DuplicateSubmissionError
from referrals.forms import intake as f
from referrals.forms.documents import DocumentsForm
from referrals.models import ScreeningPolicy
from referrals.questionnaires import current_texts

RESULT_SESSION_KEY = "intake_result"
# What the "save and finish later" page needs from the wizard (referrals/views/resume.py).
SAVE_SESSION_KEY = "intake_save_later"

FORMS = [
    ("about", f.AboutYouForm),
    ("reason", f.ReasonForm),
    ("depression", f.DepressionHistoryForm),
    ("health", f.HealthBodyForm),
    ("health_mind", f.HealthMindForm),
    ("medications", f.MedicationsForm),
    ("mood", f.PHQ9Form),
    ("safety", f.ASQForm),
    ("more", f.MoreQuestionnairesForm),
    ("documents", DocumentsForm),
    ("practical", f.PracticalForm),
    ("consent", f.ConsentForm),
    ("review", f.ReviewForm),
]


def asks_what_applies(step: str):
    """A step that asks screening keys is shown when the core says one of them applies.

    The answers before the step are read as given, not cautiously: a page waits for the answer that
    calls for it (the safety questions of a pain referral wait for the mood answers).
    """
    keys = dict(FORMS)[step].answer_keys

    def condition(wizard) -> bool:
        return bool(keys & screening.applicable_keys(wizard.answers_before(step), cautious=False))

    condition.__name__ = f"show_{step}"
    return condition


def show_depression_history(wizard) -> bool:
    # Asks no screening key: the depression history belongs to the depression referrals.
    indications = screening.indication_codes(wizard.answers_before("depression"), cautious=False)
    return bool(indications & f.DEPRESSION_CODES)


CONDITIONS = {
    "depression": show_depression_history,
    **{step: asks_what_applies(step) for step, form in FORMS if getattr(form, "answer_keys", None)},
}


def screening_answers(cleaned: dict[str, dict | None]) -> dict:
    """The screening answers (spec §3) in these steps' cleaned data, each step's form mapping its own fields."""
    answers: dict = {}
    for step, form_class in FORMS:
        if cleaned.get(step) is not None:
            answers.update(form_class.answers_from(cleaned[step]))
    return answers


def page_language() -> str:
    """The page's language code ("en" or "es"), from the path (clinic.middleware)."""
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]


def current_questionnaire(language: str | None = None) -> tuple[str, dict]:
    """The (version, wording) patients see in the page's language (questionnaires.current_texts):
    its newest fitting row, else its default in code; English for a language with neither."""
    return current_texts(language or page_language())


class IntakeWizard(NamedUrlSessionWizardView):
    """Back saves the page; a stale or tampered post gets a friendly page, never a 500."""

    form_list = FORMS
    condition_dict = CONDITIONS
    url_name = "referrals:intake-step"
    done_step_name = "finished"
    template_name = "referrals/intake/step.html"
    referral = None  # set by the completion-link variant
    flow_label = _("refer yourself")  # ends each page title
    file_storage = None  # uploads become Document rows in process_step, never wizard-stored files
    can_save_for_later = True  # "save and finish later" (not for staff entry or the completion link)

    # --- cached reads ------------------------------------------------------------------------
    def cleaned(self, step: str) -> dict | None:
        """The step's stored answers, cleaned, or None when it has none (or they no longer validate).

        The form is built here, not with `get_form`, which would evaluate the step conditions that
        themselves read earlier steps: a step's form reads only the steps before it, so this never loops.
        """
        cache = self.__dict__.setdefault("_cleaned_cache", {})
        if step not in cache:
            data = self.storage.get_step_data(step)
            form = None
            if data is not None:
                form_class = self.form_list[step]
                form = form_class(
                    data=data,
                    files=self.storage.get_step_files(step),
                    prefix=self.get_form_prefix(step, form_class),
                    initial=self.get_form_initial(step),
                    **self.get_form_kwargs(step),
                )
            cache[step] = form.cleaned_data if form is not None and form.is_valid() else None
        return cache[step]

    def answers_before(self, step: str | None) -> dict:
        """The screening answers of the steps before `step` (all steps, for None), as answered so far."""
        steps = list(self.form_list)
        earlier = steps[: steps.index(step)] if step is not None else steps
        asking = [name for name in earlier if getattr(self.form_list[name], "answer_keys", None)]
        return screening_answers({name: self.cleaned(name) for name in asking})

    def _forget_cache(self):
        self.__dict__.pop("_cleaned_cache", None)

    def questionnaire(self) -> tuple[str, dict]:
        """The wording in the active language (the page's; English for the staff copy of the answers)."""
        cache = self.__dict__.setdefault("_questionnaire", {})
        language = page_language()
        if language not in cache:
            cache[language] = current_questionnaire(language)
        return cache[language]

    def policy_row(self) -> ScreeningPolicy:
        if "_policy" not in self.__dict__:
            self.__dict__["_policy"] = ScreeningPolicy.current()
        return self.__dict__["_policy"]

    def form_context(self, step: str) -> dict:
        """What a step's form needs: the wording, and what the core says applies after the steps before it."""
        context = {"questionnaire": self.questionnaire()[1]}
        if step in ("about", "reason"):
            return context
        about = self.cleaned("about") or {}
        answers = self.answers_before(step)
        policy = self.policy_row()
        context.update(
            first_name=about.get("first_name", ""),
            last_name=about.get("last_name", ""),
            cardiac_lookback_months=policy.cardiac_lookback_months,
            substance_lookback_months=policy.substance_lookback_months,
            # The alcohol question's limits depend on them (NIAAA).
            sex_at_birth=answers.get("sex_at_birth"),
            date_of_birth=answers.get("date_of_birth"),
            # Cautious, as the core reads: a question whose deciding answer is on the same page is shown.
            applicable=screening.applicable_keys(answers),
            indications=screening.indication_codes(answers),
        )
        return context

    def get_form_kwargs(self, step=None):
        step = step or self.steps.current
        kwargs = {"context": self.form_context(step)}
        if step == "documents":
            kwargs["owner"] = self.upload_owner()
        return kwargs

    def upload_owner(self) -> documents.UploadOwner:
        """Files of this unfinished intake belong to its session (and, when completing, to the referral)."""
        if not self.request.session.session_key:
            self.request.session.save()
        return documents.UploadOwner(
            key=self.request.session.session_key,
            referral_id=self.referral.pk if self.referral else None,
            known_empty=not self.storage.extra_data.get("uploaded"),
        )

    def process_step(self, form):
        # Uploads are stored at once as Document rows (never in the wizard's storage), so Back loses none.
        if isinstance(form, DocumentsForm) and form.is_valid() and form.save_uploads():
            self.storage.extra_data = {**self.storage.extra_data, "uploaded": True}
        return super().process_step(form)

    def get_form_step_files(self, form):
        return {}

    def get_form_initial(self, step):
        if step == "review":
            token = self.storage.extra_data.get("submission_token")
            if not token:
                token = str(uuid.uuid4())
                self.storage.extra_data = {**self.storage.extra_data, "submission_token": token}
            return {"submission_token": token}
        return super().get_form_initial(step)

    # --- request handling ----------------------------------------------------------------------
    @classmethod
    def as_view(cls, *args, **kwargs):
        kwargs.setdefault("url_name", cls.url_name)
        kwargs.setdefault("done_step_name", cls.done_step_name)
        return never_cache(super().as_view(*args, **kwargs))

    def get(self, *args, **kwargs):
        step = kwargs.get("step")
        if step is None and "reset" in self.request.GET:
            documents.discard_session_uploads(self.request.session.session_key)  # starting over
        if step == self.done_step_name:
            return self.confirmation_redirect()
        if step and step not in self.get_form_list():
            # A step that does not apply (or no longer applies) to these answers.
            return redirect(self.get_step_url(self.steps.current))
        return super().get(*args, **kwargs)

    def post(self, *args, **kwargs):
        # Generous for a person (a whole intake is about 15 posts), a wall for a script.
        if self.rate_limited("step"):
            return ratelimit.limited_response(self.request, "step")
        management = ManagementForm(self.request.POST, prefix=self.prefix)
        if not management.is_valid():
            raise SuspiciousOperation("Intake management form missing or tampered.")
        posted_step = management.cleaned_data["current_step"]
        if posted_step not in self.get_form_list():
            raise SuspiciousOperation("Intake step that does not apply.")
        if posted_step == "review":
            existing = self._already_submitted()
            if existing:
                return existing
        if posted_step != self.steps.first and not self.storage.data.get(self.storage.step_data_key):
            return render(
                self.request, "referrals/intake/expired.html", {"restart_url": self.restart_url()}, status=400
            )
        if "wizard_save_later" in self.request.POST and self.save_later_offered():
            return self._save_for_later(posted_step)
        if posted_step == "review":
            if self.rate_limited("submit"):
                return ratelimit.limited_response(self.request, "submit")
        goto = self.request.POST.get("wizard_goto_step")
        if goto:
            return self._save_and_go(posted_step, goto)
        self._forget_cache()
        return super().post(*args, **kwargs)

    def rate_limited(self, kind: str) -> bool:
        """Counts this post against the client's limit (staff entering a call's answers override it)."""
        return ratelimit.hit(self.request, kind)

    def confirmation_redirect(self):
        """Where the wizard goes once the referral is stored (staff entry has its own page)."""
        return redirect("referrals:intake-confirmation")

    def restart_url(self) -> str | None:
        """Where a patient whose session ended starts again (None: from the link we emailed)."""
        return reverse("referrals:intake") + "?reset=1"

    def _save_and_go(self, posted_step: str, goto: str):
        """Back (or any jump) keeps what is on the page, complete or not."""
        if goto not in self.get_form_list():
            raise SuspiciousOperation("Unknown intake step.")
        self.storage.current_step = posted_step
        form = self.get_form(data=self.request.POST, files=self.request.FILES)
        self.storage.set_step_data(posted_step, self.process_step(form))
        self.storage.current_step = goto
        return redirect(self.get_step_url(goto))

    # --- save and finish later (referrals/views/resume.py) ---------------------------------------
    def save_later_offered(self) -> bool:
        """Offered on every step after the one that asks the date of birth, once it is answered."""
        return (
            self.can_save_for_later
            and self.steps.current != self.steps.first
            and self.cleaned(self.steps.first) is not None
        )

    def _save_for_later(self, posted_step: str):
        """Keep what is on the page (complete or not), then ask where to send the resume link."""
        self.storage.current_step = posted_step
        form = self.get_form(data=self.request.POST, files=self.request.FILES)
        self.storage.set_step_data(posted_step, self.process_step(form))
        self._forget_cache()
        about = self.cleaned(self.steps.first)
        self.request.session[SAVE_SESSION_KEY] = {
            "email": about["email"],
            "date_of_birth": about["date_of_birth"].isoformat(),
            "step": posted_step,
        }
        return redirect("referrals:intake-save")

    @classmethod
    def storage_session_key(cls) -> str:
        """Where SessionStorage keeps this wizard's data in the session."""
        return f"wizard_{normalize_name(cls.__name__)}"

    def _already_submitted(self):
        """A second post of the same submit goes to the confirmation of the referral already stored."""
        result = self.request.session.get(RESULT_SESSION_KEY)
        token = self.request.POST.get("review-submission_token")
        if result and token and result.get("token") == token:
            return self.confirmation_redirect()
        return None

    def render_next_step(self, form, **kwargs):
        self._forget_cache()
        if self.storage.extra_data.get("reviewed"):
            # After a change from the check-your-answers page, go back there, unless the change
            # made a new step apply (or left one incomplete).
            for step in self.get_form_list():
                if step == "review":
                    break
                if self.cleaned(step) is None:
                    self.storage.current_step = step
                    return redirect(self.get_step_url(step))
            self.storage.current_step = "review"
            return redirect(self.get_step_url("review"))
        return super().render_next_step(form, **kwargs)

    def render_done(self, form, **kwargs):
        # Submit on the POST itself, not on a later GET of a "done" URL as formtools would.
        return WizardView.render_done(self, form, **kwargs)

    def render_revalidation_failure(self, failed_step, form, **kwargs):
        self.storage.current_step = failed_step
        return redirect(self.get_step_url(failed_step))

    # --- templates -----------------------------------------------------------------------------
    def get_template_names(self):
        return [f"referrals/intake/step_{self.steps.current}.html", self.template_name]

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        steps = [s for s in self.get_form_list()]
        current = self.steps.current
        index = steps.index(current)
        context.update(
            flow_label=self.flow_label,
            step_title=form.title,
            step_number=index + 1,
            step_count=len(steps),
            progress=[
                {"name": s, "title": self.form_list[s].title, "done": i < index, "current": s == current}
                for i, s in enumerate(steps)
            ],
            show_crisis=self.safety_flagged(),
            questionnaire_version=self.questionnaire()[0],
            layout=layout(form),
            is_review=current == "review",
            referral=self.referral,
            error_list=error_list(form),
            session_expire_seconds=settings.SESSION_COOKIE_AGE,
            # Warn 15 minutes before the answers are cleared (halfway, for very short sessions).
            session_warn_seconds=max(settings.SESSION_COOKIE_AGE - 15 * 60, settings.SESSION_COOKIE_AGE // 2),
            save_later=self.save_later_offered(),
        )
        if current == "review":
            self.storage.extra_data = {**self.storage.extra_data, "reviewed": True}
            context["sections"] = [
                {
                    **section,
                    **fold_review_rows(section["step"], section["rows"]),
                    "change_url": self.get_step_url(section["step"]),
                }
                for section in self.summary()
            ]
        return context

    def safety_flagged(self) -> bool:
        return screening.urgent_safety_in(self.answers_before(None))

    def summary(self) -> list[dict]:
        """The answers grouped as the patient saw them, with the question wording used."""
        sections = []
        for step in self.get_form_list():
            if step == "review":
                continue
            data = self.storage.get_step_data(step)
            form = self.get_form(step=step, data=data)
            valid = data is not None and form.is_valid()
            rows = []
            for name, field in form.fields.items():
                if isinstance(field.widget, forms.HiddenInput):
                    continue
                value = form.cleaned_data.get(name) if valid else None
                row = {"question": str(field.label), "answer": display(field, value)}
                if value == 0 and name.startswith(("phq9_", "gad7_")) and name != "phq9_difficulty":
                    row["quiet"] = True  # "Not at all", whatever the wording's language
                rows.append(row)
            sections.append({"step": step, "title": str(form.title), "rows": rows, "complete": valid})
        return sections

    def staff_summary(self) -> list[dict]:
        """The summary staff read: the clinic's English wording, whatever language the patient used.

        Labels and option labels come from the code and the English questionnaire wording, never
        from the patient's translated page (the forms' language is kept on Referral.language).
        """
        with translation.override(settings.LANGUAGE_CODE):
            self.__dict__.pop("_questionnaire", None)  # the wording of the staff's language
            try:
                # Text is made here, in English (a lazy title would otherwise turn Spanish on save).
                return [
                    {
                        **section,
                        "title": str(section["title"]),
                        "rows": [{k: v for k, v in row.items() if k != "quiet"} for row in section["rows"]],
                    }
                    for section in self.summary()
                ]
            finally:
                self.__dict__.pop("_questionnaire", None)

    # --- submission ----------------------------------------------------------------------------
    def done(self, form_list, form_dict=None, **kwargs):
        cleaned = {step: form.cleaned_data for step, form in form_dict.items()}
        token = uuid.UUID(str(cleaned["review"]["submission_token"]))
        identity, answers, details = build_submission(cleaned, today=timezone.localdate())
        version = self.questionnaire()[0]
        details["summary"] = self.staff_summary()
        try:
            referral = self.submit(token, identity, answers, details, version)
        except DuplicateSubmissionError as duplicate:
            referral = duplicate.referral
        self.request.session[RESULT_SESSION_KEY] = {
            "reference": referral.reference,
            "urgent": referral.urgent_safety,
            "token": str(token),
            "source": referral.source,
        }
        return self.confirmation_redirect()

    def submit(self, token, identity, answers, details, version):
        # Referral.language is the page's language; Referral.preferred_language the one the
        # patient asked us to use (build_submission puts it in the details). A variant of the
        # intake may decide both (staff entry: the call's language).
        extra = {
            "language": page_language(),
            "preferred_language": details.get("preferred_language", ""),
            **self.extra_submit_kwargs(identity, answers),
        }
        return workflow.submit_referral(
            submission_token=token,
            identity=identity,
            answers=answers,
            details=details,
            today=timezone.localdate(),
            questionnaire_version=version,
            session_key=self.request.session.session_key or "",
            **extra,
        )

    def extra_submit_kwargs(self, identity, answers) -> dict:
        """What a variant of the intake adds to the submission (the completion link: its referral)."""
        return {}


# On the check-your-answers page, these answers are folded under "Show N answers of No or none"
# (one click opens them), so the page leads with what the patient typed or said yes to.
FOLDED_ANSWERS = {_("No"), _("Not at all"), _("None of these"), _("Not answered"), _("None")}


def folded_answers() -> set[str]:
    """FOLDED_ANSWERS in the active language, and in English (a questionnaire may lack a translation)."""
    with translation.override(settings.LANGUAGE_CODE):
        english = {str(answer) for answer in FOLDED_ANSWERS}
    return english | {str(answer) for answer in FOLDED_ANSWERS}


def fold_review_rows(step: str, rows: list[dict]) -> dict:
    """Split a section's rows: the ones worth reading first, and the rest folded away."""
    if step == "consent":  # the agreements just ticked on the page before, whole but folded
        folded = [row for row in rows if row["answer"] == gettext("Yes")]
        label = ngettext(
            "Show the %(count)d agreement you ticked", "Show the %(count)d agreements you ticked", len(folded)
        ) % {"count": len(folded)}
    else:
        quiet = folded_answers()
        folded = [row for row in rows if row["answer"] in quiet or row.get("quiet")]
        label = ngettext(
            "Show %(count)d answer of No or none", "Show %(count)d answers of No or none", len(folded)
        ) % {"count": len(folded)}
    return {"shown": [row for row in rows if row not in folded], "folded": folded, "folded_label": label}


def error_list(form) -> list[tuple[str, str]]:
    """(anchor, message) pairs for the error summary; anchors point at the first input of a field."""
    items = [("", str(message)) for message in form.non_field_errors()]
    for bound in form:
        if not bound.errors:
            continue
        anchor = bound.auto_id
        if isinstance(bound.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            anchor = f"{anchor}_0"
        items.extend((anchor, str(message)) for message in bound.errors)
    return items


def layout(form) -> list[dict]:
    """Group related fields (height, blood pressure) into fieldsets for the template."""
    groups = getattr(form, "groups", {})
    seen: set[str] = set()
    items = []
    for name in form.fields:
        if name in seen:
            continue
        for legend, (names, help_text) in groups.items():
            if name in names:
                present = [n for n in names if n in form.fields]
                seen.update(present)
                choosers = (forms.RadioSelect, forms.CheckboxSelectMultiple)
                columns = not any(isinstance(form.fields[n].widget, choosers) for n in present)
                items.append(
                    {
                        "group": legend,
                        "help": help_text,
                        "fields": [form[n] for n in present],
                        "columns": columns,
                    }
                )
                break
        else:
            items.append({"field": form[name]})
    return items


def display(field, value) -> str:
    """An answer in words, in the active language (labels may carry markup such as lang: dropped here)."""
    if value is None or value == "" or value == []:
        return (
            gettext("Not answered")
            if not isinstance(field, forms.MultipleChoiceField)
            else gettext("None of these")
        )
    if isinstance(field, forms.BooleanField):
        return gettext("Yes") if value else gettext("No")
    if isinstance(field, forms.TypedChoiceField) and isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(field, forms.MultipleChoiceField):
        labels = dict(_flat(field.choices))
        return "; ".join(strip_tags(str(labels.get(v, v))) for v in value)
    if isinstance(field, forms.ChoiceField):
        labels = dict(_flat(field.choices))
        return strip_tags(str(labels.get(str(value), value)))
    if isinstance(value, date):
        return value.strftime("%m/%d/%Y")
    return str(value)


def _flat(choices):
    for key, label in choices:
        if isinstance(label, list | tuple):
            yield from label
        else:
            yield key, label


def build_submission(cleaned: dict[str, dict], *, today: date) -> tuple[dict, dict, dict]:
    """Turn the steps' cleaned data into identity, screening answers (spec §3) and other details."""
    about = cleaned["about"]
    reason = cleaned["reason"]
    meds = cleaned["medications"]
    mood = cleaned["mood"]
    practical = cleaned["practical"]
    consent = cleaned["consent"]

    identity = {key: about[key] for key in ("first_name", "last_name", "date_of_birth", "email", "phone")}
    answers = screening_answers(cleaned)

    details = {
        "preferred_name": about.get("preferred_name", ""),
        "preferred_contact": about["preferred_contact"],
        # Kept on the referral as Referral.preferred_language (workflow.submit_referral).
        "preferred_language": f.AboutYouForm.language_preference(about),
        "voicemail_ok": about["voicemail_ok"],
        "texts_ok": about["texts_ok"],
        "emergency_contact": {
            "name": about["emergency_name"],
            "relationship": about["emergency_relationship"],
            "phone": about["emergency_phone"],
        },
        "duration": reason["duration"],
        "treatments_tried": reason["treatments_tried"],
        "goals": reason.get("goals", ""),
        "depression_history": cleaned.get("depression", {}),
        "medication_list": meds["medication_list"],
        "allergies": meds["allergies"],
        "phq9_difficulty": mood["phq9_difficulty"],
        "payment": {k: practical[k] for k in ("payment", "insurer", "member_id", "group_number")},
        "consent": {
            "accurate": consent["accurate"],
            "privacy": consent["privacy"],
            "electronic": consent["electronic"],
            "signature": consent["signature"],
            "signed_on": today.isoformat(),
        },
    }
    return identity, answers, details


def confirmation(request):
    result = request.session.get(RESULT_SESSION_KEY)
    if not result:
        return redirect("referrals:start")
    return render(request, "referrals/intake/confirmation.html", {"result": result})


def keep_alive(request):
    """Touched by the session-timeout warning so an active patient keeps their answers."""
    request.session["last_active"] = timezone.now().isoformat()
    return HttpResponse(status=204)


def start(request):
    return render(
        request,
        "referrals/intake/start.html",
        {"first_step_url": reverse("referrals:intake-step", args=["about"])},
    )
