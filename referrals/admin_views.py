"""The review workspace's buttons: a confirmation page on GET, one workflow call on POST.

Moves that are easy to undo and show no preview (start and resume review, `confirm=False`) have no
confirmation page: the review page posts them directly, and a GET just returns to the review page.

Each view checks the permission itself (`admin_view` only checks `is_staff`), loads the referral
through the model admin's queryset, turns workflow errors into error messages that list the
reasons, records the change in the admin log and redirects to the review page.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from referrals import screening, workflow
from referrals.admin.forms import (
    ChecklistItemForm,
    ConfirmForm,
    DeclineForm,
    ReasonForm,
    RequestInfoForm,
    ResolveFindingForm,
)
from referrals.admin.review import available_actions, indication_labels
from referrals.exceptions import WorkflowError
from referrals.models import ClearanceItem, Finding, InfoRequest, Referral

REVIEW_PERM = workflow.REVIEW_PERM
SIGN_PERM = workflow.SIGN_PERM


def _change_url(referral: Referral) -> str:
    return reverse("admin:referrals_referral_change", args=[referral.pk])


def _error_message(error: WorkflowError):
    # The reasons get their own class: inside the admin's message list a bare nested <li> is styled
    # as a success message (green, with a tick), which made refusals look like approvals.
    reasons = getattr(error, "reasons", None)
    if reasons:
        return format_html(
            '{}<ul class="refusal-reasons">{}</ul>',
            str(error),
            format_html_join("", "<li>{}</li>", ((r,) for r in reasons)),
        )
    return str(error)


# --- Previews shown on confirmation pages ------------------------------------------------------------


def _gate_preview(*gates: str) -> Callable[[Referral], dict]:
    def preview(referral: Referral) -> dict:
        problems = []
        for gate in gates:
            problems += workflow.gate_problems(referral, gate)
        return {"problems": problems}

    return preview


def _rescreen_preview(referral: Referral) -> dict:
    """What a re-screen would change, computed by the pure core without saving anything."""
    today = workflow.clinic_today()
    try:
        result = screening.screen(
            workflow.core_answers(referral.answers), today=today, policy=workflow.current_policy()
        )
    except ValueError:
        return {
            "problems": ["The stored answers cannot be screened. Ask a developer to check this referral."]
        }
    old = set(Finding.objects.filter(referral=referral, run__current=True).values_list("code", "severity"))
    new = {(finding.code, finding.severity) for finding in result.findings}
    existing_steps = set(referral.checklist.values_list("step_id", flat=True))
    return {
        "today": today,
        "added": sorted(f"{code} ({severity})" for code, severity in new - old),
        "removed": sorted(f"{code} ({severity})" for code, severity in old - new),
        "new_steps": sorted(step for step in result.required_steps if step not in existing_steps),
    }


# --- The actions ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """A staff action's confirmation page and call. Its guard, permission and label are workflow's."""

    name: str  # a key of workflow.ACTIONS
    explanation: str
    perform: Callable[[Referral, Any, dict], Any]
    success: Callable[[Referral, Any], str]
    form_class: type[forms.Form] = ConfirmForm
    preview: Callable[[Referral], dict] | None = None
    confirm: bool = True  # False: the review page posts it at once, with no confirmation page

    @property
    def path(self) -> str:
        return self.name.replace("_", "-")

    @property
    def title(self) -> str:
        return workflow.ACTIONS[self.name].label

    @property
    def danger(self) -> bool:
        return workflow.ACTIONS[self.name].danger

    def allowed(self, user) -> bool:
        return workflow.ACTIONS[self.name].permitted(user)


def _rescreen(referral, user, data):
    return workflow.rescreen_referral(referral, actor=user, today=workflow.clinic_today())


def _rescreen_success(referral, diff) -> str:
    added = ", ".join(diff["added"]) or "none"
    removed = ", ".join(diff["removed"]) or "none"
    text = f"Re-screened {referral} with the current policy. New findings: {added}. Findings gone: {removed}."
    if referral.status == Referral.Status.IN_REVIEW and diff["added"]:
        text += " If it was cleared, its review has been reopened."
    return text


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(
            "start_review",
            "Move this referral into review and assign it to you if nobody has it. The patient (and the "
            "referring clinician) are told it is being reviewed.",
            lambda r, u, d: workflow.start_review(r, actor=u),
            lambda r, _: f"Review of {r} started.",
            confirm=False,
        ),
        Action(
            "request_info",
            "The person you choose gets an email with a private link (no health details in the email). The "
            "page asks only for what you tick; their reply is kept beside the answers, never over them, and "
            "returns the referral to the queue.",
            lambda r, u, d: workflow.request_info(
                r,
                actor=u,
                items=d["items"],
                message=d["message"],
                audience=d["audience"],
                language=d.get("language") or None,
            ),
            lambda r, _: (
                f"Information requested for {r}. It waits in \u201cneeds information\u201d until the reply."
            ),
            form_class=RequestInfoForm,
        ),
        Action(
            "resume_review",
            "Return the referral to review without waiting for the reply (for example, the patient phoned "
            "with the answer). Note what you learned in the staff notes.",
            lambda r, u, d: workflow.resume_review(r, actor=u),
            lambda r, _: f"Review of {r} resumed.",
            confirm=False,
        ),
        Action(
            "clear",
            "Clearing needs every clearance-gate checklist item done, waived or marked not applicable, and "
            "every absolute and relative clearance finding resolved (absolute ones only by dismissal or "
            "override). A snapshot of the checklist, findings and scores is stored with your name.",
            lambda r, u, d: workflow.clear_referral(r, actor=u),
            lambda r, _: f"{r} cleared. Scheduling can start once the scheduling gate holds.",
            preview=_gate_preview("clearance"),
        ),
        Action(
            "reopen_review",
            "Take a cleared referral back into review (for example, new information changes the decision).",
            lambda r, u, d: workflow.reopen_review(r, actor=u, reason=d.get("reason", "")),
            lambda r, _: f"Review of {r} reopened.",
            form_class=ReasonForm,
        ),
        Action(
            "decline",
            "The referral closes as not eligible. The patient and referrer get the clinic's templated message "
            "pointing to the status page; it never contains your reason.",
            lambda r, u, d: workflow.decline_referral(r, actor=u, reason=d["reason"]),
            lambda r, _: f"{r} declined. Please phone the patient to explain.",
            form_class=DeclineForm,
        ),
        Action(
            "schedule",
            "Scheduling needs the clearance gate still to hold and every scheduling-gate item (consent, "
            "treatment plan, escort, fasting instructions, payment, pregnancy test when required) done.",
            lambda r, u, d: workflow.schedule_referral(r, actor=u),
            lambda r, _: f"{r} scheduled.",
            preview=_gate_preview("clearance", "scheduling"),
        ),
        Action(
            "withdraw",
            "Close the referral because the patient or referrer withdrew it, or it cannot go ahead.",
            lambda r, u, d: workflow.withdraw_referral(r, actor=u, reason=d.get("reason", "")),
            lambda r, _: f"{r} withdrawn.",
            form_class=ReasonForm,
        ),
        Action(
            "reissue_link",
            "The patient gets a fresh link (valid for the clinic's usual number of days) to answer the health "
            "questions; the old link stops working.",
            lambda r, u, d: workflow.reissue_completion_link(r, actor=u),
            lambda r, _: f"A new completion link was sent for {r}.",
        ),
        Action(
            "rescreen",
            "Apply the current screening policy and today's date. Old findings are kept; a new set replaces "
            "them, and a resolution carries over only to a finding with the same code and severity. Newly "
            "required checklist items are added (none are removed). A cleared referral with new unresolved "
            "findings goes back to review.",
            _rescreen,
            _rescreen_success,
            preview=_rescreen_preview,
        ),
    )
}
assert set(ACTIONS) == set(workflow.ACTIONS), "every staff action has its confirmation page"


def action_view(request, pk, *, model_admin, action: Action):
    if not request.user.has_perm(REVIEW_PERM) or not action.allowed(request.user):
        raise PermissionDenied
    referral = get_object_or_404(model_admin.get_queryset(request), pk=pk)
    form_kwargs = {"referral": referral} if action.form_class is RequestInfoForm else {}
    if request.method == "POST":
        form = action.form_class(request.POST, **form_kwargs)
        if form.is_valid():
            try:
                result = action.perform(referral, request.user, form.cleaned_data)
            except WorkflowError as error:
                model_admin.message_user(request, _error_message(error), messages.ERROR)
            else:
                model_admin.log_change(request, referral, f"{action.title}.")
                model_admin.message_user(request, action.success(referral, result), messages.SUCCESS)
            return redirect(_change_url(referral))
    else:
        if action.name not in {a["name"] for a in available_actions(referral, request.user)}:
            model_admin.message_user(
                request,
                f"{action.title} is not possible now: this referral is "
                f"{referral.get_status_display().lower()}.",
                messages.ERROR,
            )
            return redirect(_change_url(referral))
        if not action.confirm:
            return redirect(_change_url(referral))  # acts only on POST, from the review page's button
        form = action.form_class(**form_kwargs)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": f"{action.title}: {referral}",
        "action": action,
        "referral": referral,
        "indications": indication_labels(referral),
        "form": form,
        "preview": action.preview(referral) if action.preview else {},
        "change_url": _change_url(referral),
        "has_view_permission": True,
    }
    return TemplateResponse(request, "admin/referrals/referral/confirm_action.html", context)


# --- Checklist items and findings ----------------------------------------------------------------------


def _item_view(request, pk, *, model_admin, form_class, load, perform, describe, anchor, needs_sign):
    if not request.user.has_perm(REVIEW_PERM) or (needs_sign and not request.user.has_perm(SIGN_PERM)):
        raise PermissionDenied
    referral = get_object_or_404(model_admin.get_queryset(request), pk=pk)
    obj = load(referral)
    form_kwargs = {"finding": obj} if form_class is ResolveFindingForm else {}
    prefix = f"{anchor}-{obj.pk}"
    if request.method == "POST":
        form = form_class(request.POST, prefix=prefix, **form_kwargs)
        if form.is_valid():
            try:
                perform(obj, request.user, form.cleaned_data)
            except WorkflowError as error:
                model_admin.message_user(request, _error_message(error), messages.ERROR)
            else:
                model_admin.log_change(request, referral, describe(obj))
                model_admin.message_user(request, describe(obj), messages.SUCCESS)
            return redirect(f"{_change_url(referral)}#{prefix}")
        for _name, errors in form.errors.items():
            for error in errors:
                model_admin.message_user(request, f"Not saved: {error}", messages.ERROR)
        return redirect(f"{_change_url(referral)}#{prefix}")
    return redirect(f"{_change_url(referral)}#{prefix}")


def checklist_item_view(request, pk, item_pk, *, model_admin):
    def load(referral):
        return get_object_or_404(
            ClearanceItem.objects.select_related("referral"), pk=item_pk, referral=referral
        )

    def describe(item):
        return f"Checklist: {item.title} is now {item.get_status_display().lower()}."

    return _item_view(
        request,
        pk,
        model_admin=model_admin,
        form_class=ChecklistItemForm,
        load=load,
        perform=lambda item, user, d: workflow.update_checklist_item(
            item, actor=user, status=d["status"], reason=d["reason"], note=d["note"]
        ),
        describe=describe,
        anchor="item",
        needs_sign=False,
    )


def checklist_view(request, pk, *, model_admin):
    """Several checklist items in one save: "Mark selected done", or "Save changes" to every edited row.

    Each item still goes through `workflow.update_checklist_item`, so the rules are the single-item
    ones (clinical items need a clinician; waiving needs a reason). All or nothing: one refusal or
    invalid row saves none of them, and the messages say which item and why.
    """
    if not request.user.has_perm(REVIEW_PERM):
        raise PermissionDenied
    referral = get_object_or_404(model_admin.get_queryset(request), pk=pk)
    back = f"{_change_url(referral)}#checklist"
    if request.method != "POST":
        return redirect(back)
    items = list(referral.checklist.order_by("order", "id"))
    changes = []  # (item, status, reason, note)
    problems = []
    if request.POST.get("do") == "done":
        chosen = set(request.POST.getlist("selected"))
        for item in items:
            if str(item.pk) not in chosen or item.status == ClearanceItem.ItemStatus.DONE:
                continue
            note = (request.POST.get(f"item-{item.pk}-note") or item.note or "").strip()[:1000]
            changes.append((item, ClearanceItem.ItemStatus.DONE, "", note))
        if not chosen:
            problems.append("Tick the items to mark done first.")
    else:
        for item in items:
            if f"item-{item.pk}-status" not in request.POST:
                continue  # a row this person cannot edit is not on the form
            form = ChecklistItemForm(request.POST, prefix=f"item-{item.pk}")
            if not form.is_valid():
                problems += [f"{item.title}: {e}" for errors in form.errors.values() for e in errors]
                continue
            data = form.cleaned_data
            if (data["status"], data["reason"], data["note"]) != (item.status, item.reason, item.note):
                changes.append((item, data["status"], data["reason"], data["note"]))
    if problems:
        for problem in problems:
            model_admin.message_user(request, f"Not saved: {problem}", messages.ERROR)
        return redirect(back)
    if not changes:
        model_admin.message_user(request, "Nothing to save: no item was changed.", messages.WARNING)
        return redirect(back)
    current = None
    try:
        with transaction.atomic():
            for current, status, reason, note in changes:
                workflow.update_checklist_item(
                    current, actor=request.user, status=status, reason=reason, note=note
                )
    except WorkflowError as error:
        text = format_html("Nothing saved. {}: {}", current.title, _error_message(error))
        model_admin.message_user(request, text, messages.ERROR)
        return redirect(back)
    done = [item for item, status, _r, _n in changes if status == ClearanceItem.ItemStatus.DONE]
    summary = f"Checklist: {len(changes)} item{'s' if len(changes) != 1 else ''} saved"
    if len(done) == len(changes):
        summary = f"Checklist: {len(done)} item{'s' if len(done) != 1 else ''} marked done"
    summary += ": " + "; ".join(item.title for item, *_rest in changes) + "."
    model_admin.log_change(request, referral, summary)
    model_admin.message_user(request, summary, messages.SUCCESS)
    return redirect(back)


def reply_read_view(request, pk, info_pk, *, model_admin):
    """Mark an information request's reply read: it leaves the top of the review page and the queue's mark."""
    if not request.user.has_perm(REVIEW_PERM):
        raise PermissionDenied
    referral = get_object_or_404(model_admin.get_queryset(request), pk=pk)
    info = get_object_or_404(InfoRequest, pk=info_pk, referral=referral, responded_at__isnull=False)
    if request.method == "POST" and info.reply_read_at is None:
        info.reply_read_at = timezone.now()
        info.reply_read_by = request.user
        info.save(update_fields=["reply_read_at", "reply_read_by"])
        model_admin.log_change(request, referral, f"Reply from the {info.audience} marked read.")
        model_admin.message_user(request, f"Reply from the {info.audience} marked read.", messages.SUCCESS)
    return redirect(f"{_change_url(referral)}#information")


def resolve_finding_view(request, pk, finding_pk, *, model_admin):
    def load(referral):
        return get_object_or_404(
            Finding.objects.select_related("run", "referral"), pk=finding_pk, referral=referral
        )

    def describe(finding):
        return f"Finding {finding.code} ({finding.severity}): {finding.get_resolution_display().lower()}."

    return _item_view(
        request,
        pk,
        model_admin=model_admin,
        form_class=ResolveFindingForm,
        load=load,
        perform=lambda finding, user, d: workflow.resolve_finding(
            finding, actor=user, resolution=d["resolution"], note=d["note"]
        ),
        describe=describe,
        anchor="finding",
        needs_sign=True,
    )


# --- Reporting -------------------------------------------------------------------------------------------
