"""Every model change has its migration."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_missing_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_a_flush_brings_back_roles_and_definitions():
    # A live-server test's teardown flushes the database; post_migrate must seed again, so the tests
    # that run after it (in whatever order pytest-django sorts them) find the roles and definitions.
    from django.contrib.auth.models import Group

    from referrals import seeding
    from referrals.models import ClearanceStepDefinition, ContraindicationRule, ScreeningPolicy

    call_command("flush", verbosity=0, interactive=False)
    roles = Group.objects.filter(name__in=[seeding.COORDINATOR, seeding.CLINICIAN, seeding.CLINIC_ADMIN])
    assert roles.count() == 3
    clinician = Group.objects.get(name=seeding.CLINICIAN)
    assert clinician.permissions.filter(codename="sign_clearance").exists()
    admin = Group.objects.get(name=seeding.CLINIC_ADMIN)
    assert admin.permissions.filter(codename__in=["view_logentry", "view_accessevent"]).count() == 2
    assert ClearanceStepDefinition.objects.exists() and ContraindicationRule.objects.exists()
    assert ScreeningPolicy.objects.exists()
