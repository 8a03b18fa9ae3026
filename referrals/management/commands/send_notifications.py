"""Send the notification outbox: once (cron) or in a loop beside the web server (`--loop`)."""

import argparse
import logging
import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections

from referrals import notifications

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Send queued and retry-due notifications. Runs once by default (for cron); --loop keeps sending "
        "every --interval seconds until stopped. A failing mail server is retried later with backoff."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", action="store_true", help="Keep running, sending every --interval seconds."
        )
        parser.add_argument(
            "--interval", type=float, default=15.0, help="Seconds between rounds (default 15)."
        )
        parser.add_argument("--limit", type=int, default=50, help="Notifications per batch (default 50).")
        parser.add_argument("--max-rounds", type=int, default=0, help=argparse.SUPPRESS)  # tests only

    def handle(self, *args, loop=False, interval=15.0, limit=50, max_rounds=0, **options):
        if interval <= 0 or limit <= 0:
            raise CommandError("--interval and --limit must be positive.")
        self._stopping = False
        if loop:
            signal.signal(signal.SIGTERM, self._stop)
            signal.signal(signal.SIGINT, self._stop)
        rounds = 0
        while True:
            sent, failed = self._round(limit)
            rounds += 1
            if sent or failed or not loop:
                self.stdout.write(f"Sent {sent}, failed {failed} (will retry).")
            if not loop or self._stopping or (max_rounds and rounds >= max_rounds):
                break
            self._sleep(interval)
        return None

    def _round(self, limit: int) -> tuple[int, int]:
        """Send batches until the due queue is empty; a database outage waits for the next round."""
        total_sent = total_failed = 0
        try:
            while True:
                sent, failed = notifications.send_due(limit=limit)
                total_sent += sent
                total_failed += failed
                if sent + failed < limit or self._stopping:
                    break
        except DatabaseError:
            logger.warning("The outbox could not be read; trying again next round.")
            close_old_connections()
        return total_sent, total_failed

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stopping and time.monotonic() < deadline:
            time.sleep(min(0.5, seconds))

    def _stop(self, signum, frame):
        self._stopping = True
