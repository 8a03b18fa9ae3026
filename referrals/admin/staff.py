"""The clinic's own staff pages: the clinic admin creates staff, proposes and withdraws roles,
deactivates and resets sign-in here; every rule lives in referrals/staff_accounts.py.

Each refused attempt (a forbidden field posted, one's own account, a superuser) is a 403 with a row
in the audit trail. Django's stock user and device admins are locked in staff_locks.py.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django_otp.plugins.otp_totp.models import TOTPDevice

from referrals import staff_accounts
from referrals.admin.staff_locks import refuse_forbidden_fields
from referrals.models import RoleGrant, StaffAccount
from referrals.staff_accounts import StaffRuleError

# --- Forms ---------------------------------------------------------------------------------------------


class StaffCreateForm(forms.Form):
    username = forms.CharField(
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="Letters, digits and @ . + - _ only. The person signs in with it.",
    )
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(
        label="Work email address",
        help_text="The set-password link goes here. It cannot be changed later: a new address needs a new account.",
    )
    roles = forms.MultipleChoiceField(
        choices=RoleGrant.Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The clinician role starts only when a clinician other than you confirms it.",
    )

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("That username is taken. Choose another one.")
        return username

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account already uses this address.")
        return email


# Actions that are hard to undo get a confirmation page first: (title, what happens).
CONFIRM_ACTIONS = {
    "password-link": (
        "Email a new set-password link",
        "Their current password stops working at once, and they are signed out everywhere. The link goes "
        "to the address on the account; they choose a new password themselves. Their authenticator stays.",
    ),
    "reset-authenticator": (
        "Reset the authenticator",
        "Their authenticator app and recovery codes stop working at once, and so does their password. "
        "A link goes to the address on the account to choose a new password and set up the app again.",
    ),
    "deactivate": (
        "Deactivate the account",
        "They can no longer sign in, and any open session ends at their next click. Their records and "
        "the audit trail stay. You can reactivate the account later.",
    ),
}


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=RoleGrant.Role.choices)


# --- Staff accounts -----------------------------------------------------------------------------------


@admin.register(StaffAccount)
class StaffAccountAdmin(admin.ModelAdmin):
    """Staff accounts: a list, a create form and a page per person with its actions."""

    def has_module_permission(self, request):
        return staff_accounts.can_manage_staff(request.user)

    def has_view_permission(self, request, obj=None):
        return staff_accounts.can_manage_staff(request.user)

    def has_add_permission(self, request):
        return staff_accounts.can_manage_staff(request.user)

    def has_change_permission(self, request, obj=None):
        return staff_accounts.can_manage_staff(request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the audit trail points at these rows

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("", wrap(self.list_view), name="referrals_staffaccount_changelist"),
            path("add/", wrap(self.create_view), name="referrals_staffaccount_add"),
            path("<int:pk>/change/", wrap(self.account_view), name="referrals_staffaccount_change"),
            path(
                "<int:pk>/action/<slug:action>/", wrap(self.action_view), name="referrals_staffaccount_action"
            ),
        ]

    def _context(self, request, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "app_label": self.model._meta.app_label,
            **extra,
        }

    def _require_manager(self, request, target=None):
        if not staff_accounts.can_manage_staff(request.user):
            staff_accounts.refuse(request.user, "staff_pages_without_permission", target, path=request.path)

    def list_view(self, request):
        self._require_manager(request)
        accounts = staff_accounts.visible_staff(request.user).prefetch_related("groups")
        pending = {
            (grant.user_id, grant.role) for grant in RoleGrant.objects.filter(state=RoleGrant.State.PENDING)
        }
        labels = dict(RoleGrant.Role.choices)
        rows = []
        for account in accounts:
            names = {group.name for group in account.groups.all()}
            rows.append(
                {
                    "account": account,
                    "roles": [labels[r] for r, g in staff_accounts.ROLE_GROUPS.items() if g in names],
                    "pending": [labels[r] for (uid, r) in pending if uid == account.pk],
                }
            )
        return TemplateResponse(
            request,
            "admin/referrals/staffaccount/list.html",
            self._context(request, title="Staff accounts", rows=rows),
        )

    def create_view(self, request):
        self._require_manager(request)
        if request.method == "POST":
            refuse_forbidden_fields(request)
            form = StaffCreateForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                user = staff_accounts.create_staff(
                    actor=request.user,
                    username=data["username"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    email=data["email"],
                    roles=data["roles"],
                    path=request.path,
                )
                self.message_user(
                    request,
                    f"Account {user.username} created. A set-password link was emailed to the new address.",
                    messages.SUCCESS,
                )
                return redirect("admin:referrals_staffaccount_change", user.pk)
        else:
            form = StaffCreateForm()
        return TemplateResponse(
            request,
            "admin/referrals/staffaccount/add.html",
            self._context(request, title="Add a staff account", form=form),
        )

    def _target(self, request, pk):
        target = get_object_or_404(get_user_model().objects.filter(is_staff=True), pk=pk)
        staff_accounts.guard_open(request.user, target, path=request.path)
        return target

    def account_view(self, request, pk):
        target = self._target(request, pk)
        if request.method == "POST":
            # This page changes nothing by itself: its buttons post to the action URLs.
            refuse_forbidden_fields(request, target, also={"email"})
            return redirect("admin:referrals_staffaccount_change", target.pk)
        roles = staff_accounts.current_roles(target)
        grants = RoleGrant.objects.filter(user=target).select_related(
            "proposed_by", "confirmed_by", "withdrawn_by"
        )
        pending = [g for g in grants if g.state == RoleGrant.State.PENDING]
        pending_roles = {g.role for g in pending}
        labels = dict(RoleGrant.Role.choices)
        own = target.pk == request.user.pk
        return TemplateResponse(
            request,
            "admin/referrals/staffaccount/account.html",
            self._context(
                request,
                title=f"Staff account: {target.get_username()}",
                target=target,
                own_account=own,
                roles=[(r, labels[r]) for r in roles],
                pending=pending,
                grants=grants,
                can_propose=[
                    (r, label) for r, label in labels.items() if r not in roles and r not in pending_roles
                ],
                has_authenticator=TOTPDevice.objects.filter(user=target, confirmed=True).exists(),
            ),
        )

    def action_view(self, request, pk, action):
        target = self._target(request, pk)
        if request.method != "POST":
            if action not in CONFIRM_ACTIONS:
                return redirect("admin:referrals_staffaccount_change", target.pk)
            if target.pk == request.user.pk:
                staff_accounts.refuse(request.user, f"{action}_own_account", target, path=request.path)
            # Hard to undo: a page that says what will happen, and a button.
            title, explanation = CONFIRM_ACTIONS[action]
            return TemplateResponse(
                request,
                "admin/referrals/staffaccount/confirm.html",
                self._context(request, title=f"{title}: {target.get_username()}", target=target,
                              action_title=title, explanation=explanation),
            )  # fmt: skip
        refuse_forbidden_fields(request, target, also={"email"})
        actor, where = request.user, request.path
        try:
            if action == "propose":
                form = RoleForm(request.POST)
                if not form.is_valid():
                    raise StaffRuleError("Choose a role.")
                grant = staff_accounts.propose_role(
                    actor=actor, user=target, role=form.cleaned_data["role"], path=where
                )
                if grant.state == RoleGrant.State.PENDING:
                    done = f"{grant.get_role_display()} proposed. It starts when a second person confirms it."
                else:
                    done = f"{grant.get_role_display()} role given."
            elif action == "withdraw":
                form = RoleForm(request.POST)
                if not form.is_valid():
                    raise StaffRuleError("Choose a role.")
                staff_accounts.withdraw_role(
                    actor=actor, user=target, role=form.cleaned_data["role"], path=where
                )
                done = "Role withdrawn."
            elif action == "deactivate":
                staff_accounts.set_active(actor=actor, user=target, active=False, path=where)
                done = "Account deactivated. It cannot sign in."
            elif action == "reactivate":
                staff_accounts.set_active(actor=actor, user=target, active=True, path=where)
                done = "Account reactivated."
            elif action == "password-link":
                staff_accounts.send_password_link(actor=actor, user=target, path=where)
                done = "A new set-password link was emailed. The old password no longer works."
            elif action == "reset-authenticator":
                staff_accounts.reset_authenticator(actor=actor, user=target, path=where)
                done = "Authenticator removed. A link to set a password and enrol a new one was emailed."
            else:
                return redirect("admin:referrals_staffaccount_change", target.pk)
        except StaffRuleError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, done, messages.SUCCESS)
        return redirect("admin:referrals_staffaccount_change", target.pk)
