"""Uploaded documents: checked by content, images re-encoded, stored privately under random names.

Used by the provider referral and by the documents step of the intake. Files of an unfinished
form are stored at once as `Document` rows keyed by an upload key (the session key for the
intake) with no referral, so nothing is lost on Back; the workflow attaches them on submit, and
`manage.py purge_abandoned_uploads` removes those of abandoned forms.
"""

import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import timedelta

import pikepdf
import pikepdf.settings
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

from referrals.models import Document, SavedIntake

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"

# Images larger than this many pixels are refused before decoding (decompression bombs).
MAX_IMAGE_PIXELS = 40_000_000

# Signatures of executables, archives, scripts and markup that have no place in a letter or a photo.
# Checked in the first bytes of every file, and through the whole file for the unmistakable ones,
# so a polyglot (a PDF header followed by an EXE, a PNG with a ZIP on its end) is refused.
_HEAD_SIGNATURES = (
    b"\x7fELF",
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"Rar!",
    b"7z\xbc\xaf\x27\x1c",
    b"\xca\xfe\xba\xbe",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xcf\xfa\xed\xfe",
    b"\xce\xfa\xed\xfe",
    b"<?php",
    b"<script",
    b"<html",
    b"<svg",
    b"\xd0\xcf\x11\xe0",  # OLE (old Office documents with macros)
)
_ANYWHERE_SIGNATURES = (
    b"\x7fELF\x01",
    b"\x7fELF\x02",
    b"This program cannot be run in DOS mode",
    b"MZ\x90\x00\x03\x00",
    b"PK\x03\x04\x14\x00",
    b"PK\x03\x04\x0a\x00",
    b"PK\x05\x06\x00\x00",
    b"<?php",
    b"<script",
)
HEAD_WINDOW = 4096

# Active content a referral letter never needs; such a PDF is refused with advice to re-save it.
# Checked on the parsed objects (qpdf through pikepdf): streams and object streams decompressed,
# names decoded (`/Java#53cript` is `/JavaScript`), every object in the file, referenced or not.
_PDF_ACTIVE_KEYS = frozenset({
    "/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/EF", "/XFA", "/RichMediaContent",
    "/RichMediaSettings", "/Launch",
})  # fmt: skip
_PDF_ACTIVE_ACTIONS = frozenset({
    "/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/RichMediaExecute", "/Rendition",
})  # fmt: skip
_SCRIPT_URI = re.compile(rb"\s*(javascript|vbscript|data):", re.IGNORECASE)
_PDF_ACTIVE_TYPES = frozenset({"/EmbeddedFile", "/FileAttachment", "/RichMedia", "/Sound", "/Movie"})
# A file with more objects than this is not a letter or a scan; refused rather than walked.
MAX_PDF_OBJECTS = 200_000
# qpdf unpacks compressed object streams to read the objects in them; cap what one stream may
# unpack to, so a 10 MB upload cannot expand into gigabytes (such a file reads as damaged).
# Content streams and images are never decoded here (the copy is saved with them as they are).
# qpdf's limits are process-wide; nothing else in the app uses pikepdf.
PDF_MAX_DECODED_BYTES = 64 * 1024 * 1024
pikepdf.settings.set_qpdf_limits(
    flate_max_memory=PDF_MAX_DECODED_BYTES,
    run_length_max_memory=PDF_MAX_DECODED_BYTES,
    png_max_memory=PDF_MAX_DECODED_BYTES,
    tiff_max_memory=PDF_MAX_DECODED_BYTES,
)


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check, ready to store (images already re-encoded)."""

    content: bytes
    content_type: str
    display_name: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def max_bytes() -> int:
    return getattr(settings, "MAX_UPLOAD_FILE_BYTES", 10 * 1024 * 1024)


def max_files() -> int:
    return getattr(settings, "MAX_DOCUMENTS_PER_REFERRAL", 5)


def display_name(name: str, content_type: str) -> str:
    """The uploader's file name made safe to show: no path, no control characters, our extension."""
    name = unicodedata.normalize("NFKC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name)
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = re.sub(r"[^\w .()-]", "_", stem).strip(" ._")
    stem = re.sub(r"\s+", " ", stem)[:80] or "document"
    return f"{stem}.{EXTENSIONS[content_type]}"


def _megabytes(count: int) -> str:
    return f"{count / (1024 * 1024):.0f} MB"


def sniff(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def _has_foreign_content(data: bytes, content_type: str, *, skip: int) -> bool:
    head = data[:HEAD_WINDOW]
    # The real header occupies the first bytes; look for a second format right after it.
    if any(sig in head[skip:] for sig in _HEAD_SIGNATURES):
        return True
    if content_type == PDF and re.search(rb"[\r\n]MZ|[\r\n]#!", head[:1024]):
        return True  # a PDF's first lines are text: an executable or script starting on one is a polyglot
    if content_type == PNG:
        end = data.rfind(b"IEND")
        if end != -1 and len(data) > end + 8:
            return True  # anything after the PNG's end chunk (its CRC is the last 4 bytes)
    return any(sig in data for sig in _ANYWHERE_SIGNATURES)


def check_upload(upload) -> CheckedFile:
    """Check an uploaded file by its content; raise ValidationError with a plain message.

    PDF, JPEG and PNG only, at most `max_bytes()`, never empty, no other format hidden inside.
    Images are opened and re-encoded with Pillow, which drops EXIF (location, camera) and any
    trailing data; the original bytes are never stored.
    """
    original = getattr(upload, "name", "") or ""
    shown = re.split(r"[\\/]", original)[-1][:80] or gettext("This file")
    size = getattr(upload, "size", None)
    limit = max_bytes()
    if size is not None and size > limit:
        raise ValidationError(
            gettext("%(file)s is too large. Each file must be %(limit)s or smaller.")
            % {"file": shown, "limit": _megabytes(limit)},
            code="too_large",
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    if not data:
        raise ValidationError(
            gettext("%(file)s is empty. Choose the file again, or a different file.") % {"file": shown},
            code="empty",
        )
    if len(data) > limit:
        raise ValidationError(
            gettext("%(file)s is too large. Each file must be %(limit)s or smaller.")
            % {"file": shown, "limit": _megabytes(limit)},
            code="too_large",
        )
    content_type = sniff(data[:16])
    if content_type is None:
        raise ValidationError(
            gettext("%(file)s is not a PDF, JPEG or PNG file. Save or scan it as one of these and try again.")
            % {"file": shown},
            code="type",
        )
    skip = 5 if content_type == PDF else (3 if content_type == JPEG else 8)
    if _has_foreign_content(data, content_type, skip=skip):
        raise ValidationError(
            gettext(
                "%(file)s contains something other than a document or a picture, so we cannot accept it. "
                "Save it again as a plain PDF, JPEG or PNG, or scan it."
            )
            % {"file": shown},
            code="polyglot",
        )
    if content_type == PDF:
        content = _check_pdf(data, shown)
    else:
        content = _reencode_image(data, content_type, shown)
    return CheckedFile(
        content=content,
        content_type=content_type,
        display_name=display_name(original, content_type),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _pdf_active_content(pdf: "pikepdf.Pdf") -> str | None:
    """The first kind of active content in any object of the file, or None.

    Every indirect object is visited (those in compressed object streams too), and every direct
    dictionary and array inside it; references are not followed, their targets are visited anyway.
    """
    visited = 0
    for top in pdf.objects:
        stack = [top]
        while stack:
            obj = stack.pop()
            visited += 1
            if visited > MAX_PDF_OBJECTS:
                return "too many objects"
            if isinstance(obj, pikepdf.Stream):
                obj = obj.stream_dict
            if isinstance(obj, pikepdf.Dictionary):
                for key in obj.keys():
                    if key in _PDF_ACTIVE_KEYS:
                        return key
                    value = obj.get(key)
                    if isinstance(value, pikepdf.Name):
                        name = str(value)
                        if key == "/S" and name in _PDF_ACTIVE_ACTIONS:
                            return name
                        if key in ("/Type", "/Subtype") and name in _PDF_ACTIVE_TYPES:
                            return name
                    elif isinstance(value, pikepdf.String):
                        if key == "/URI" and _SCRIPT_URI.match(bytes(value)):
                            return "javascript: link"
                    elif isinstance(value, (pikepdf.Dictionary, pikepdf.Array)) and not value.is_indirect:
                        stack.append(value)
            elif isinstance(obj, pikepdf.Array):
                stack.extend(
                    item
                    for item in obj
                    if isinstance(item, (pikepdf.Dictionary, pikepdf.Array)) and not item.is_indirect
                )
    return None


def _check_pdf(data: bytes, shown: str) -> bytes:
    """Parse the PDF, refuse active content, and return a rewritten copy (only what the pages use)."""
    if b"%%EOF" not in data[-2048:]:
        raise ValidationError(
            gettext("%(file)s is not a complete PDF file. Save or scan it again and try again.")
            % {"file": shown},
            code="pdf_truncated",
        )
    resave = gettext("Print it to a new PDF, or scan it, and upload that.")
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if pdf.is_encrypted:
                raise ValidationError(
                    gettext(
                        "%(file)s is locked with a password or encrypted, so we cannot check it. Save an "
                        "unlocked copy and upload that, or scan it."
                    )
                    % {"file": shown},
                    code="pdf_encrypted",
                )
            found = _pdf_active_content(pdf)
            if found == "too many objects":
                raise ValidationError(
                    gettext("%(file)s is too complex a PDF for us to check. %(resave)s")
                    % {"file": shown, "resave": resave},
                    code="pdf_complex",
                )
            if found:
                raise ValidationError(
                    gettext(
                        "%(file)s contains scripts, actions, forms or attached files, which we cannot "
                        "accept. %(resave)s"
                    )
                    % {"file": shown, "resave": resave},
                    code="pdf_active",
                )
            out = io.BytesIO()
            # Only objects reachable from the document are written: anything hidden is dropped.
            pdf.save(
                out,
                compress_streams=True,
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
                deterministic_id=True,
            )
    except ValidationError:
        raise
    except pikepdf.PasswordError:
        raise ValidationError(
            gettext(
                "%(file)s is locked with a password, so we cannot open it. Save an unlocked copy and "
                "upload that, or scan it."
            )
            % {"file": shown},
            code="pdf_encrypted",
        ) from None
    except (pikepdf.PdfError, ValueError, RuntimeError, RecursionError, OSError):
        raise ValidationError(
            gettext("%(file)s could not be opened as a PDF: it may be damaged. %(resave)s")
            % {"file": shown, "resave": resave},
            code="pdf_broken",
        ) from None
    return out.getvalue()


def _reencode_image(data: bytes, content_type: str, shown: str) -> bytes:
    unreadable = ValidationError(
        gettext("%(file)s could not be opened as a picture. Save it again as a JPEG or PNG and try again.")
        % {"file": shown},
        code="image",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.width * probe.height > MAX_IMAGE_PIXELS:
                    raise ValidationError(
                        gettext("%(file)s is too large a picture. Take or save it at a lower resolution.")
                        % {"file": shown},
                        code="image_pixels",
                    )
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)  # keep photos upright once EXIF is gone
                out = io.BytesIO()
                if content_type == JPEG:
                    if image.mode not in ("RGB", "L", "CMYK"):
                        image = image.convert("RGB")
                    image.save(out, format="JPEG", quality=90, optimize=True)
                else:
                    if image.mode not in ("RGB", "RGBA", "L", "LA", "P", "1", "I;16"):
                        image = image.convert("RGBA")
                    image.save(out, format="PNG", optimize=True)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):  # fmt: skip
        raise unreadable from None
    return out.getvalue()


# --- Storage ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadOwner:
    """Whose documents these are: an unfinished form (its upload key) and, maybe, a referral."""

    key: str
    referral_id: int | None = None
    # Set by a caller that knows this form has stored nothing yet: saves a query on every page.
    known_empty: bool = False

    def pending(self):
        if not self.key or self.known_empty:
            return Document.objects.none()
        return Document.objects.filter(session_key=self.key, referral__isnull=True)

    def documents(self) -> list[Document]:
        docs = list(self.pending())
        if self.referral_id:
            docs = list(Document.objects.filter(referral_id=self.referral_id)) + docs
        return docs

    def count(self) -> int:
        total = self.pending().count()
        if self.referral_id:
            total += Document.objects.filter(referral_id=self.referral_id).count()
        return total


def store(checked: CheckedFile, *, owner: UploadOwner, kind: str = Document.Kind.OTHER) -> Document:
    """Save a checked file through the default (private) storage as a pending document of `owner`."""
    if not owner.key:
        raise ValueError("An upload needs an upload key.")
    document = Document(
        session_key=owner.key,
        kind=kind,
        original_name=checked.display_name[:120],
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )
    # The name passed here is ignored: models.document_upload_to picks a random one.
    document.file.save("upload", ContentFile(checked.content), save=False)
    try:
        document.save()
    except Exception:
        document.file.delete(save=False)
        raise
    return document


def delete_documents(queryset) -> int:
    """Delete document rows and, once the transaction commits, their files."""
    names = list(queryset.values_list("file", flat=True))
    count, _ = queryset.delete()
    storage = Document._meta.get_field("file").storage

    def remove_files():
        for name in names:
            if name:
                storage.delete(name)

    transaction.on_commit(remove_files)
    return count


def remove_pending(owner: UploadOwner, pks) -> int:
    """Remove the given pending documents of this form (and only of this form)."""
    ids = [int(pk) for pk in pks if str(pk).isdigit()]
    if not ids:
        return 0
    return delete_documents(owner.pending().filter(pk__in=ids))


def claim_session_uploads(referral, session_key: str) -> None:
    """The form was submitted: the files uploaded in its session now belong to the referral it stored."""
    if session_key:
        Document.objects.filter(session_key=session_key, referral__isnull=True).update(
            referral=referral, session_key=""
        )


def discard_session_uploads(session_key: str | None) -> int:
    """The patient started over: their unsubmitted files go."""
    if not session_key:
        return 0
    return delete_documents(Document.objects.filter(session_key=session_key, referral__isnull=True))


def purge_abandoned(*, now=None) -> int:
    """Remove files of forms abandoned for longer than a patient's session lasts."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    live = Session.objects.filter(expire_date__gt=now).values("session_key")
    saved = SavedIntake.objects.filter(expires_at__gt=now).values("upload_key")  # waiting to be resumed
    stale = (
        Document.objects.filter(referral__isnull=True, uploaded_at__lt=cutoff)
        .exclude(session_key__in=live)
        .exclude(session_key__in=saved)
    )
    return delete_documents(stale)
