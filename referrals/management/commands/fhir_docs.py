"""`manage.py fhir_docs [--out docs/fhir]`: the published Questionnaire and an example Bundle, as JSON files.

The Questionnaire comes from the default wording (no database). The example Bundle is a fictional
demo referral made through the workflow (referrals.demo, as seed_demo does) inside a transaction
that is rolled back, so the database is left as it was.
"""

import json
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from referrals import demo, questionnaires
from referrals.fhir import bundle, export
from referrals.fhir.questionnaire import questionnaire, questionnaire_id
from referrals.models import Document, Referral

EXAMPLE_LETTER = b"Fictional referral letter for the FHIR example. No real person.\n"


EXAMPLE_REFERENCE = "DEM-XMP-FHR"


class _Rollback(Exception):
    pass


def questionnaire_file(version: str = questionnaires.DEFAULT_VERSION) -> tuple[str, dict]:
    return f"Questionnaire-{questionnaire_id(version)}.json", questionnaire(
        version, questionnaires.DEFAULT_TEXTS
    )


def example_bundle(now: datetime) -> dict:
    """A provider referral the patient completed, with a letter, cleared by a clinician; not kept."""
    import hashlib

    result = {}
    try:
        with transaction.atomic():
            coordinator = demo.staff_user("demo-coordinator", "Intake coordinator")
            clinician = demo.staff_user("demo-clinician", "Clinician")
            referral, _token = demo.provider_referral(
                first_name="Jordan", last_name="Example", indication="trd"
            )
            # A fixed reference code keeps the example's ids the same from one regeneration to the next.
            Referral.objects.filter(pk=referral.pk).update(reference=EXAMPLE_REFERENCE)
            referral.refresh_from_db()
            document = Document(referral=referral, kind=Document.Kind.REFERRAL_LETTER, original_name="letter.txt",
                                content_type="text/plain", size=len(EXAMPLE_LETTER),
                                sha256=hashlib.sha256(EXAMPLE_LETTER).hexdigest())  # fmt: skip
            document.file.save("example", ContentFile(EXAMPLE_LETTER), save=False)
            document.save()
            referral = demo.complete_provider_referral(
                referral, secondary_indications=["neuropathic"], sleep_apnea=True, gad7=[1, 2, 1, 1, 0, 1, 2],
                asq={"q1": False, "q2": False, "q3": False, "q4": False}, phq9=[2, 2, 1, 2, 1, 1, 1, 0, 0],
            )  # fmt: skip
            referral = demo.advance(
                referral, Referral.Status.CLEARED, coordinator=coordinator, clinician=clinician
            )
            result = bundle.transaction_bundle(
                Referral.objects.get(pk=referral.pk), export.options(), now=now
            )
            document.file.delete(save=False)
            raise _Rollback
    except _Rollback:
        pass
    return result


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


class Command(BaseCommand):
    help = (
        "Write the app's Questionnaire and an example FHIR Bundle of a fictional demo referral to docs/fhir/."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "docs" / "fhir"))

    def handle(self, *args, out, **options):
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        name, resource = questionnaire_file()
        write_json(folder / name, resource)
        write_json(folder / "example-bundle.json", example_bundle(timezone.now().replace(microsecond=0)))
        self.stdout.write(f"Wrote {folder / name} and {folder / 'example-bundle.json'}")
