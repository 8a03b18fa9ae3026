"""manage.py seed_demo: development only, idempotent, --reset, every status, through the workflow."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from referrals.models import Referral, ReferralEvent


def seed(*args, settings=None):
    out = StringIO()
    call_command("seed_demo", "--allow-outside-development", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
class SeedDemoTests:
    def test_refuses_outside_development(self, settings):
        settings.DJANGO_ENV = "production"
        with pytest.raises(CommandError, match="development only"):
            call_command("seed_demo", stdout=StringIO())
        assert not Referral.objects.exists()

    def test_every_status_one_user_per_role_and_idempotent(self, django_user_model):
        output = seed()
        assert "demo-clinic-2026" in output and "authenticator secret" in output
        statuses = set(Referral.objects.values_list("status", flat=True))
        assert statuses == set(Referral.Status.values)
        for username, group in (("demo-coordinator", "Intake coordinator"), ("demo-clinician", "Clinician"),
                                ("demo-admin", "Clinic admin")):  # fmt: skip
            user = django_user_model.objects.get(username=username)
            assert user.is_staff and user.groups.filter(name=group).exists()
            # Each demo role is a confirmed grant, as if a second person had confirmed it.
            assert user.role_grants.filter(state="active").count() == 1
        assert Referral.objects.filter(urgent_safety=True, asq_acute=True).exists()
        assert Referral.objects.filter(possible_duplicate=True).exists()
        assert Referral.objects.exclude(differences=[]).exists()
        # Fictional contact details only.
        assert all(r.email.endswith("@example.com") for r in Referral.objects.all())
        assert all("555) 010-01" in r.phone for r in Referral.objects.all())
        # Status changes went through workflow.py: each moved referral has its events.
        assert ReferralEvent.objects.filter(kind="cleared").count() == 2  # cleared, and scheduled after it
        count = Referral.objects.count()
        again = seed()
        assert "demo-clinic-2026" not in again  # the password is printed once, when the users are made
        assert Referral.objects.count() == count

    def test_reset_makes_it_again(self):
        seed()
        first = set(Referral.objects.values_list("reference", flat=True))
        output = seed("--reset")
        assert "Removed 12 demo referrals" in output
        assert Referral.objects.count() == 12
        assert not first & set(Referral.objects.values_list("reference", flat=True))

    def test_codes(self):
        seed()
        output = StringIO()
        call_command("seed_demo", "--allow-outside-development", "--codes", stdout=output)
        assert "demo-clinician" in output.getvalue()
