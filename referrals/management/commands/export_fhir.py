"""`manage.py export_fhir --since DATE [--until DATE] --out DIR`: referrals as FHIR Bulk Data NDJSON.

One file per resource type (Patient.ndjson, ServiceRequest.ndjson, ...) and a manifest.json, in a
folder only the running user can read. Every referral exported is recorded as a read. Prints file
names and counts, never PHI.
"""

import getpass
import json
import os
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from referrals.fhir import bundle, export
from referrals.models import Referral


def parse_date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{name} must be a date written YYYY-MM-DD, for example 2026-01-31.") from None


def _inside(path: Path, parent: Path) -> bool:
    try:
        path.relative_to(parent.resolve())
    except ValueError:
        return False
    return True


def private_folder(raw: str) -> Path:
    """The output folder: created private (0700) if missing; refused if others can read it or it is public."""
    path = Path(raw).expanduser().resolve()
    public = [
        Path(settings.STATIC_ROOT),
        *map(Path, settings.STATICFILES_DIRS),
        Path(settings.BASE_DIR) / "docs",
    ]
    if any(_inside(path, parent) for parent in public):
        raise CommandError(
            f"{path} is inside a folder that is published or committed. Choose a private folder."
        )
    if path.exists():
        if not path.is_dir():
            raise CommandError(f"{path} exists and is not a folder.")
        if os.name == "posix" and path.stat().st_mode & 0o077:
            raise CommandError(
                f"{path} can be read by other users. Use a folder only you can open (chmod 700 {path})."
            )
        if any(path.glob("*.ndjson")) or (path / "manifest.json").exists():
            raise CommandError(f"{path} already holds an export. Choose an empty folder.")
    else:
        path.mkdir(parents=True, mode=0o700)
        path.chmod(0o700)
    return path


def _open_private(path: Path):
    # O_EXCL: never write through a file (or link) someone put there first.
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8")


class Command(BaseCommand):
    help = (
        "Write the referrals created or changed in a date range as FHIR R4 Bulk Data NDJSON (one file "
        "per resource type) into a private folder, and record the export as a read of each referral."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="First day, YYYY-MM-DD (clinic time zone).")
        parser.add_argument("--until", help="Last day, YYYY-MM-DD, included (default: today).")
        parser.add_argument("--out", required=True, help="A private folder to write to (created if missing).")
        parser.add_argument(
            "--inline-documents",
            action="store_true",
            help="Put document files inside DocumentReference (base64); by default they are linked "
            "to the permission-checked staff download instead.",
        )

    def handle(self, *args, since, until=None, out, inline_documents=False, **options):
        first = parse_date(since, "--since")
        last = parse_date(until, "--until") if until else timezone.localdate()
        if last < first:
            raise CommandError("--until is before --since.")
        zone = timezone.get_current_timezone()
        start = datetime.combine(first, time.min, tzinfo=zone)
        end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
        in_range = Q(created_at__gte=start, created_at__lt=end) | Q(
            status_changed_at__gte=start, status_changed_at__lt=end
        )
        queryset = Referral.objects.filter(in_range, purged_at__isnull=True).order_by("pk")
        folder = private_folder(out)
        referrals = []  # what was exported, kept light (pk and reference) for the record of reads

        def each_referral():
            # In batches, each with its findings, checklist and documents prefetched.
            for referral in bundle.with_related(queryset).iterator(chunk_size=500):
                referrals.append(Referral(pk=referral.pk, reference=referral.reference))
                yield referral

        counts: dict[str, int] = {}
        files = {}
        try:
            options = export.options(inline_documents=inline_documents)
            for resource_type, resource in bundle.bulk_stream(each_referral(), options):
                if resource_type not in files:
                    files[resource_type] = _open_private(folder / f"{resource_type}.ndjson")
                files[resource_type].write(
                    json.dumps(resource, ensure_ascii=False, separators=(",", ":")) + "\n"
                )
                counts[resource_type] = counts.get(resource_type, 0) + 1
        finally:
            for handle in files.values():
                handle.close()
        manifest = {
            "transactionTime": timezone.now().isoformat(),
            "request": f"manage.py export_fhir --since {first.isoformat()} --until {last.isoformat()}",
            "requiresAccessToken": False,
            "output": [{"type": t, "url": f"{t}.ndjson", "count": n} for t, n in sorted(counts.items())],
            "error": [],
        }
        with _open_private(folder / "manifest.json") as handle:
            json.dump(manifest, handle, indent=2)

        user = f"{getpass.getuser()} (manage.py export_fhir)"
        export.record_export(referrals, username=user, path=manifest["request"])
        self.stdout.write(f"Exported {len(referrals)} referral(s) from {first} to {last} into {folder}")
        for resource_type, count in sorted(counts.items()):
            self.stdout.write(f"  {resource_type}.ndjson: {count}")
        self.stdout.write("  manifest.json")
        self.stdout.write(f"Recorded as a read of each of the {len(referrals)} referral(s) by {user}.")
