"""The audit trail: changes with their actor, reads, no PHI in any row, and read-only in the admin."""

import json
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from referrals import demo, workflow
from referrals.audit import NOT_PHI, REDACTED, _masked, record_access
from referrals.models import (
    AccessEvent,
    ClearanceItem,
    ContraindicationRule,
    Document,
    Finding,
    Referral,
    ScreeningPolicy,
)

MARKER = "Zqxmarker"


def referral_entries(referral):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Referral), object_pk=str(referral.pk)
    ).order_by("timestamp", "id")


def everything_audited() -> str:
    """Every audit row, every column, as text."""
    rows = [
        {field.name: str(getattr(entry, field.attname)) for field in LogEntry._meta.fields}
        for entry in LogEntry.objects.all()
    ] + [
        {field.name: str(getattr(event, field.attname)) for field in AccessEvent._meta.fields}
        for event in AccessEvent.objects.all()
    ]
    return json.dumps(rows)


@pytest.fixture
def marked_referral(coordinator, clinician):
    """A referral whose patient typed the marker into every field they could."""
    referral = demo.submit(
        first_name=f"{MARKER}first",
        last_name=f"{MARKER}last",
        email="zqxmarker@example.com",
        phone="(555) 010-0199",
    )
    Referral.objects.filter(pk=referral.pk).update(details={"medication_list": f"{MARKER}details"})
    referral.refresh_from_db()
    return referral


class ChangeTrailTests:
    def test_a_workflow_status_change_is_logged_with_its_actor(self, marked_referral, coordinator):
        workflow.start_review(marked_referral, actor=coordinator)
        entry = referral_entries(marked_referral).filter(additional_data__event="review_started").get()
        assert entry.actor == coordinator
        assert entry.changes["status"] == ["submitted", "in_review"]
        assert entry.additional_data["referral"] == marked_referral.reference
        assert entry.timestamp <= timezone.now()

    def test_every_workflow_move_is_in_the_trail(self, coordinator, clinician):
        referral = demo.make_referral("scheduled", coordinator=coordinator, clinician=clinician)
        events = set(
            LogEntry.objects.filter(additional_data__referral=referral.reference).values_list(
                "additional_data__event", flat=True
            )
        )
        assert {"submitted", "review_started", "cleared", "scheduled"} <= events

    def test_submission_is_logged_with_fields_but_phi_redacted(self, marked_referral):
        created = referral_entries(marked_referral).filter(action=LogEntry.Action.CREATE).get()
        assert created.changes["first_name"][1] == REDACTED
        assert created.changes["answers"][1] == REDACTED
        assert created.changes["status"][1] == "submitted"
        assert created.actor is None  # the patient has no account

    def test_staff_edits_record_which_fields_but_not_the_notes(self, marked_referral, clinician):
        marked_referral.staff_notes = f"{MARKER} called the patient"
        marked_referral.assignee = clinician
        marked_referral.save()
        entry = referral_entries(marked_referral).filter(action=LogEntry.Action.UPDATE).last()
        assert entry.changes["staff_notes"] == [REDACTED, REDACTED]
        assert entry.changes["assignee"] == [None, clinician.pk]

    def test_checklist_and_findings_are_logged_with_their_actor(
        self, marked_referral, coordinator, clinician
    ):
        workflow.start_review(marked_referral, actor=coordinator)
        item = marked_referral.checklist.filter(kind="administrative").first()
        workflow.update_checklist_item(item, actor=coordinator, status="done", note=f"{MARKER} note")
        item_entry = LogEntry.objects.get_for_object(item).filter(action=LogEntry.Action.UPDATE).get()
        assert item_entry.changes["status"] == ["pending", "done"]
        assert item_entry.changes["note"] == [REDACTED, REDACTED]
        assert item_entry.additional_data["referral"] == marked_referral.reference
        event = LogEntry.objects.get(additional_data__event="checklist_updated")
        assert event.actor == coordinator
        assert event.additional_data["to"] == "done"

        finding = Finding.objects.create(
            run=marked_referral.screening_runs.get(current=True),
            referral=marked_referral,
            code="zz_test_finding",
            severity="relative",
            gate="clearance",
            reason="BP 150/95",
        )
        workflow.resolve_finding(finding, actor=clinician, resolution="overridden", note=f"{MARKER} reason")
        finding_entry = LogEntry.objects.get_for_object(finding).filter(action=LogEntry.Action.UPDATE).get()
        assert finding_entry.changes["resolution"] == ["", "overridden"]
        assert finding_entry.changes["resolution_note"] == [REDACTED, REDACTED]
        resolved = LogEntry.objects.get(additional_data__event="finding_resolved")
        assert resolved.actor == clinician

    def test_definition_and_policy_changes_keep_before_and_after(self, db):
        rule = ContraindicationRule.objects.order_by("code").first()
        rule.active = False
        rule.save()
        entry = LogEntry.objects.get_for_object(rule).get(action=LogEntry.Action.UPDATE)
        assert entry.changes["active"] == [True, False]
        policy = ScreeningPolicy.objects.create(bmi_limit=40, change_note="raised after review")
        created = LogEntry.objects.get_for_object(policy).get(action=LogEntry.Action.CREATE)
        assert created.changes["bmi_limit"][1] in ("40", 40)

    def test_phi_never_appears_in_any_audit_row(self, marked_referral, coordinator, clinician, staff_client):
        workflow.start_review(marked_referral, actor=coordinator)
        item = marked_referral.checklist.filter(kind="administrative").first()
        workflow.update_checklist_item(item, actor=coordinator, status="waived", reason=f"{MARKER} waived")
        marked_referral.staff_notes = f"{MARKER} notes"
        marked_referral.save()
        workflow.decline_referral(marked_referral, actor=clinician, reason=f"{MARKER} decline reason")
        document = Document(referral=marked_referral, original_name=f"{MARKER}.pdf", content_type="application/pdf",
                            size=8, sha256="0" * 64)  # fmt: skip
        document.file.save("x", ContentFile(b"%PDF-1.4"), save=False)
        document.save()
        client = staff_client(clinician)
        client.get(reverse("admin:referrals_referral_change", args=[marked_referral.pk]))
        client.get(reverse("referrals:document-download", args=[document.pk]))
        client.get(reverse("admin:referrals_referral_export") + f"?q={MARKER}")
        audited = everything_audited().lower()
        assert LogEntry.objects.count() > 5 and AccessEvent.objects.count() == 3
        for value in (
            MARKER,
            "zqxmarker@example.com",
            "555) 010-0199",
            "010-0199",
            str(marked_referral.date_of_birth),
        ):
            assert value.lower() not in audited, value

    def test_every_model_field_not_allowed_is_masked(self):
        # A field someone adds later is masked until it is put on the allow-list.
        masked = set(_masked(Referral, NOT_PHI[Referral]))
        assert {"first_name", "last_name", "date_of_birth", "email", "phone", "answers", "details"} <= masked
        assert {"provider_details", "differences", "staff_notes", "decision_reason", "scores"} <= masked
        assert {"note", "reason"} <= set(_masked(ClearanceItem, NOT_PHI[ClearanceItem]))
        assert "original_name" in _masked(Document, NOT_PHI[Document])


class ReadTrailTests:
    def test_the_review_page_records_a_read(self, staff_client, coordinator):
        referral = demo.make_referral("submitted", coordinator=coordinator)
        client = staff_client(coordinator)
        assert client.get(reverse("admin:referrals_referral_change", args=[referral.pk])).status_code == 200
        event = AccessEvent.objects.get()
        assert (event.user, event.username, event.action) == (coordinator, "coordinator", "view_referral")
        assert (event.referral, event.referral_reference) == (referral, referral.reference)

    def test_export_and_summary_record_reads(self, staff_client, coordinator):
        referral = demo.make_referral("submitted", coordinator=coordinator)
        client = staff_client(coordinator)
        assert client.get(reverse("admin:referrals_referral_export")).status_code == 200
        export = AccessEvent.objects.get(action="export")
        assert export.row_count == 1 and export.referral is None
        assert client.get(reverse("admin:referrals_referral_summary", args=[referral.pk])).status_code == 200
        assert AccessEvent.objects.get(action="view_summary").referral_reference == referral.reference

    def test_a_document_download_records_a_read(self, staff_client, coordinator):
        referral = demo.make_referral("submitted", coordinator=coordinator)
        document = Document(referral=referral, original_name="letter.pdf", content_type="application/pdf",
                            size=8, sha256="0" * 64)  # fmt: skip
        document.file.save("x", ContentFile(b"%PDF-1.4"), save=False)
        document.save()
        client = staff_client(coordinator)
        response = client.get(reverse("referrals:document-download", args=[document.pk]))
        assert response.status_code == 200
        event = AccessEvent.objects.get(action="download_document")
        assert (event.object_type, event.object_id) == ("referrals.document", str(document.pk))
        assert event.referral_reference == referral.reference
        # A read is not a change: no change-trail row for it.
        assert not LogEntry.objects.filter(additional_data__event="document_downloaded").exists()

    def test_the_download_needs_the_second_factor_too(self, client, coordinator):
        referral = demo.make_referral("submitted", coordinator=coordinator)
        document = Document(referral=referral, original_name="letter.pdf", content_type="application/pdf",
                            size=8, sha256="0" * 64)  # fmt: skip
        document.file.save("x", ContentFile(b"%PDF-1.4"), save=False)
        document.save()
        client.force_login(coordinator)  # password only
        assert client.get(reverse("referrals:document-download", args=[document.pk])).status_code == 403
        assert not AccessEvent.objects.exists()

    def test_record_access_keeps_no_query_string(self, rf, coordinator):
        request = rf.get("/staff/referrals/referral/export/?q=Smith")
        request.user = coordinator
        event = record_access(request, "export", count=3)
        assert event.path == "/staff/referrals/referral/export/"


AUDIT_ADMINS = ["auditlog_logentry", "referrals_accessevent"]


class AuditAdminTests:
    @pytest.fixture
    def rows(self, coordinator, rf):
        referral = demo.make_referral("in_review", coordinator=coordinator)
        request = rf.get("/")
        request.user = coordinator
        access = record_access(request, "view_referral", referral=referral)
        return {"auditlog_logentry": LogEntry.objects.first(), "referrals_accessevent": access}

    @pytest.mark.parametrize("admin_name", AUDIT_ADMINS)
    @pytest.mark.parametrize("persona", ["clinic_admin", "superuser"])
    def test_visible_but_not_editable_or_deletable(self, request, staff_client, rows, admin_name, persona):
        user = request.getfixturevalue(persona)
        client = staff_client(user)
        row = rows[admin_name]
        before = LogEntry.objects.count(), AccessEvent.objects.count()
        assert client.get(reverse(f"admin:{admin_name}_changelist")).status_code == 200
        change = client.get(reverse(f"admin:{admin_name}_change", args=[row.pk]))
        assert change.status_code == 200
        assert 'name="_save"' not in change.content.decode()
        assert client.post(reverse(f"admin:{admin_name}_change", args=[row.pk]), {}).status_code == 403
        assert client.get(reverse(f"admin:{admin_name}_delete", args=[row.pk])).status_code == 403
        assert (
            client.post(reverse(f"admin:{admin_name}_delete", args=[row.pk]), {"post": "yes"}).status_code
            == 403
        )
        assert client.get(reverse(f"admin:{admin_name}_add")).status_code == 403
        bulk = client.post(
            reverse(f"admin:{admin_name}_changelist"),
            {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
        )
        assert bulk.status_code in (200, 302)
        assert (LogEntry.objects.count(), AccessEvent.objects.count()) == before

    @pytest.mark.parametrize("admin_name", AUDIT_ADMINS)
    @pytest.mark.parametrize("persona", ["coordinator", "clinician", "staff_without_permission"])
    def test_reviewers_cannot_see_the_trail(self, request, staff_client, rows, admin_name, persona):
        client = staff_client(request.getfixturevalue(persona))
        assert client.get(reverse(f"admin:{admin_name}_changelist")).status_code == 403

    def test_filter_by_user_referral_and_date(self, staff_client, clinic_admin, coordinator, rows):
        referral = rows["referrals_accessevent"].referral
        other = demo.make_referral("submitted", coordinator=coordinator, key="other-referral")
        client = staff_client(clinic_admin)
        an_hour_ago = (timezone.now() - timedelta(hours=1)).isoformat()
        changes = client.get(
            reverse("admin:auditlog_logentry_changelist"),
            {"referral": referral.reference.lower(), "actor__id__exact": coordinator.pk},
        )
        assert changes.status_code == 200
        shown = list(changes.context["cl"].result_list)
        assert shown and all(entry.additional_data["referral"] == referral.reference for entry in shown)
        assert all(entry.actor == coordinator for entry in shown)
        assert other.reference not in changes.content.decode()
        reads = client.get(
            reverse("admin:referrals_accessevent_changelist"),
            {"referral": referral.reference, "user__id__exact": coordinator.pk, "at__gte": an_hour_ago},
        )
        assert reads.status_code == 200
        assert list(reads.context["cl"].result_list) == [rows["referrals_accessevent"]]
        none = client.get(reverse("admin:referrals_accessevent_changelist"), {"referral": other.reference})
        assert list(none.context["cl"].result_list) == []


class QueueReadTests:
    """The queue lists names and dates of birth: every view of it is a read of each referral shown."""

    def test_each_queue_view_records_the_references_shown_in_one_insert(self, staff_client, coordinator):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        referrals = [demo.make_referral("submitted", coordinator=coordinator, key=f"q{i}") for i in range(3)]
        client = staff_client(coordinator)
        AccessEvent.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("admin:referrals_referral_changelist"))
        assert response.status_code == 200
        shown = {r.reference for r in response.context["cl"].result_list}
        assert shown == {r.reference for r in referrals}
        reads = AccessEvent.objects.filter(action="view_queue")
        assert {e.referral_reference for e in reads} == shown
        assert all(e.user == coordinator and e.row_count == 3 and e.first_read is None for e in reads)
        inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")
                   and "referrals_accessevent" in q["sql"]]  # fmt: skip
        assert len(inserts) == 1

    def test_a_filtered_queue_records_only_what_it_shows(self, staff_client, coordinator):
        kept = demo.make_referral("submitted", coordinator=coordinator, key="shown")
        demo.make_referral("in_review", coordinator=coordinator, key="hidden")
        client = staff_client(coordinator)
        AccessEvent.objects.all().delete()
        client.get(reverse("admin:referrals_referral_changelist"), {"status__exact": "submitted"})
        assert list(AccessEvent.objects.values_list("referral_reference", flat=True)) == [kept.reference]


class ReadRunTests:
    """Repeated reads by one user of one referral within a few minutes: one line, every read stored."""

    def review(self, client, referral):
        assert client.get(reverse("admin:referrals_referral_change", args=[referral.pk])).status_code == 200

    def test_repeats_point_at_the_first_read_of_their_run(self, staff_client, coordinator, clinician):
        referral = demo.make_referral("submitted", coordinator=coordinator)
        other = demo.make_referral("submitted", coordinator=coordinator, key="another")
        mine = staff_client(coordinator)
        for _ in range(3):
            self.review(mine, referral)
        self.review(mine, other)
        self.review(staff_client(clinician), referral)
        reads = list(AccessEvent.objects.filter(action="view_referral").order_by("id"))
        assert len(reads) == 5  # every read is stored
        first = reads[0]
        assert first.first_read is None
        assert [r.first_read_id for r in reads[1:3]] == [first.pk, first.pk]
        assert reads[3].first_read is None  # another referral
        assert reads[4].first_read is None  # another user

    def test_a_read_after_the_window_starts_a_new_run(self, staff_client, coordinator):
        referral = demo.make_referral("submitted", coordinator=coordinator)
        client = staff_client(coordinator)
        self.review(client, referral)
        AccessEvent.objects.update(at=timezone.now() - timedelta(minutes=6))
        self.review(client, referral)
        assert list(
            AccessEvent.objects.filter(action="view_referral").values_list("first_read", flat=True)
        ) == [
            None,
            None,
        ]

    def test_the_audit_view_shows_one_line_per_run(self, staff_client, coordinator, clinic_admin):
        referral = demo.make_referral("submitted", coordinator=coordinator)
        client = staff_client(coordinator)
        for _ in range(4):
            self.review(client, referral)
        admin_client = staff_client(clinic_admin)
        url = reverse("admin:referrals_accessevent_changelist")
        grouped = admin_client.get(url, {"action__exact": "view_referral"})
        rows = list(grouped.context["cl"].result_list)
        assert len(rows) == 1 and rows[0].repeat_count == 3
        assert "4 reads, last at" in grouped.content.decode()
        every = admin_client.get(url, {"action__exact": "view_referral", "reads": "all"})
        assert len(list(every.context["cl"].result_list)) == 4
