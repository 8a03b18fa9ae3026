"""Referrals entered by staff (phone, fax, mail): channel, who entered it, how consent was given."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from referrals.seeding import seed_roles


def grant_and_backfill(apps, schema_editor):
    # Coordinators and clinicians may enter referrals; the clinic admin may not (seed_roles).
    seed_roles(apps)
    # Every referral submitted before this was signed by typing a name on the public form.
    Referral = apps.get_model("referrals", "Referral")
    Referral.objects.filter(submission_token__isnull=False).update(consent_method="typed")


class Migration(migrations.Migration):

    dependencies = [
        ('referrals', '0005_provider_submission_token'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='referral',
            options={'ordering': ['-urgent_safety', 'created_at'], 'permissions': [('review_referral', 'Can work the referral queue'), ('sign_clearance', 'Can resolve findings, clear and decline referrals'), ('enter_referral', 'Can enter a referral received by phone, fax or mail')]},
        ),
        migrations.AddField(
            model_name='referral',
            name='consent_method',
            field=models.CharField(blank=True, choices=[('typed', 'Typed signature on the form'), ('verbal', 'Given verbally by phone, attested by staff')], max_length=10),
        ),
        migrations.AddField(
            model_name='referral',
            name='entered_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='entered_referrals', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='referral',
            name='intake_channel',
            field=models.CharField(choices=[('online', 'online'), ('phone', 'taken by phone'), ('fax', 'received by fax'), ('mail', 'received by mail')], db_index=True, default='online', max_length=10),
        ),
        migrations.RunPython(grant_and_backfill, migrations.RunPython.noop),
    ]
