"""Staff accounts with separation of duties: what the clinic admin can do, and every thing it cannot."""

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from referrals import staff_accounts
from referrals.models import Notification, RoleGrant
from referrals.staff_accounts import EscalationRefused, StaffRuleError
from tests.conftest import _make_staff, staff_device

CREATE = "admin:referrals_staffaccount_add"


def escalations(attempt: str | None = None):
    rows = LogEntry.objects.filter(additional_data__event="escalation_refused")
    if attempt is not None:
        rows = rows.filter(additional_data__attempt=attempt)
    return rows


def events(name: str):
    return LogEntry.objects.filter(additional_data__event=name)


def action_url(user, action):
    return reverse("admin:referrals_staffaccount_action", args=[user.pk, action])


def new_staff(client, username="newperson", roles=("clinician",), **extra):
    data = {
        "username": username,
        "first_name": "New",
        "last_name": "Person",
        "email": f"{username}@clinic.example.com",
        "roles": list(roles),
        **extra,
    }
    return client.post(reverse(CREATE), data)


def fresh(user):
    user.refresh_from_db()
    # has_perm caches permissions on the instance.
    for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(attr, None)
    return user


@pytest.fixture
def admin_client(staff_client, clinic_admin):
    return staff_client(clinic_admin)


class CreateStaffTests:
    def test_clinic_admin_creates_an_account_that_has_no_password_and_gets_a_link(
        self, admin_client, clinic_admin, clinician, django_user_model
    ):
        response = new_staff(admin_client, roles=["coordinator"])
        user = django_user_model.objects.get(username="newperson")
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:referrals_staffaccount_change", args=[user.pk])
        assert user.is_staff and not user.is_superuser and not user.has_usable_password()
        assert not user.user_permissions.exists()
        link = Notification.objects.get(template="staff_set_password")
        assert link.recipient == "newperson@clinic.example.com"
        assert "/staff/welcome/" in link.context["setup_url"]
        assert events("account_created").filter(actor=clinic_admin, object_pk=str(user.pk)).exists()
        # A role that cannot clear starts at once.
        assert staff_accounts.current_roles(user) == ["coordinator"]
        assert fresh(user).has_perm("referrals.review_referral")

    def test_the_form_refuses_a_taken_username_or_address_next_to_the_field(self, admin_client, coordinator):
        response = new_staff(admin_client, username="coordinator")
        assert response.status_code == 200
        assert "That username is taken" in response.content.decode()
        response = admin_client.post(
            reverse(CREATE),
            {"username": "other", "first_name": "A", "last_name": "B", "email": coordinator.email},
        )
        assert "An account already uses this address" in response.content.decode()

    def test_the_create_page_has_no_password_field_and_no_flags(self, admin_client):
        page = admin_client.get(reverse(CREATE)).content.decode()
        assert 'type="password"' not in page
        for flag in ("is_superuser", "is_staff", "user_permissions", 'name="groups"'):
            assert flag not in page

    @pytest.mark.parametrize("field", ["is_superuser", "is_staff", "user_permissions", "groups", "password1"])
    def test_posting_a_flag_or_password_is_refused_and_recorded(self, admin_client, django_user_model, field):
        response = new_staff(admin_client, **{field: "on"})
        assert response.status_code == 403
        assert not django_user_model.objects.filter(username="newperson").exists()
        assert escalations(f"posted_{field}").exists()


class ClinicianNeedsASecondPersonTests:
    def test_a_proposed_clinician_cannot_clear_until_a_clinician_confirms(
        self, admin_client, clinic_admin, clinician, django_user_model
    ):
        new_staff(admin_client)
        user = django_user_model.objects.get(username="newperson")
        grant = RoleGrant.objects.get(user=user, role="clinician")
        assert grant.state == RoleGrant.State.PENDING
        assert not fresh(user).has_perm("referrals.sign_clearance")
        assert not user.groups.exists()
        assert events("role_proposed").filter(actor=clinic_admin).exists()

        staff_accounts.confirm_role(actor=clinician, grant=grant)
        grant.refresh_from_db()
        assert grant.state == RoleGrant.State.ACTIVE and grant.confirmed_by == clinician
        assert fresh(user).has_perm("referrals.sign_clearance")
        assert events("role_confirmed").filter(actor=clinician, object_pk=str(user.pk)).exists()

    def test_every_role_change_alerts_every_clinic_admin_and_clinician_without_patient_data(
        self, admin_client, clinic_admin, clinician, coordinator, django_user_model
    ):
        new_staff(admin_client)
        alerts = Notification.objects.filter(template="staff_role_changed")
        assert {n.recipient for n in alerts} == {clinic_admin.email, clinician.email}
        assert all(n.referral_id is None and n.context["reference"] == "" for n in alerts)
        grant = RoleGrant.objects.get(user__username="newperson")
        staff_accounts.confirm_role(actor=clinician, grant=grant)
        confirmed = Notification.objects.filter(
            template="staff_role_changed", context__summary__startswith="Confirmed"
        )
        # The new clinician is one of the clinicians now.
        assert {n.recipient for n in confirmed} == {
            clinic_admin.email,
            clinician.email,
            "newperson@clinic.example.com",
        }

    def test_the_clinician_confirms_through_the_role_proposals_page(
        self, admin_client, staff_client, clinician, django_user_model
    ):
        new_staff(admin_client)
        grant = RoleGrant.objects.get(user__username="newperson")
        admin_client.logout()
        client = staff_client(clinician)
        listing = client.get(reverse("admin:referrals_rolegrant_changelist"))
        assert listing.status_code == 200 and "newperson" in listing.content.decode()
        url = reverse("admin:referrals_rolegrant_confirm", args=[grant.pk])
        assert "Confirm the role" in client.get(url).content.decode()
        assert client.post(url).status_code == 302
        assert fresh(grant.user).has_perm("referrals.sign_clearance")

    def test_the_proposer_cannot_confirm_even_as_a_clinician(self, staff_client, django_user_model):
        director = _make_staff(django_user_model, "director", "Clinic admin")
        director.groups.add(Group.objects.get(name="Clinician"))
        client = staff_client(director)
        new_staff(client)
        grant = RoleGrant.objects.get(user__username="newperson")
        response = client.post(reverse("admin:referrals_rolegrant_confirm", args=[grant.pk]))
        assert response.status_code == 403
        grant.refresh_from_db()
        assert grant.state == RoleGrant.State.PENDING
        assert escalations("confirm_own_proposal").filter(actor=director).exists()

    def test_a_clinic_admin_who_is_not_a_clinician_cannot_confirm(
        self, admin_client, clinic_admin, django_user_model
    ):
        other_admin = _make_staff(django_user_model, "otheradmin", "Clinic admin")
        grant = staff_accounts.propose_role(
            actor=other_admin, user=_make_staff(django_user_model, "x"), role="clinician"
        )
        response = admin_client.post(reverse("admin:referrals_rolegrant_confirm", args=[grant.pk]))
        assert response.status_code == 403
        assert escalations("confirm_without_clinician_role").filter(actor=clinic_admin).exists()
        assert not fresh(grant.user).has_perm("referrals.sign_clearance")

    def test_nobody_confirms_a_role_given_to_themselves(self, clinic_admin, clinician, django_user_model):
        # A clinician proposed (by the clinic admin) for the clinic admin role is not the case: the
        # clinician role proposed for an existing coordinator, confirmed by that coordinator.
        person = _make_staff(django_user_model, "person", "Intake coordinator")
        grant = staff_accounts.propose_role(actor=clinic_admin, user=person, role="clinician")
        with pytest.raises(EscalationRefused):
            staff_accounts.confirm_role(actor=person, grant=grant)
        assert escalations("confirm_own_role").filter(actor=person).exists()
        superuser = _make_staff(django_user_model, "root", is_superuser=True)
        other_superuser = _make_staff(django_user_model, "root2", is_superuser=True)
        own = staff_accounts.propose_role(actor=other_superuser, user=superuser, role="clinician")
        with pytest.raises(EscalationRefused):
            staff_accounts.confirm_role(actor=superuser, grant=own)

    def test_a_superuser_can_confirm_the_first_clinician(self, superuser, django_user_model):
        person = _make_staff(django_user_model, "firstclinician")
        grant = staff_accounts.propose_role(actor=superuser, user=person, role="clinician")
        staff_accounts.confirm_role(actor=superuser, grant=grant)
        assert fresh(person).has_perm("referrals.sign_clearance")

    def test_a_role_is_proposed_only_once(self, clinic_admin, django_user_model):
        person = _make_staff(django_user_model, "person")
        staff_accounts.propose_role(actor=clinic_admin, user=person, role="clinician")
        with pytest.raises(StaffRuleError):
            staff_accounts.propose_role(actor=clinic_admin, user=person, role="clinician")

    def test_withdrawing_a_role_takes_the_permission_away(self, admin_client, clinician):
        response = admin_client.post(action_url(clinician, "withdraw"), {"role": "clinician"})
        assert response.status_code == 302
        assert not fresh(clinician).has_perm("referrals.sign_clearance")
        assert events("role_withdrawn").exists()


class OwnAccountTests:
    @pytest.mark.parametrize(
        "action", ["propose", "withdraw", "password-link", "reset-authenticator", "deactivate"]
    )
    def test_the_clinic_admin_cannot_change_its_own_account(self, admin_client, clinic_admin, action):
        response = admin_client.post(action_url(clinic_admin, action), {"role": "clinician"})
        assert response.status_code == 403
        assert escalations().filter(actor=clinic_admin).exists()
        assert staff_accounts.current_roles(fresh(clinic_admin)) == ["clinic_admin"]
        assert clinic_admin.is_active and clinic_admin.has_usable_password()

    def test_its_own_page_offers_no_role_buttons(self, admin_client, clinic_admin):
        page = admin_client.get(reverse("admin:referrals_staffaccount_change", args=[clinic_admin.pk]))
        assert "This is your own account" in page.content.decode()
        assert 'name="role"' not in page.content.decode()

    def test_posting_is_superuser_to_its_own_page_is_refused(self, admin_client, clinic_admin):
        url = reverse("admin:referrals_staffaccount_change", args=[clinic_admin.pk])
        response = admin_client.post(url, {"is_superuser": "on", "is_staff": "on"})
        assert response.status_code == 403
        assert not fresh(clinic_admin).is_superuser
        assert escalations("posted_is_staff_is_superuser").exists()


class EmailIsFixedTests:
    def test_posting_a_new_address_is_refused(self, admin_client, coordinator):
        url = reverse("admin:referrals_staffaccount_change", args=[coordinator.pk])
        response = admin_client.post(url, {"email": "attacker@example.com"})
        assert response.status_code == 403
        assert fresh(coordinator).email == "coordinator@clinic.example.com"
        assert escalations("posted_email").exists()


class SuperuserIsInvisibleTests:
    def test_the_list_hides_superusers(self, admin_client, superuser, coordinator):
        page = admin_client.get(reverse("admin:referrals_staffaccount_changelist")).content.decode()
        assert "coordinator" in page
        assert ">superuser<" not in page

    def test_opening_or_acting_on_a_superuser_is_refused_and_recorded(self, admin_client, superuser):
        url = reverse("admin:referrals_staffaccount_change", args=[superuser.pk])
        assert admin_client.get(url).status_code == 403
        assert escalations("open_superuser").exists()
        assert admin_client.post(action_url(superuser, "deactivate")).status_code == 403
        assert fresh(superuser).is_active


class StockAdminLockedTests:
    @pytest.mark.parametrize(
        "name,args",
        [
            ("admin:auth_user_changelist", []),
            ("admin:auth_user_add", []),
            ("admin:auth_group_changelist", []),
        ],
    )
    def test_the_clinic_admin_gets_403_and_an_audit_row(self, admin_client, name, args):
        assert admin_client.get(reverse(name, args=args)).status_code == 403
        assert escalations("stock_admin_url").exists()

    def test_re_posting_its_own_user_form_with_is_superuser_is_refused(self, admin_client, clinic_admin):
        url = reverse("admin:auth_user_change", args=[clinic_admin.pk])
        response = admin_client.post(url, {"username": "clinicadmin", "is_superuser": "on", "is_staff": "on"})
        assert response.status_code == 403
        assert not fresh(clinic_admin).is_superuser
        assert escalations("stock_admin_url").filter(actor=clinic_admin).exists()

    def test_setting_someone_elses_password_is_refused(self, admin_client, clinician):
        url = reverse("admin:auth_user_password_change", args=[clinician.pk])
        assert admin_client.get(url).status_code == 403
        assert admin_client.post(url, {"password1": "x" * 20, "password2": "x" * 20}).status_code == 403
        assert clinician.check_password("correct-horse-battery-staple")

    def test_superusers_keep_the_stock_user_admin(self, staff_client, superuser):
        assert staff_client(superuser).get(reverse("admin:auth_user_changelist")).status_code == 200

    def test_the_index_does_not_list_users_or_devices_for_the_clinic_admin(self, admin_client):
        page = admin_client.get(reverse("admin:index")).content.decode()
        assert reverse("admin:referrals_staffaccount_changelist") in page
        assert reverse("admin:auth_user_changelist") not in page
        assert reverse("admin:otp_totp_totpdevice_changelist") not in page


class NobodySeesAnotherPersonsSecondFactorTests:
    @pytest.mark.parametrize("who", ["clinic_admin", "superuser"])
    def test_device_config_and_qr_pages_are_refused_to_everyone(
        self, staff_client, request, coordinator, who
    ):
        user = request.getfixturevalue(who)
        client = staff_client(user)
        device = staff_device(coordinator)
        for name in ("config", "qrcode", "change"):
            url = reverse(f"admin:otp_totp_totpdevice_{name}", args=[device.pk])
            assert client.get(url).status_code == 403, name
        assert client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403
        assert client.get(reverse("admin:otp_static_staticdevice_changelist")).status_code == 403
        assert escalations("stock_admin_url").filter(actor=user).count() == 5

    def test_the_account_page_shows_no_key_qr_or_password_field(self, admin_client, coordinator):
        device = staff_device(coordinator)
        page = admin_client.get(
            reverse("admin:referrals_staffaccount_change", args=[coordinator.pk])
        ).content.decode()
        assert device.key not in page
        from base64 import b32encode

        assert b32encode(device.bin_key).decode() not in page
        assert "otpauth://" not in page and "data:image/svg" not in page
        assert 'type="password"' not in page
        assert "enrolled by the person" in page

    def test_reset_authenticator_removes_devices_and_sends_a_new_link(
        self, admin_client, clinic_admin, coordinator
    ):
        staff_device(coordinator)
        StaticDevice.objects.create(user=coordinator, name="Recovery codes")
        response = admin_client.post(action_url(coordinator, "reset-authenticator"))
        assert response.status_code == 302
        assert not TOTPDevice.objects.filter(user=coordinator).exists()
        assert not StaticDevice.objects.filter(user=coordinator).exists()
        assert not fresh(coordinator).has_usable_password()
        assert Notification.objects.filter(
            template="staff_set_password", recipient=coordinator.email
        ).exists()
        assert events("authenticator_reset").filter(actor=clinic_admin).exists()

    def test_a_new_password_link_ends_the_old_password(self, admin_client, clinic_admin, coordinator):
        admin_client.post(action_url(coordinator, "password-link"))
        assert not fresh(coordinator).has_usable_password()
        assert Notification.objects.filter(
            template="staff_set_password", recipient=coordinator.email
        ).exists()
        assert events("password_link_sent").filter(actor=clinic_admin).exists()


class DeactivateTests:
    def test_a_deactivated_account_cannot_sign_in(self, admin_client, client, coordinator):
        from tests.conftest import sign_in_with_totp

        assert admin_client.post(action_url(coordinator, "deactivate")).status_code == 302
        assert not fresh(coordinator).is_active
        assert events("account_deactivated").exists()
        admin_client.logout()
        assert sign_in_with_totp(client, coordinator).status_code == 200


class OtherRolesCannotManageStaffTests:
    @pytest.mark.parametrize("who", ["coordinator", "clinician"])
    def test_staff_pages_are_refused_and_recorded(self, db, staff_client, request, who):
        user = request.getfixturevalue(who)
        client = staff_client(user)
        assert client.get(reverse("admin:referrals_staffaccount_changelist")).status_code == 403
        assert client.post(reverse(CREATE), {"username": "x"}).status_code == 403
        assert escalations("staff_pages_without_permission").filter(actor=user).exists()


class ConfirmationPageTests:
    @pytest.mark.parametrize("action", ["password-link", "reset-authenticator", "deactivate"])
    def test_a_hard_to_undo_action_asks_first_and_changes_nothing_on_get(
        self, admin_client, coordinator, action
    ):
        staff_device(coordinator)
        page = admin_client.get(action_url(coordinator, action))
        assert page.status_code == 200
        assert "Cancel, go back" in page.content.decode()
        coordinator = fresh(coordinator)
        assert coordinator.is_active and coordinator.has_usable_password()
        assert TOTPDevice.objects.filter(user=coordinator).exists()
        assert not Notification.objects.filter(template="staff_set_password").exists()

    def test_the_page_for_ones_own_account_is_refused(self, admin_client, clinic_admin):
        assert admin_client.get(action_url(clinic_admin, "deactivate")).status_code == 403
        assert escalations("deactivate_own_account").exists()
