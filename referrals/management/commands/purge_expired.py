"""Cron-friendly retention run: `manage.py purge_expired [--dry-run]`; prints counts only, never PHI."""

from django.core.management.base import BaseCommand

from referrals import retention


class Command(BaseCommand):
    help = (
        "Remove abandoned intake sessions and their uploads, and purge the answers, identity and "
        "documents of referrals closed longer than RETENTION_DAYS, keeping an anonymous record of the "
        "decision. Safe to run repeatedly (e.g. nightly from cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be removed; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        counts = retention.purge(dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(f"expired intake sessions {verb}: {counts.sessions}")
        self.stdout.write(f"expired saved intakes {verb}: {counts.saved_intakes}")
        self.stdout.write(f"abandoned uploads {verb}: {counts.uploads}")
        self.stdout.write(
            f"closed referrals {'would be purged' if dry_run else 'purged'}: {counts.referrals}"
        )
        self.stdout.write(f"documents of purged referrals {verb}: {counts.documents}")
