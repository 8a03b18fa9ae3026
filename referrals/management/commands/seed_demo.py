"""Development only: demo staff (one per role) and fictional referrals in every status.

Idempotent: run it as often as you like (`make run` does); `--reset` removes the demo data and
makes it again. Every status change goes through workflow.py. All people are invented
(example.com addresses, 555-01xx phone numbers).
"""

import argparse
import uuid
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from referrals import demo
from referrals.models import ProviderReferrer, Referral
from referrals.staff_accounts import grant_confirmed_role_on_server
from referrals.staff_otp import DEMO_DEVICE_NAME, current_code, ensure_demo_device

# Documented in the README; development databases only (the command refuses to run elsewhere).
DEMO_PASSWORD = "demo-clinic-2026"
DEMO_USERS = [
    ("demo-coordinator", "Casey", "Coordinator", "Intake coordinator"),
    ("demo-clinician", "Dana", "Clinician", "Clinician"),
    ("demo-admin", "Alex", "Admin", "Clinic admin"),
]

DEMO_ROLES = {"Intake coordinator": "coordinator", "Clinician": "clinician", "Clinic admin": "clinic_admin"}

MH = {"gad7": [2, 2, 1, 2, 1, 1, 1], "asq": {"q1": False, "q2": False, "q3": False, "q4": False}}
# (key, status, person, answers, days ago received)
SELF_REFERRALS = [
    ("submitted-routine", "submitted", ("Avery", "Sample", "(555) 010-0111"), {"sleep_apnea": True}, 1),
    (
        "submitted-urgent",
        "submitted",
        ("Blake", "Sample", "(555) 010-0112"),
        {
            "indication": "trd",
            "phq9": [3, 3, 2, 2, 1, 2, 2, 1, 2],
            "gad7": [3, 2, 2, 2, 1, 2, 2],
            "asq": {"q1": True, "q2": True, "q3": False, "q4": False, "acuity": True},
            "pain_current": None,
            "pain_average": None,
            "pain_worst": None,
        },
        0,
    ),
    (
        "submitted-overdue",
        "submitted",
        ("Cameron", "Sample", "(555) 010-0113"),
        # Completed in Spanish: the queue shows the "Completed in Spanish" badge.
        {"indication": "fibromyalgia", "language": "es", "preferred_language": "Spanish"},
        8,
    ),
    (
        "in-review",
        "in_review",
        ("Drew", "Sample", "(555) 010-0114"),
        {
            "bp_systolic": 148,
            "bp_diastolic": 92,
            "heart_conditions": ["arrhythmia"],
            "medications": ["benzodiazepine"],
        },
        3,
    ),
    (
        "needs-info",
        "needs_info",
        ("Emerson", "Sample", "(555) 010-0115"),
        {"indication": "migraine_headache"},
        5,
    ),
    (
        "cleared",
        "cleared",
        ("Finley", "Sample", "(555) 010-0116"),
        {
            "indication": "ptsd",
            "pc_ptsd5_exposed": True,
            "pc_ptsd5": [True, True, True, False, True],
            **MH,
            "pain_current": None,
            "pain_average": None,
            "pain_worst": None,
        },  # fmt: skip
        9,
    ),
    ("scheduled", "scheduled", ("Gray", "Sample", "(555) 010-0117"), {"indication": "neuropathic"}, 14),
    ("not-eligible", "not_eligible", ("Harper", "Sample", "(555) 010-0118"), {"ketamine_allergy": "yes"}, 12),
    ("withdrawn", "withdrawn", ("Indy", "Sample", "(555) 010-0119"), {"indication": "back_spine"}, 20),
    # Same name and date of birth as the routine one: flagged as a possible duplicate, never blocked.
    ("duplicate", "submitted", ("Avery", "Sample", "(555) 010-0120"), {"sleep_apnea": True}, 0),
]
BORN = {
    "submitted-routine": date(1984, 3, 9),
    "submitted-urgent": date(1996, 11, 21),
    "submitted-overdue": date(1972, 5, 17),
    "in-review": date(1961, 8, 2),
    "needs-info": date(1990, 1, 28),
    "cleared": date(1987, 10, 5),
    "scheduled": date(1979, 12, 12),
    "not-eligible": date(1993, 6, 6),
    "withdrawn": date(1969, 4, 23),
    "duplicate": date(1984, 3, 9),
}
PROVIDER_REFERRALS = [
    # (key, person, date of birth, provider's indication, the patient's answers or None while awaiting)
    ("provider-awaiting", ("Jesse", "Sample", "(555) 010-0121"), date(1979, 2, 14), "trd", None),
    (
        "provider-completed",
        ("Kai", "Sample", "(555) 010-0122"),
        date(1968, 6, 30),
        "crps",
        {"date_of_birth": date(1968, 7, 30), "indication": "crps"},
    ),
]


def _token(key: str) -> uuid.UUID:
    return uuid.uuid5(demo.DEMO_NAMESPACE, key)


def _email(first: str, last: str) -> str:
    return f"{first.lower()}.{last.lower()}@example.com"


class Command(BaseCommand):
    help = "Development only: create demo staff (one per role) and fictional referrals in every status."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset", action="store_true", help="Remove the demo data first, then seed again."
        )
        # Tests (which run with DJANGO_ENV=test) pass this; nobody else should.
        parser.add_argument("--codes", action="store_true", help="Print each demo user's current TOTP code.")
        parser.add_argument("--allow-outside-development", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, reset=False, allow_outside_development=False, **options):
        if settings.DJANGO_ENV != "development" and not allow_outside_development:
            raise CommandError("seed_demo creates demo logins and fictional patients: development only.")
        if options.get("codes"):
            self._print_codes()
            return
        # Demo mail would flood the console at start-up; it stays queued for send_notifications.
        sending, settings.NOTIFICATIONS_SEND_ON_COMMIT = settings.NOTIFICATIONS_SEND_ON_COMMIT, False
        try:
            with transaction.atomic():
                if reset:
                    self._reset()
                users = self._users()
                created = self._referrals(users)
        finally:
            settings.NOTIFICATIONS_SEND_ON_COMMIT = sending
        self.stdout.write(f"Demo referrals: {created} created, {self._demo_referrals().count()} in all.")

    # --- staff ------------------------------------------------------------------------------------
    def _users(self) -> dict[str, object]:
        user_model = get_user_model()
        users, new = {}, []
        for username, first, last, group in DEMO_USERS:
            user, created = user_model.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "email": f"{username}@clinic.example.com"},
            )
            if created:
                user.is_staff = True
                user.set_password(DEMO_PASSWORD)
                user.save()
            # Every admin page needs a TOTP code: each demo user gets one authenticator secret.
            _key, _uri, secret = ensure_demo_device(user)
            if created:
                new.append(f"  {username:18} {group:20} authenticator secret {secret}")
            # A confirmed grant, made on the server (a real clinician role needs a second person).
            grant_confirmed_role_on_server(user, DEMO_ROLES[group])
            users[group] = user_model.objects.get(pk=user.pk)
        if new:
            self.stdout.write("Demo staff sign-ins (development only), password for each: " + DEMO_PASSWORD)
            self.stdout.write("\n".join(new))
            self.stdout.write(
                "Add a secret to an authenticator app (type: time-based), or print the current codes with\n"
                "  python manage.py seed_demo --codes"
            )
        return users

    def _print_codes(self) -> None:
        for username, *_rest in DEMO_USERS:
            device = TOTPDevice.objects.filter(user__username=username, name=DEMO_DEVICE_NAME).first()
            if device is None:
                self.stdout.write(f"  {username}: no demo device yet (run seed_demo first)")
            else:
                self.stdout.write(f"  {username:18} {current_code(device)}")

    # --- referrals ----------------------------------------------------------------------------------
    def _demo_tokens(self) -> list[str]:
        keys = [row[0] for row in SELF_REFERRALS] + [row[0] for row in PROVIDER_REFERRALS]
        return [str(_token(key)) for key in keys]

    def _demo_referrals(self):
        tokens = self._demo_tokens()
        return Referral.objects.filter(
            Q(submission_token__in=tokens) | Q(provider_submission_token__in=tokens)
        )

    def _exists(self, key: str) -> bool:
        token = _token(key)
        return Referral.objects.filter(
            Q(submission_token=token) | Q(provider_submission_token=token)
        ).exists()

    def _referrals(self, users) -> int:
        coordinator, clinician = users["Intake coordinator"], users["Clinician"]
        today = timezone.localdate()
        created = 0
        for key, status, (first, last, phone), answers, days_ago in SELF_REFERRALS:
            if self._exists(key):
                continue
            referral = demo.submit(
                first_name=first, last_name=last, email=_email(first, last), phone=phone, key=key,
                today=today, **{"date_of_birth": BORN[key], **answers},
            )  # fmt: skip
            self._backdate(referral, days_ago)
            demo.advance(referral, status, coordinator=coordinator, clinician=clinician)
            created += 1
        for key, (first, last, phone), born, indication, patient_answers in PROVIDER_REFERRALS:
            if self._exists(key):
                continue
            referral, _token_value = demo.provider_referral(
                first_name=first, last_name=last, email=_email(first, last), phone=phone,
                date_of_birth=born, indication=indication, key=key,
            )  # fmt: skip
            if patient_answers is not None:
                demo.complete_provider_referral(referral, key=f"{key}-patient", **patient_answers)
            self._backdate(referral, 2)
            created += 1
        return created

    def _backdate(self, referral: Referral, days_ago: int) -> None:
        # Timestamps only (never the status), so the queue shows realistic waiting times.
        if days_ago:
            moment = timezone.now() - timedelta(days=days_ago)
            Referral.objects.filter(pk=referral.pk).update(created_at=moment, submitted_at=moment)

    def _reset(self) -> None:
        demo_rows = self._demo_referrals()
        referrer_ids = list(demo_rows.exclude(referrer=None).values_list("referrer_id", flat=True))
        count = demo_rows.count()
        demo_rows.delete()
        ProviderReferrer.objects.filter(pk__in=referrer_ids, referrals=None).delete()
        get_user_model().objects.filter(username__in=[row[0] for row in DEMO_USERS]).delete()
        self.stdout.write(f"Removed {count} demo referrals and the demo staff.")
