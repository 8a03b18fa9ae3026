"""Remove the files of intake and referral forms that were abandoned before being sent (cron-friendly)."""

from django.core.management.base import BaseCommand

from referrals.documents import purge_abandoned


class Command(BaseCommand):
    help = (
        "Delete uploaded documents that never joined a referral and whose form session ended "
        "(older than SESSION_COOKIE_AGE). Safe to run as often as you like."
    )

    def handle(self, *args, **options):
        count = purge_abandoned()
        self.stdout.write(f"Removed {count} abandoned upload(s).")
