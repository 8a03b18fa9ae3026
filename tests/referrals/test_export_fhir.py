"""`manage.py export_fhir`: Bulk Data NDJSON of a date range, into a private folder, recorded as reads."""

import io
import json
import os
import stat
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from referrals import demo
from referrals.models import AccessEvent, Referral, ReferralEvent
from tests.referrals.fhir.conftest import add_document, references, validate

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("export_fhir", *args, stdout=out)
    return out.getvalue()


def read_ndjson(folder) -> dict[str, list[dict]]:
    return {
        path.name.removesuffix(".ndjson"): [json.loads(line) for line in path.read_text().splitlines()]
        for path in sorted(folder.glob("*.ndjson"))
    }


def uploaded(documents: list[dict]) -> list[dict]:
    """DocumentReferences of uploaded files (not the clearance snapshot)."""
    return [d for d in documents if d["type"]["coding"][0]["code"] != "clearance_snapshot"]


@pytest.fixture
def three_referrals(coordinator, clinician):
    cleared = demo.make_referral(
        "cleared", coordinator=coordinator, clinician=clinician, first_name="Qzbulkmark", sleep_apnea=True
    )
    add_document(cleared)
    provider, _ = demo.provider_referral()
    old = demo.make_referral("withdrawn", coordinator=coordinator, clinician=clinician)
    long_ago = timezone.now() - timedelta(days=400)
    Referral.objects.filter(pk=old.pk).update(created_at=long_ago, status_changed_at=long_ago)
    return cleared, provider, old


class ExportFhirTests:
    def test_writes_valid_ndjson_per_type_and_records_each_referral(self, three_referrals, tmp_path):
        cleared, provider, old = three_referrals
        folder = tmp_path / "export"
        today = timezone.localdate()
        output = run("--since", (today - timedelta(days=30)).isoformat(), "--out", str(folder))

        files = read_ndjson(folder)
        assert {"Patient", "ServiceRequest", "QuestionnaireResponse", "Observation", "Task", "DetectedIssue",
                "DocumentReference", "Provenance", "Practitioner", "Organization", "Questionnaire"} <= set(files)  # fmt: skip
        every_id = set()
        for resource_type, resources in files.items():
            for resource in resources:
                assert resource["resourceType"] == resource_type
                validate(resource)
                every_id.add(f"{resource_type}/{resource['id']}")
            assert len({r["id"] for r in resources}) == len(resources)  # each resource once
        for resources in files.values():
            for resource in resources:
                assert set(references(resource)) <= every_id
        requests = {r["identifier"][0]["value"] for r in files["ServiceRequest"]}
        assert requests == {cleared.reference, provider.reference}  # the old one is outside the range
        # Bulk documents are linked to the staff download, not copied in.
        [letter] = uploaded(files["DocumentReference"])
        attachment = letter["content"][0]["attachment"]
        assert attachment["url"].endswith("/download/") and "data" not in attachment

        manifest = json.loads((folder / "manifest.json").read_text())
        assert {o["type"]: o["count"] for o in manifest["output"]} == {t: len(r) for t, r in files.items()}

        reads = AccessEvent.objects.filter(action=AccessEvent.Action.EXPORT, object_type="fhir:ndjson")
        assert set(reads.values_list("referral_reference", flat=True)) == requests
        assert all(read.row_count == 2 and "export_fhir" in read.username for read in reads)
        assert ReferralEvent.objects.filter(kind="exported", referral=cleared).exists()
        assert not AccessEvent.objects.filter(referral=old).exists()

        assert "Exported 2 referral(s)" in output and "Patient.ndjson: 2" in output
        assert "Qzbulkmark" not in output  # file names and counts, never PHI

    def test_the_folder_and_files_are_private(self, three_referrals, tmp_path):
        folder = tmp_path / "new" / "export"
        run("--since", "2020-01-01", "--out", str(folder))
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        for path in folder.iterdir():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600

    def test_until_and_inline_documents(self, three_referrals, tmp_path):
        cleared, provider, old = three_referrals
        day = (timezone.now() - timedelta(days=400)).astimezone(timezone.get_current_timezone()).date()
        run("--since", day.isoformat(), "--until", day.isoformat(), "--out", str(tmp_path / "a"))
        files = read_ndjson(tmp_path / "a")
        assert [r["identifier"][0]["value"] for r in files["ServiceRequest"]] == [old.reference]
        run("--since", "2020-01-01", "--out", str(tmp_path / "b"), "--inline-documents")
        documents = read_ndjson(tmp_path / "b")["DocumentReference"]
        assert any(
            d["content"][0]["attachment"].get("data")
            for d in documents
            if d["description"] != "Clearance snapshot"
        )

    @pytest.mark.parametrize(
        ("args", "message"),
        [(["--since", "31/01/2026"], "--since must be a date"),
         (["--since", "2026-02-01", "--until", "2026-01-01"], "--until is before --since"),
         (["--since", "2026-01-01", "--until", "soon"], "--until must be a date")],
    )  # fmt: skip
    def test_bad_dates_are_refused_clearly(self, tmp_path, args, message):
        with pytest.raises(CommandError, match=message):
            run(*args, "--out", str(tmp_path / "x"))
        assert not (tmp_path / "x").exists()

    def test_refuses_a_folder_others_can_read_or_one_already_used(self, tmp_path):
        shared = tmp_path / "shared"
        shared.mkdir()
        os.chmod(shared, 0o755)
        with pytest.raises(CommandError, match="can be read by other users"):
            run("--since", "2026-01-01", "--out", str(shared))
        used = tmp_path / "used"
        used.mkdir(mode=0o700)
        (used / "Patient.ndjson").write_text("")
        with pytest.raises(CommandError, match="already holds an export"):
            run("--since", "2026-01-01", "--out", str(used))

    def test_the_demo_data_exports_as_valid_ndjson(self, tmp_path):
        call_command("seed_demo", "--allow-outside-development", stdout=io.StringIO())
        seeded = Referral.objects.count()
        output = run("--since", "2000-01-01", "--out", str(tmp_path / "demo"))
        files = read_ndjson(tmp_path / "demo")
        every_id = {f"{t}/{r['id']}" for t, resources in files.items() for r in resources}
        for resources in files.values():
            for resource in resources:
                validate(resource)
                assert set(references(resource)) <= every_id
        statuses = {e["valueCode"] for r in files["ServiceRequest"] for e in r["extension"]}
        assert statuses == set(
            Referral.objects.values_list("status", flat=True)
        )  # every status seeded is there
        assert len(files["ServiceRequest"]) == seeded and f"Exported {seeded} referral(s)" in output

    def test_refuses_published_folders(self, settings):
        with pytest.raises(CommandError, match="published or committed"):
            run("--since", "2026-01-01", "--out", str(settings.BASE_DIR / "docs" / "export"))
