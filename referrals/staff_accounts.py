"""Staff accounts with separation of duties: create, propose and confirm roles, deactivate, reset sign-in.

The clinic admin (`referrals.manage_staff`) works here, never in Django's user admin. Rules:

- Nobody changes their own account here: no own roles, no own reset, no confirming a role given to
  themselves.
- Superusers are invisible to everyone else; only `manage.py createsuperuser` makes one.
- A role that can clear referrals (clinician) is only *proposed* until a second person confirms it:
  an active clinician who did not propose it, or a superuser. Until then it gives no permission:
  the role's group is added only when the grant becomes active.
- Nobody sees another person's password or authenticator key: the clinic admin can only send a
  set-password link (the person chooses the password and enrols their own authenticator) or
  reset the authenticator, which removes it and sends a new link.

Every change, and every refused attempt to go around these rules, leaves a row in the audit trail
(django-auditlog's LogEntry, with `additional_data["event"]`), and every role change queues an
alert, without patient data, to every clinic admin and every clinician.
"""

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from referrals import notifications
from referrals.models import RoleGrant
from referrals.seeding import CLINIC_ADMIN, CLINICIAN, COORDINATOR

Role = RoleGrant.Role
ROLE_GROUPS = {Role.COORDINATOR: COORDINATOR, Role.CLINICIAN: CLINICIAN, Role.CLINIC_ADMIN: CLINIC_ADMIN}
# Roles whose permissions include clearing a referral: a second person must confirm them.
NEEDS_CONFIRMATION = frozenset({Role.CLINICIAN})
# How long a set-password link works. Used once: setting the password changes what it was signed with.
SETUP_LINK_SECONDS_DEFAULT = 24 * 60 * 60


class StaffRuleError(Exception):
    """A request the rules refuse for an ordinary reason (shown to the person, not an escalation)."""


class EscalationRefused(PermissionDenied):
    """An attempt to go around separation of duties: answered 403, recorded in the audit trail."""


# --- Who may do what ----------------------------------------------------------------------------------


def can_manage_staff(user) -> bool:
    return bool(user.is_active and (user.is_superuser or user.has_perm("referrals.manage_staff")))


def is_clinician(user) -> bool:
    return bool(user.is_active and user.groups.filter(name=CLINICIAN).exists())


def visible_staff(actor):
    """The accounts the actor may see on the staff pages: never a superuser, unless the actor is one."""
    users = get_user_model().objects.filter(is_staff=True)
    if not actor.is_superuser:
        users = users.filter(is_superuser=False)
    return users.order_by("username")


def current_roles(user) -> list[str]:
    """The roles that give permissions now (the user's role groups), as Role values."""
    names = set(user.groups.values_list("name", flat=True))
    return [role for role, group in ROLE_GROUPS.items() if group in names]


# --- The audit trail and alerts -----------------------------------------------------------------------


def audit(actor, target, event: str, **data) -> LogEntry:
    """One row in the audit trail: who did what to whose account. Codes and usernames only."""
    return LogEntry.objects.log_create(
        target,
        force_log=True,
        action=LogEntry.Action.UPDATE,
        changes={},
        actor=actor if getattr(actor, "pk", None) else None,
        actor_email=getattr(actor, "email", None),
        additional_data={"event": event, **{key: str(value) for key, value in data.items()}},
    )


def refuse(actor, attempt: str, target=None, *, path: str = ""):
    """Record an attempt to escalate and raise EscalationRefused (the caller's view answers 403).

    Called before any transaction is opened, so the audit row stays when the request is refused.
    """
    audit(actor, target if target is not None else actor, "escalation_refused", attempt=attempt, path=path)
    raise EscalationRefused(attempt)


def alert_recipients() -> list[str]:
    """Every active clinic admin and clinician with an address (a role change concerns them all)."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[CLINIC_ADMIN, CLINICIAN])
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    return sorted(set(users))


def _alert(summary: str) -> None:
    staff_url = notifications.absolute_url(reverse("admin:referrals_rolegrant_changelist"))
    for email in alert_recipients():
        notifications.queue(None, "staff_role_changed", email, summary=summary, staff_url=staff_url)


def _describe(grant: RoleGrant) -> str:
    return f"{grant.get_role_display()} for {grant.user.get_username()}"


# --- Set-password links -----------------------------------------------------------------------------------


class SetupTokenGenerator(PasswordResetTokenGenerator):
    """Single-use, short-lived set-password links. Nothing is stored: the token is an HMAC of the
    account's state, so setting the password, a new link (which resets the password) or deactivation
    ends every earlier link."""

    key_salt = "referrals.staff_accounts.SetupTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        login_ts = "" if user.last_login is None else user.last_login.replace(microsecond=0, tzinfo=None)
        return f"{user.pk}{user.password}{login_ts}{timestamp}{user.is_active}{user.email}"

    def check_token(self, user, token):
        if not super().check_token(user, token):
            return False
        try:
            ts = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        limit = getattr(settings, "STAFF_SETUP_LINK_SECONDS", SETUP_LINK_SECONDS_DEFAULT)
        return self._num_seconds(self._now()) - ts <= limit


setup_tokens = SetupTokenGenerator()


def setup_path(user) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("admin:staff-setup-start", args=[uidb64, setup_tokens.make_token(user)])


def _queue_setup_link(user) -> None:
    notifications.queue(
        None, "staff_set_password", user.email, setup_url=notifications.absolute_url(setup_path(user))
    )


# --- Guards --------------------------------------------------------------------------------------------------


def _guard_manage(actor, target, attempt: str, path: str = "") -> None:
    if not can_manage_staff(actor):
        refuse(actor, f"{attempt}_without_permission", target, path=path)
    if target is not None:
        if target.pk == actor.pk:
            refuse(actor, f"{attempt}_own_account", target, path=path)
        if target.is_superuser and not actor.is_superuser:
            refuse(actor, f"{attempt}_superuser", target, path=path)


def guard_open(actor, target, path: str = "") -> None:
    """May the actor open this account's staff page? (Superusers are not for the clinic admin.)"""
    if not can_manage_staff(actor):
        refuse(actor, "open_account_without_permission", target, path=path)
    if target.is_superuser and not actor.is_superuser:
        refuse(actor, "open_superuser", target, path=path)


# --- Services ---------------------------------------------------------------------------------------------------


def create_staff(*, actor, username: str, first_name: str, last_name: str, email: str, roles, path=""):
    """A new staff account with no usable password and no authenticator; its roles proposed; a
    set-password link emailed to the new address."""
    _guard_manage(actor, None, "create_account", path)
    with transaction.atomic():
        user = get_user_model().objects.create_user(
            username=username, email=email, first_name=first_name, last_name=last_name, is_staff=True
        )  # create_user without a password sets an unusable one
        audit(actor, user, "account_created")
        for role in roles:
            _propose(actor, user, role)
        _queue_setup_link(user)
    return user


def propose_role(*, actor, user, role: str, path: str = "") -> RoleGrant:
    _guard_manage(actor, user, "propose_role", path)
    with transaction.atomic():
        return _propose(actor, user, role)


def _propose(actor, user, role: str) -> RoleGrant:
    role = Role(role)
    if (
        role in current_roles(user)
        or RoleGrant.objects.filter(user=user, role=role, state=RoleGrant.State.PENDING).exists()
    ):
        raise StaffRuleError(f"{user.get_username()} already has or is waiting for the {role.label} role.")
    grant = RoleGrant.objects.create(user=user, role=role, proposed_by=actor)
    if role in NEEDS_CONFIRMATION:
        audit(actor, user, "role_proposed", role=role, grant=grant.pk)
        _alert(f"Proposed: {_describe(grant)}, by {actor.get_username()}. A second person must confirm it.")
    else:
        _activate(grant, confirmed_by=None)
        audit(actor, user, "role_granted", role=role, grant=grant.pk)
        _alert(f"Role given: {_describe(grant)}, by {actor.get_username()}.")
    return grant


def _activate(grant: RoleGrant, *, confirmed_by) -> None:
    grant.state = RoleGrant.State.ACTIVE
    grant.confirmed_by = confirmed_by
    grant.confirmed_at = timezone.now()
    grant.save(update_fields=["state", "confirmed_by", "confirmed_at"])
    grant.user.groups.add(Group.objects.get(name=ROLE_GROUPS[grant.role]))


def can_confirm(actor, grant: RoleGrant) -> bool:
    """An active clinician who neither holds nor proposed the role, or a superuser (not for themselves)."""
    if grant.state != RoleGrant.State.PENDING or grant.user_id == actor.pk or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    return grant.proposed_by_id != actor.pk and is_clinician(actor)


def confirm_role(*, actor, grant: RoleGrant, path: str = "") -> RoleGrant:
    """The second person's confirmation: the role's group (and its permissions) is added now."""
    if grant.user_id == actor.pk:
        refuse(actor, "confirm_own_role", grant.user, path=path)
    if grant.state != RoleGrant.State.PENDING:
        raise StaffRuleError("This role is not waiting for confirmation.")
    if not can_confirm(actor, grant):
        attempt = (
            "confirm_own_proposal" if grant.proposed_by_id == actor.pk else "confirm_without_clinician_role"
        )
        refuse(actor, attempt, grant.user, path=path)
    with transaction.atomic():
        locked = RoleGrant.objects.select_for_update().get(pk=grant.pk)
        if locked.state != RoleGrant.State.PENDING:
            raise StaffRuleError("This role is not waiting for confirmation.")
        _activate(locked, confirmed_by=actor)
        audit(actor, locked.user, "role_confirmed", role=locked.role, grant=locked.pk)
        _alert(f"Confirmed: {_describe(locked)}, by {actor.get_username()}. The role is active now.")
    return locked


def withdraw_role(*, actor, user, role: str, path: str = "") -> None:
    """Take a role away, or withdraw a proposal still waiting: the group goes at once."""
    _guard_manage(actor, user, "withdraw_role", path)
    role = Role(role)
    with transaction.atomic():
        live = RoleGrant.objects.filter(user=user, role=role, state__in=["pending", "active"])
        if not live.exists() and role not in current_roles(user):
            raise StaffRuleError(f"{user.get_username()} does not have the {role.label} role.")
        live.update(state=RoleGrant.State.WITHDRAWN, withdrawn_by=actor, withdrawn_at=timezone.now())
        user.groups.remove(Group.objects.get(name=ROLE_GROUPS[role]))
        audit(actor, user, "role_withdrawn", role=role)
        _alert(f"Role withdrawn: {role.label} for {user.get_username()}, by {actor.get_username()}.")


def set_active(*, actor, user, active: bool, path: str = "") -> None:
    """Deactivate (sign-in refused, open sessions end at their next request) or reactivate."""
    _guard_manage(actor, user, "deactivate" if not active else "reactivate", path)
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit(actor, user, "account_reactivated" if active else "account_deactivated")


def send_password_link(*, actor, user, path: str = "") -> None:
    """A new set-password link. The old password stops working (and with it every open session)."""
    _guard_manage(actor, user, "reset_password", path)
    with transaction.atomic():
        user.set_unusable_password()
        user.save(update_fields=["password"])
        audit(actor, user, "password_link_sent")
        _queue_setup_link(user)


def reset_authenticator(*, actor, user, path: str = "") -> None:
    """Remove the person's authenticator and recovery codes; a new link lets them set a password and
    enrol again. Nobody else ever sees the new key."""
    _guard_manage(actor, user, "reset_authenticator", path)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        user.set_unusable_password()
        user.save(update_fields=["password"])
        audit(actor, user, "authenticator_reset")
        _queue_setup_link(user)


def grant_confirmed_role_on_server(user, role: str) -> RoleGrant:
    """Server-side only (seed_demo, tests, a superuser's shell): an active grant with no proposer."""
    role = Role(role)
    grant = RoleGrant.objects.filter(user=user, role=role, state__in=["pending", "active"]).first()
    if grant is None:
        grant = RoleGrant.objects.create(user=user, role=role)
    if grant.state != RoleGrant.State.ACTIVE:
        _activate(grant, confirmed_by=None)
    return grant
