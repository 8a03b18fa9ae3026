"""Uploads: checked by content, images re-encoded, stored privately, downloaded only by staff who may."""

import io
from datetime import timedelta

import pikepdf
import pikepdf.settings
import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from referrals import documents
from referrals.models import Document, Referral, ReferralEvent
from tests.referrals.intake_driver import IntakeDriver
from tests.referrals.provider_data import (
    PDF,
    image_bytes,
    make_pdf,
    pdf_file,
    provider_post,
    send_provider_referral,
    upload,
)

PE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
    + b"\x00" * 46
    + b"This program cannot be run in DOS mode.\r\n"
)
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 20 + b"evil.sh" + b"PK\x05\x06\x00\x00" + b"\x00" * 16


def checked(name, content):
    return documents.check_upload(upload(name, content))


def refused(name, content) -> str:
    with pytest.raises(ValidationError) as error:
        checked(name, content)
    return " ".join(error.value.messages)


class ContentCheckTests:
    def test_pdf_jpeg_and_png_are_accepted(self):
        assert checked("a.pdf", PDF).content_type == "application/pdf"
        assert checked("b.jpg", image_bytes("JPEG")).content_type == "image/jpeg"
        assert checked("c.png", image_bytes("PNG")).content_type == "image/png"

    @pytest.mark.parametrize(
        ("name", "content"),
        [
            ("letter.pdf", PE),
            ("scan.png", ELF),
            ("photo.jpg", b"#!/bin/sh\nrm -rf /\n"),
            ("notes.pdf", b"<html><script>alert(1)</script></html>"),
            ("records.pdf", ZIP),
            ("letter.pdf", b"GIF89a\x01\x00\x01\x00"),
        ],
    )
    def test_renamed_executables_and_other_types_are_refused(self, name, content):
        assert "is not a PDF, JPEG or PNG file" in refused(name, content)

    @pytest.mark.parametrize(
        "content",
        [
            b"%PDF-1.4\n" + PE + b"\n%%EOF\n",
            b"%PDF-1.7\n" + ELF + b"\n%%EOF\n",
            PDF + ZIP,
            image_bytes("PNG") + ZIP,
            image_bytes("JPEG") + PE,
            b"%PDF-1.4\n<script>alert(1)</script>\n%%EOF\n",
        ],
        ids=["pdf-exe", "pdf-elf", "pdf-zip", "png-zip", "jpeg-exe", "pdf-script"],
    )
    def test_polyglots_are_refused(self, content):
        message = refused("file.pdf", content)
        assert (
            "contains something other than a document or a picture" in message
            or "not a complete PDF" in message
        )

    def test_png_with_any_trailing_data_is_refused(self):
        assert "contains something other" in refused("scan.png", image_bytes("PNG") + b"trailing bytes")

    def test_truncated_pdf_is_refused(self):
        assert "not a complete PDF" in refused("letter.pdf", PDF[:40])

    def test_broken_image_is_refused(self):
        assert "could not be opened as a picture" in refused(
            "photo.png", image_bytes("PNG")[:60] + b"\x00" * 10
        )

    def test_zero_byte_file_is_refused(self):
        assert "is empty" in refused("letter.pdf", b"")

    def test_oversized_file_is_refused(self, settings):
        settings.MAX_UPLOAD_FILE_BYTES = 1000
        assert "too large. Each file must be" in refused("letter.pdf", PDF + b"%" * 2000 + b"\n%%EOF\n")

    def test_images_are_reencoded_without_exif(self):
        original = image_bytes("JPEG", exif=True)
        assert b"SecretCameraMaker" in original
        result = checked("photo.jpg", original)
        assert b"SecretCameraMaker" not in result.content and b"GPS-tracking-app" not in result.content
        with Image.open(io.BytesIO(result.content)) as image:
            assert not image.getexif()
            assert image.format == "JPEG" and image.size == (40, 30)

    def test_png_text_chunks_are_dropped(self):
        from PIL import PngImagePlugin

        info = PngImagePlugin.PngInfo()
        info.add_text("Author", "Casey Secret")
        out = io.BytesIO()
        Image.new("RGB", (10, 10)).save(out, format="PNG", pnginfo=info)
        assert b"Casey Secret" in out.getvalue()
        assert b"Casey Secret" not in checked("scan.png", out.getvalue()).content

    @pytest.mark.parametrize(
        ("name", "shown"),
        [
            ("../../etc/passwd.pdf", "passwd.pdf"),
            ("..\\..\\windows\\system32\\letter.pdf", "letter.pdf"),
            ("/absolute/path/letter.PDF", "letter.pdf"),
            ("letter\x00.exe.pdf", "letter.exe.pdf"),
            ("<script>x</script>.pdf", "script.pdf"),
            ("", "document.pdf"),
            ("....pdf", "document.pdf"),
        ],
    )
    def test_names_are_sanitised_for_display(self, name, shown):
        assert documents.display_name(name, "application/pdf") == shown

    def test_display_name_takes_the_real_extension(self):
        assert checked("photo.pdf", image_bytes("PNG")).display_name == "photo.png"


@pytest.mark.django_db
class StorageTests:
    def test_stored_name_never_comes_from_the_upload(self, client):
        send_provider_referral(client, referral_letter=pdf_file(name="../../etc/passwd.pdf"))
        document = Document.objects.get()
        assert document.original_name == "passwd.pdf"
        assert document.file.name.startswith("documents/")
        assert "passwd" not in document.file.name and ".." not in document.file.name
        assert default_storage.exists(document.file.name)

    def test_files_are_not_served_at_any_url(self, client, settings):
        send_provider_referral(client)
        document = Document.objects.get()
        assert not settings.MEDIA_URL or settings.MEDIA_URL == "/"
        for path in (
            f"/{document.file.name}",
            f"/media/{document.file.name}",
            f"/private_media/{document.file.name}",
        ):
            assert client.get(path).status_code == 404

    def test_more_than_five_files_are_refused_and_none_of_them_kept(self, client):
        files = [upload(f"scan{n}.png", image_bytes()) for n in range(5)]
        response = send_provider_referral(client, other_files=files)
        assert response.status_code == 200
        messages = response.context["form"].errors["other_files"]
        assert any("You can attach up to 5 files in all" in str(m) for m in messages)
        assert Document.objects.filter(kind="records").count() == 0
        assert Referral.objects.count() == 0

    def test_abandoned_uploads_are_purged(self, client, settings):
        client.post(
            reverse("referrals:provider-referral"), {**provider_post(npi="1"), "referral_letter": pdf_file()}
        )
        document = Document.objects.get()
        name = document.file.name
        call_command("purge_abandoned_uploads")
        assert Document.objects.count() == 1  # still fresh
        Document.objects.update(
            uploaded_at=timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
        )
        with django_capture_on_commit():
            call_command("purge_abandoned_uploads")
        assert Document.objects.count() == 0
        assert not default_storage.exists(name)

    def test_uploads_of_a_live_session_are_kept(self, client, settings):
        driver = IntakeDriver(client)
        driver.run_to("documents")
        driver.post("documents", {}, **{"documents-files": [upload("scan.png", image_bytes())]})
        Document.objects.update(
            uploaded_at=timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
        )
        documents.purge_abandoned()
        assert Document.objects.count() == 1
        Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
        with django_capture_on_commit():
            documents.purge_abandoned()
        assert Document.objects.count() == 0


def django_capture_on_commit():
    """Run on_commit callbacks (file deletions) inside a test transaction."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


# --- PDFs are parsed (pikepdf over qpdf), not searched for bytes ------------------------------------

ACTIVE_REFUSAL = "contains scripts, actions, forms or attached files"


def _catalog(**entries):
    def modify(pdf):
        for key, value in entries.items():
            pdf.Root[f"/{key}"] = value

    return modify


def _raw_catalog(extra: bytes) -> bytes:
    """A PDF whose catalog carries `extra` exactly as written (qpdf repairs the moved offsets)."""
    return PDF.replace(b"/Type /Catalog", b"/Type /Catalog " + extra, 1)


def _javascript_action():
    return pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))


def _with_attachment(pdf):
    pdf.attachments["notes.txt"] = pikepdf.AttachedFileSpec(pdf, b"hidden", mime_type="text/plain")


def _with_file_annotation(pdf):
    pdf.pages[0].Annots = pdf.make_indirect(
        pikepdf.Array([pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.FileAttachment,
                                          Rect=[0, 0, 10, 10])])
    )  # fmt: skip


def _with_names_tree_script(pdf):
    script = pdf.make_indirect(_javascript_action())
    pdf.Root.Names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("x"), script]))
    )


BAD_PDFS = {
    # The three bypasses of the old byte search.
    "hex-escaped JavaScript name": _raw_catalog(b"/OpenAction << /S /Java#53cript /JS (app.alert(1)) >>"),
    "hex-escaped Launch name": _raw_catalog(b"/OpenAction << /S /#4caunch /F (calc.exe) >>"),
    "JavaScript in a compressed object stream": make_pdf(
        _catalog(OpenAction=_javascript_action()), object_streams=True
    ),
    # The plain cases.
    "JavaScript open action": make_pdf(_catalog(OpenAction=_javascript_action())),
    "JavaScript in the names tree": make_pdf(_with_names_tree_script),
    "launch action": make_pdf(
        _catalog(OpenAction=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe")))
    ),
    "submit-form action": make_pdf(
        _catalog(OpenAction=pikepdf.Dictionary(S=pikepdf.Name.SubmitForm, F=pikepdf.String("https://x.test")))
    ),
    "import-data action": make_pdf(
        _catalog(OpenAction=pikepdf.Dictionary(S=pikepdf.Name.ImportData, F=pikepdf.String("data.fdf")))
    ),
    "javascript: link": make_pdf(
        _catalog(
            OpenAction=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String(" JavaScript:alert(1)"))
        )
    ),
    "embedded file": make_pdf(_with_attachment),
    "file attachment annotation": make_pdf(_with_file_annotation),
    "XFA form": make_pdf(
        _catalog(AcroForm=pikepdf.Dictionary(Fields=pikepdf.Array(), XFA=pikepdf.String("<xdp/>")))
    ),
    "rich media annotation": make_pdf(
        lambda pdf: setattr(
            pdf.pages[0], "Annots", pikepdf.Array([pikepdf.Dictionary(Subtype=pikepdf.Name.RichMedia)])
        )
    ),
}


class PdfParserTests:
    @pytest.mark.parametrize("content", list(BAD_PDFS.values()), ids=list(BAD_PDFS))
    def test_active_content_is_refused(self, content):
        assert ACTIVE_REFUSAL in refused("letter.pdf", content)

    def test_the_bypasses_escape_a_byte_search(self):
        # Proof the tests above need the parser: none of these carry the plain names as bytes.
        for name in ("hex-escaped JavaScript name", "hex-escaped Launch name"):
            assert b"/JavaScript" not in BAD_PDFS[name] and b"/Launch" not in BAD_PDFS[name]
        assert b"JavaScript" not in BAD_PDFS["JavaScript in a compressed object stream"]

    def test_a_plain_pdf_is_stored_as_a_rewritten_copy(self):
        # An unreferenced object (hidden from every reader) does not survive the rewrite.
        content = PDF.replace(b"xref\n0 5", b"99 0 obj\n(left-over secret)\nendobj\nxref\n0 5", 1)
        result = checked("letter.pdf", content)
        assert result.content_type == "application/pdf"
        assert result.content != content
        assert b"left-over secret" in content and b"left-over secret" not in result.content
        with pikepdf.open(io.BytesIO(result.content)) as pdf:
            assert len(pdf.pages) == 1

    def test_a_plain_link_is_not_active_content(self):
        link = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://clinic.example.com/"))
        assert checked("letter.pdf", make_pdf(_catalog(OpenAction=link))).content_type == "application/pdf"

    def test_an_object_stream_that_unpacks_too_far_is_refused(self):
        assert pikepdf.settings.get_qpdf_limits()["flate_max_memory"] == documents.PDF_MAX_DECODED_BYTES
        # Scaled down: a 3 MB object stream (a few kB compressed) against a 1 MB cap.
        content = make_pdf(
            _catalog(Padding=pikepdf.String(" " * (3 << 20)), OpenAction=_javascript_action()),
            object_streams=True,
        )
        assert len(content) < 10_000
        previous = pikepdf.settings.set_qpdf_limits(flate_max_memory=1 << 20)
        try:
            message = refused("letter.pdf", content)
        finally:
            pikepdf.settings.set_qpdf_limits(**previous)
        assert "could not be opened as a PDF" in message

    def test_a_pdf_with_too_many_objects_is_refused(self, monkeypatch):
        monkeypatch.setattr(documents, "MAX_PDF_OBJECTS", 3)
        assert "too complex a PDF" in refused("letter.pdf", PDF)

    @pytest.mark.parametrize("user_password", ["secret", ""])
    def test_encrypted_pdf_gets_a_clear_message(self, user_password):
        pdf = pikepdf.new()
        pdf.add_blank_page()
        out = io.BytesIO()
        pdf.save(out, encryption=pikepdf.Encryption(user=user_password, owner="owner"))
        assert "locked with a password" in refused("letter.pdf", out.getvalue())

    @pytest.mark.parametrize(
        "content",
        [b"%PDF-1.4\nnot really a pdf\n%%EOF\n", PDF.replace(b"/Kids", b"/Kidz"), PDF[:200] + b"\n%%EOF\n"],
        ids=["garbage", "no-pages", "cut"],
    )
    def test_broken_pdf_gets_a_clear_message(self, content):
        assert "could not be opened as a PDF" in refused("letter.pdf", content)


@pytest.mark.django_db
class PdfThroughTheFormsTests:
    @pytest.mark.parametrize(
        "name",
        ["hex-escaped JavaScript name", "hex-escaped Launch name", "JavaScript in a compressed object stream",
         "embedded file"],
    )  # fmt: skip
    def test_provider_form_refuses_beside_the_field(self, client, name):
        response = send_provider_referral(client, referral_letter=pdf_file(content=BAD_PDFS[name]))
        assert response.status_code == 200
        errors = [str(e) for e in response.context["form"].errors.get("referral_letter", [])]
        assert errors and ACTIVE_REFUSAL in errors[0]
        assert not Referral.objects.exists() and not Document.objects.exists()

    def test_provider_form_refuses_an_encrypted_pdf_without_a_500(self, client):
        pdf = pikepdf.new()
        pdf.add_blank_page()
        out = io.BytesIO()
        pdf.save(out, encryption=pikepdf.Encryption(user="secret", owner="owner"))
        response = send_provider_referral(client, referral_letter=pdf_file(content=out.getvalue()))
        assert response.status_code == 200
        assert "locked with a password" in response.content.decode()
        assert not Document.objects.exists()

    def test_provider_form_stores_a_good_pdf(self, client):
        send_provider_referral(client)
        assert Referral.objects.get().documents.get().content_type == "application/pdf"

    @pytest.mark.parametrize(
        "name",
        [
            "hex-escaped JavaScript name",
            "hex-escaped Launch name",
            "JavaScript in a compressed object stream",
        ],
    )
    def test_intake_documents_step_refuses(self, client, name):
        driver = IntakeDriver(client)
        driver.run_to("documents")
        response = driver.post("documents", {}, **{"documents-files": [pdf_file(content=BAD_PDFS[name])]})
        assert driver.current_step == "documents"
        assert response.status_code == 200
        assert f"letter.pdf {ACTIVE_REFUSAL}" in response.content.decode()
        assert Document.objects.count() == 0


@pytest.mark.django_db
class IntakeDocumentsStepTests:
    def test_documents_step_comes_before_practical_and_is_optional(self, client):
        driver = IntakeDriver(client)
        driver.run_to("documents")
        assert 'enctype="multipart/form-data"' in driver.response.content.decode()
        driver.post("documents", {})
        assert driver.current_step == "practical"

    def test_files_are_stored_at_once_and_attached_on_submit(self, client):
        driver = IntakeDriver(client)
        driver.run_to("documents")
        driver.post("documents", {}, **{"documents-files": [upload("scan.png", image_bytes()), pdf_file()]})
        assert driver.current_step == "practical"
        pending = Document.objects.filter(referral__isnull=True, session_key=client.session.session_key)
        assert pending.count() == 2
        review = driver.run_to("review")
        assert "scan.png; letter.pdf" in review.content.decode()
        driver.post("review")
        referral = Referral.objects.get()
        assert referral.documents.count() == 2
        assert not Document.objects.filter(referral__isnull=True).exists()

    def test_back_keeps_the_files(self, client):
        driver = IntakeDriver(client)
        driver.run_to("documents")
        driver.post("documents", {}, wizard_goto_step="more", **{"documents-files": [pdf_file()]})
        assert driver.current_step == "more"
        assert Document.objects.filter(referral__isnull=True).count() == 1

    def test_bad_file_gets_a_message_and_stays_on_the_step(self, client):
        driver = IntakeDriver(client)
        driver.run_to("documents")
        response = driver.post("documents", {}, **{"documents-files": [upload("letter.pdf", PE)]})
        assert driver.current_step == "documents"
        assert response.status_code == 200
        assert "letter.pdf is not a PDF, JPEG or PNG file" in response.content.decode()
        assert Document.objects.count() == 0

    def test_a_file_can_be_removed(self, client):
        driver = IntakeDriver(client)
        driver.run_to("documents")
        driver.post("documents", {}, **{"documents-files": [pdf_file()]})
        document = Document.objects.get()
        driver.back({}, to="documents")
        driver.post("documents", {}, **{"documents-remove": [str(document.pk)]})
        assert Document.objects.count() == 0

    def test_another_sessions_file_cannot_be_removed(self, client):
        other = Document.objects.create(
            session_key="someone-else",
            original_name="x.pdf",
            content_type="application/pdf",
            size=1,
            sha256="0",
        )
        driver = IntakeDriver(client)
        driver.run_to("documents")
        driver.post("documents", {}, **{"documents-files": [pdf_file()]})
        driver.back({}, to="documents")
        driver.post("documents", {}, **{"documents-remove": [str(other.pk)]})
        assert Document.objects.filter(pk=other.pk).exists()

    def test_starting_over_removes_the_files(self, client):
        driver = IntakeDriver(client)
        driver.run_to("documents")
        driver.post("documents", {}, **{"documents-files": [pdf_file()]})
        assert Document.objects.count() == 1
        client.get(reverse("referrals:intake") + "?reset=1")
        assert Document.objects.count() == 0

    def test_six_files_in_the_intake_are_refused(self, client):
        driver = IntakeDriver(client)
        driver.run_to("documents")
        files = [upload(f"s{n}.png", image_bytes()) for n in range(6)]
        response = driver.post("documents", {}, **{"documents-files": files})
        assert "You can attach up to 5 files in all" in response.content.decode()
        assert Document.objects.count() == 0


@pytest.fixture
def stored_document(client):
    send_provider_referral(client)
    client.logout()
    return Document.objects.get()


@pytest.mark.django_db
class DownloadTests:
    def url(self, document):
        return reverse("referrals:document-download", args=[document.pk])

    def test_anonymous_is_sent_to_sign_in(self, client, stored_document):
        response = client.get(self.url(stored_document))
        assert response.status_code == 302
        assert "login" in response["Location"]
        assert not ReferralEvent.objects.filter(kind="document_downloaded").exists()

    def test_staff_without_permission_is_refused(
        self, staff_client, staff_without_permission, stored_document
    ):
        response = staff_client(staff_without_permission).get(self.url(stored_document))
        assert response.status_code == 403
        assert not ReferralEvent.objects.filter(kind="document_downloaded").exists()

    @pytest.mark.parametrize("persona", ["coordinator", "clinician"])
    def test_reviewers_download_an_attachment_and_it_is_recorded(
        self, request, staff_client, persona, stored_document
    ):
        user = request.getfixturevalue(persona)
        response = staff_client(user).get(self.url(stored_document))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert 'filename="letter.pdf"' in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "application/pdf"
        with stored_document.file.open("rb") as handle:
            assert b"".join(response.streaming_content) == handle.read()
        event = ReferralEvent.objects.get(kind="document_downloaded")
        assert event.actor == user and event.referral == stored_document.referral
        assert event.data["document"] == stored_document.pk
        review = staff_client(user).get(reverse("admin:referrals_referral_change", args=[event.referral.pk]))
        assert "<strong>Document downloaded</strong>" in review.content.decode()

    def test_unknown_document_is_404(self, staff_client, coordinator, db):
        assert (
            staff_client(coordinator).get(reverse("referrals:document-download", args=[999999])).status_code
            == 404
        )

    def test_files_of_an_unfinished_form_cannot_be_downloaded(self, client, staff_client, coordinator):
        client.post(
            reverse("referrals:provider-referral"), {**provider_post(npi="1"), "referral_letter": pdf_file()}
        )
        pending = Document.objects.get()
        assert staff_client(coordinator).get(self.url(pending)).status_code == 404
