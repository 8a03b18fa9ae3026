"""Files and posts for the provider referral, completion link and document tests."""

import io
import re
import uuid

import pikepdf
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image


def make_pdf(modify=None, *, object_streams=False) -> bytes:
    """A real one-page PDF written by pikepdf; `modify(pdf)` may add to it before saving."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    if modify is not None:
        modify(pdf)
    out = io.BytesIO()
    mode = pikepdf.ObjectStreamMode.generate if object_streams else pikepdf.ObjectStreamMode.disable
    pdf.save(out, object_stream_mode=mode, compress_streams=object_streams)
    return out.getvalue()


PDF = make_pdf()


def pdf_file(name="letter.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def image_bytes(fmt="PNG", *, exif=False, size=(40, 30)) -> bytes:
    image = Image.new("RGB", size, (120, 160, 200))
    out = io.BytesIO()
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCameraMaker"  # Make
        data[0x0131] = "GPS-tracking-app"  # Software
        kwargs["exif"] = data.tobytes()
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def provider_post(token=None, **overrides) -> dict:
    data = {
        "referrer_name": "Dr Robin Example",
        "referrer_credentials": "MD",
        "npi": "1234567893",
        "practice": "Example Family Practice",
        "referrer_phone": "(555) 010-0150",
        "referrer_fax": "(555) 010-0151",
        "referrer_email": "robin@practice.example.com",
        "first_name": "Casey",
        "last_name": "Providerpatient",
        "date_of_birth": "1975-06-15",
        "email": "casey@example.com",
        "phone": "(555) 010-0160",
        "patient_aware": "on",
        "indication": "trd",
        "secondary_indications": ["anxiety"],
        "icd10_common": ["F33.2"],
        "icd10_other": "f411",
        "reason": "Recurrent severe depression, three failed antidepressant trials.",
        "urgency": "routine",
        "medications": "Sertraline 200 mg daily. No allergies.",
        "history": "No cardiac history. BP 124/80 last month.",
        "submission_token": str(token or uuid.uuid4()),
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def send_provider_referral(client, **overrides):
    data = provider_post(**overrides)
    data.setdefault("referral_letter", pdf_file())
    return client.post(reverse("referrals:provider-referral"), data)


def completion_token(referral) -> str:
    """The link emailed to the patient, read from the queued notification (the only place it exists)."""
    note = referral.notifications.get(template="patient_complete_health_questions")
    match = re.search(r"/complete/([^/]+)/", note.context.get("link", ""))
    if match is None:
        # Already sent: the outbox row no longer holds the link, only the email does.
        from django.core import mail

        bodies = [m.body for m in mail.outbox if note.recipient in m.to and referral.reference in m.body]
        match = next(filter(None, (re.search(r"/complete/([^/]+)/", body) for body in reversed(bodies))))
    return match.group(1)
