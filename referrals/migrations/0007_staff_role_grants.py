"""Role grants (proposal, second-person confirmation) and the clinic admin's staff pages.

The clinic admin loses every permission on Django's user, group and authenticator-device models (it
could make itself superuser, or read another person's TOTP key) and gets `manage_staff` instead.
People already in a role group get an active grant, so the record starts complete.
"""

import django.contrib.auth.models
import django.db.models.deletion

from django.contrib.auth.management import create_permissions
from django.conf import settings
from django.db import migrations, models


ROLE_GROUPS = {"coordinator": "Intake coordinator", "clinician": "Clinician", "clinic_admin": "Clinic admin"}
TAKEN_FROM_ADMIN = {
    "auth": ["view_user", "add_user", "change_user", "delete_user", "view_group", "add_group", "change_group"],
    "otp_totp": ["view_totpdevice", "add_totpdevice", "change_totpdevice", "delete_totpdevice"],
}


def forward(apps, schema_editor):
    app_config = apps.get_app_config("referrals")
    # Permissions are normally created after migrations; make sure manage_staff exists now.
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    RoleGrant = apps.get_model("referrals", "RoleGrant")
    referrals_perm = Permission.objects.filter(content_type__app_label="referrals")
    for group in Group.objects.filter(name="Clinic admin"):
        for label, codenames in TAKEN_FROM_ADMIN.items():
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=label, codename__in=codenames)
            )
        group.permissions.add(*referrals_perm.filter(codename__in=["manage_staff", "view_rolegrant"]))
    for group in Group.objects.filter(name="Clinician"):
        group.permissions.add(*referrals_perm.filter(codename="view_rolegrant"))
    for role, name in ROLE_GROUPS.items():
        for group in Group.objects.filter(name=name):
            for user in group.user_set.all():
                RoleGrant.objects.get_or_create(
                    user=user, role=role, state="active", defaults={"confirmed_at": None}
                )


def backward(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Clinic admin"):
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="auth", codename__in=["view_user", "add_user", "change_user", "view_group"]
            )
        )


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('referrals', '0006_phone_staff_entry'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='StaffAccount',
            fields=[
            ],
            options={
                'verbose_name': 'staff account',
                'verbose_name_plural': 'staff accounts',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('auth.user',),
            managers=[
                ('objects', django.contrib.auth.models.UserManager()),
            ],
        ),
        migrations.CreateModel(
            name='RoleGrant',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('coordinator', 'Intake coordinator'), ('clinician', 'Clinician'), ('clinic_admin', 'Clinic admin')], max_length=20)),
                ('state', models.CharField(choices=[('pending', 'Waiting for a second person to confirm'), ('active', 'Active'), ('withdrawn', 'Withdrawn')], default='pending', max_length=10)),
                ('proposed_at', models.DateTimeField(auto_now_add=True)),
                ('confirmed_at', models.DateTimeField(blank=True, null=True)),
                ('withdrawn_at', models.DateTimeField(blank=True, null=True)),
                ('confirmed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('proposed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='role_grants', to=settings.AUTH_USER_MODEL)),
                ('withdrawn_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-proposed_at', '-id'],
                'verbose_name': 'role proposal',
                'verbose_name_plural': 'role proposals',
                'permissions': [('manage_staff', 'Can create staff accounts, propose roles and reset sign-in')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('state__in', ['pending', 'active'])), fields=('user', 'role'), name='one_live_grant_per_role')],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
