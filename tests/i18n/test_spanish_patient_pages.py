"""The rest of the patient's path in Spanish at /es/: the self-check, the status page, the completion
link and its wizard shell, the information-request reply page, and the patient's emails.

English stays unprefixed and unchanged (the existing tests of each view check its words).
"""

import re
from datetime import date

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from referrals import demo, notifications, workflow
from referrals.intake_length import STATED_MINUTES
from referrals.models import Referral
from tests.readability_es import reading_ease
from tests.referrals.provider_data import completion_token, send_provider_referral
from tests.referrals.test_completion_link import DOB, CompletionDriver, patient_data
from tests.test_readability import main_text

pytestmark = pytest.mark.django_db
MIN_EASE = 70.0
MINUTES_ES = f"{STATED_MINUTES[0]} a {STATED_MINUTES[1]} minutos"


def es(path: str) -> str:
    """The same page in Spanish: English paths are unprefixed, Spanish ones under /es/."""
    assert not path.startswith("/es/")
    return f"/es{path}"


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    content = response.content.decode()
    assert '<html lang="es"' in content
    return content


SELF_CHECK = {"age_band": "18_49", "indication": "trd", "pregnancy": "no", "substance": "no", "safety": "no"}


class SelfCheckTests:
    def test_form_in_spanish(self, client):
        content = page(client.get(es(reverse("referrals:self-check"))))
        assert "¿Es la infusión de ketamina buena para mí?" in content
        assert "¿Qué edad tiene?" in content
        assert "Corazón y presión arterial" in content
        assert "en los últimos 6 meses" in content  # the policy's look-back, in the Spanish sentence
        assert "oprima 2 para español" in content
        assert "Could ketamine infusion be right for me?" not in content
        assert "Tick all that apply" not in content

    def test_errors_in_spanish(self, client):
        content = page(client.post(es(reverse("referrals:self-check")), {}))
        assert "Elija su grupo de edad" in content
        assert "Choose an answer" not in content

    def test_result_in_spanish(self, client):
        content = page(
            client.post(es(reverse("referrals:self-check")), {**SELF_CHECK, "serious": ["theophylline"]})
        )
        assert "Su autoevaluación: de qué hablar" in content
        assert "Tomar teofilina o aminofilina." in content
        assert f"el formulario toma unos {MINUTES_ES}" in content
        # Its links stay in Spanish.
        assert f'href="{es(reverse("referrals:start"))}"' in content
        assert f'href="{es(reverse("referrals:provider-referral"))}"' in content
        assert "Things to raise" not in content

    def test_safety_answer_shows_988_press_2_and_911_in_spanish(self, client):
        content = page(client.post(es(reverse("referrals:self-check")), {**SELF_CHECK, "safety": "yes"}))
        panel = re.search(
            r'<section class="callout callout-warning crisis-panel".*?</section>', content, re.S
        )
        assert panel, "the crisis panel is shown"
        text = panel.group(0)
        assert "Hay ayuda para usted ahora mismo" in text
        assert "988" in text and "oprima 2 para español" in text
        assert "llame al 911" in text
        assert "Support is available" not in content

    def test_form_and_result_read_easily(self, client):
        form = main_text(client.get(es(reverse("referrals:self-check"))).content.decode())
        result = main_text(client.post(es(reverse("referrals:self-check")), SELF_CHECK).content.decode())
        topics = main_text(
            client.post(
                es(reverse("referrals:self-check")),
                {**SELF_CHECK, "age_band": "65_plus", "heart": ["heart_condition"], "safety": "yes"},
            ).content.decode()
        )
        for name, blocks in (("form", form), ("result", result), ("result with topics", topics)):
            assert reading_ease(blocks) >= MIN_EASE, f"self-check {name}: {reading_ease(blocks):.1f}"


def make_referral(status):
    return Referral.objects.create(
        source=Referral.Source.SELF,
        status=status,
        first_name="Avery",
        last_name="Statuspatient",
        date_of_birth=date(1981, 4, 12),
        email="avery@example.com",
    )


class StatusPageTests:
    def test_form_in_spanish(self, client):
        content = page(client.get(es(reverse("referrals:check-status"))))
        assert "Ver el estado de un referido" in content
        assert "Código de referencia" in content
        assert "Fecha de nacimiento del paciente" in content

    @pytest.mark.parametrize(
        ("status", "words"),
        [
            ("submitted", "Recibido"),
            ("awaiting_patient", "Esperando sus preguntas de salud"),
            ("in_review", "En revisión"),
            ("needs_info", "Necesitamos más información"),
            ("cleared", "Con autorización médica: lo llamaremos"),
            ("scheduled", "Cita programada"),
            ("not_eligible", "No cumple los requisitos por ahora"),
            ("withdrawn", "Cerrado"),
        ],
    )
    def test_each_status_name_in_spanish(self, client, status, words):
        referral = make_referral(status)
        content = page(
            client.post(
                es(reverse("referrals:check-status")),
                {"reference": referral.reference, "date_of_birth": "1981-04-12"},
            )
        )
        heading = re.search(r'<h2 id="status-heading"[^>]*>(.*?)</h2>', content, re.S).group(1)
        assert heading.strip() == words

    def test_not_found_and_errors_in_spanish(self, client):
        content = page(
            client.post(
                es(reverse("referrals:check-status")),
                {"reference": "AAA-BBB-CCC", "date_of_birth": "1981-04-12"},
            )
        )
        assert "No encontramos un referido con estos datos" in content
        content = page(client.post(es(reverse("referrals:check-status")), {"reference": "x"}))
        assert "Escriba las 9 letras y números" in content
        assert "Escriba su fecha de nacimiento" in content


class SpanishCompletionDriver(CompletionDriver):
    def start(self):
        self.response = self.client.get(es(reverse("referrals:complete-intake")), follow=True)
        assert self.response.status_code == 200
        return self.response

    def post(self, step=None, values=None, **extra):
        step = step or self.current_step
        url = es(reverse("referrals:complete-step", args=[step]))
        self.response = self.client.post(url, self.payload(step, values, **extra), follow=True)
        return self.response


@pytest.fixture
def provider_referral():
    send_provider_referral(Client())
    referral = Referral.objects.get()
    return referral, completion_token(referral)


class CompletionLinkTests:
    def test_link_pages_in_spanish(self, client, provider_referral):
        _referral, token = provider_referral
        link = es(reverse("referrals:complete", args=[token]))
        content = page(client.get(link))
        assert "Complete su referido" in content
        assert f"Toma unos {MINUTES_ES}." in content
        content = page(client.post(link, {"date_of_birth": "1990-01-01"}))
        assert "No pudimos abrir su formulario" in content
        assert f'href="{es(reverse("referrals:check-status"))}"' in content

    def test_wizard_shell_in_spanish(self, client, provider_referral):
        _referral, token = provider_referral
        response = client.post(es(reverse("referrals:complete", args=[token])), {"date_of_birth": DOB})
        assert response.status_code == 302 and response["Location"].startswith("/es/")
        content = page(client.get(response["Location"], follow=True))
        assert "Su profesional de salud nos dio algunos de estos datos." in content
        assert "complete su referido" in content  # the page title

    def test_completing_in_spanish_records_spanish(self, client, provider_referral):
        referral, token = provider_referral
        assert referral.language == "en"
        client.post(es(reverse("referrals:complete", args=[token])), {"date_of_birth": DOB})
        driver = SpanishCompletionDriver(client, patient_data())
        driver.start()
        response = driver.complete()
        assert response.request["PATH_INFO"].startswith("/es/")
        referral.refresh_from_db()
        assert referral.status == Referral.Status.SUBMITTED
        assert referral.language == "es"
        # The emails it queues are the patient's in Spanish.
        received = referral.notifications.get(template="patient_received")
        assert received.language == "es"

    def test_completing_in_english_stays_english(self, client, provider_referral):
        referral, token = provider_referral
        client.post(reverse("referrals:complete", args=[token]), {"date_of_birth": DOB})
        driver = CompletionDriver(client, patient_data())
        driver.start()
        driver.complete()
        referral.refresh_from_db()
        assert referral.status == Referral.Status.SUBMITTED
        assert referral.language == "en"


@pytest.fixture
def asked(coordinator, clinician):
    referral = demo.make_referral("in_review", coordinator=coordinator, clinician=clinician)
    info, token = workflow.request_info(
        referral, actor=coordinator, items=["blood_pressure", "medications", "insurance"], message="Hola."
    )
    return referral, info, token


class InfoReplyTests:
    def test_reply_page_in_spanish(self, client, asked):
        _referral, _info, token = asked
        link = es(reverse("referrals:info-response", args=[token]))
        content = page(client.get(link))
        assert "Envíenos más información" in content
        assert "La fecha de nacimiento del paciente" in content
        response = client.post(link, {"stage": "verify", "date_of_birth": "1981-04-12"})
        assert response.status_code == 302 and response["Location"].startswith("/es/")
        content = page(client.get(response["Location"]))
        assert "Una medida reciente de la presión arterial" in content
        assert "Número de arriba (sistólica)" in content
        assert "Sus medicinas actuales" in content
        assert "¿Cómo se pagará el tratamiento?" in content
        content = page(client.post(link, {"stage": "answer", "payment": "insurance"}))
        assert "Escriba el número de arriba" in content
        assert "Escriba sus medicinas actuales" in content
        assert "Escriba la compañía de seguro" in content
        content = page(
            client.post(
                link,
                {
                    "stage": "answer",
                    "bp_systolic": "130",
                    "bp_diastolic": "80",
                    "bp_taken_on": "2026-11-01",
                    "medications": "Ninguna",
                    "payment": "self_pay",
                },
            )
        )
        assert "Gracias: ya tenemos su información" in content

    def test_bad_link_in_spanish(self, client):
        link = es(reverse("referrals:info-response", args=["not-a-token"]))
        content = page(client.post(link, {"stage": "verify", "date_of_birth": "1981-04-12"}))
        assert "No pudimos abrir esta solicitud" in content

    def test_english_reply_page_unchanged(self, client, asked):
        _referral, _info, token = asked
        content = client.get(reverse("referrals:info-response", args=[token])).content.decode()
        assert '<html lang="en"' in content and "Send us more information" in content


def sent():
    notifications.send_due()
    return [m for m in mail.outbox if m.to == ["patient@example.com"]][-1]


class EmailTests:
    def referral(self, **fields):
        return Referral.objects.create(
            source=Referral.Source.SELF,
            status=Referral.Status.SUBMITTED,
            first_name="Avery",
            last_name="Emailpatient",
            date_of_birth=date(1981, 4, 12),
            email="patient@example.com",
            **fields,
        )

    def test_status_update_in_spanish(self):
        referral = self.referral(language="es")
        notifications.queue(
            referral, "patient_status_update", referral.email, status_url=notifications.status_url()
        )
        message = sent()
        assert message.subject == f"Hay novedades sobre el referido {referral.reference}"
        assert message.body.startswith("Hola:")
        assert "Para verlas, visite esta página" in message.body
        assert notifications.absolute_url(es(reverse("referrals:check-status"))) in message.body
        assert "update" not in message.body

    def test_info_request_in_spanish(self):
        referral = self.referral()
        link = notifications.absolute_url(reverse("referrals:info-response", args=["a-token"]))
        notifications.queue(referral, "patient_info_request", referral.email, language="es", link=link)
        message = sent()
        assert message.subject == f"Necesitamos un poco más de información ({referral.reference})"
        assert "El enlace vence en 14 días." in message.body
        assert (
            notifications.absolute_url(es(reverse("referrals:info-response", args=["a-token"])))
            in message.body
        )

    def test_complete_health_questions_in_spanish(self):
        referral = self.referral(language="es")
        link = notifications.absolute_url(reverse("referrals:complete", args=["a-token"]))
        notifications.queue(referral, "patient_complete_health_questions", referral.email, link=link)
        message = sent()
        assert message.subject == f"Por favor, responda sus preguntas de salud ({referral.reference})"
        assert f"Toma unos {MINUTES_ES}." in message.body
        assert "oprima 2 para español" in message.body and "911" in message.body
        assert notifications.absolute_url(es(reverse("referrals:complete", args=["a-token"]))) in message.body
        assert f"Su código de referencia es: {referral.reference}" in message.body

    def test_english_emails_unchanged(self):
        referral = self.referral()
        notifications.queue(
            referral, "patient_status_update", referral.email, status_url=notifications.status_url()
        )
        message = sent()
        assert message.subject == f"There is an update on referral {referral.reference}"
        assert message.body.startswith("Hello,\n\nThere is an update on your ketamine infusion referral")
        assert "/es/" not in message.body


ALL_TOPICS = {
    **SELF_CHECK,
    "age_band": "65_plus",
    "pregnancy": "yes",
    "substance": "recent",
    "safety": "yes",
    "heart": ["recent_event", "bp_uncontrolled", "heart_condition"],
    "mind": ["psychosis_current", "mania_recent", "psychosis_history", "bipolar"],
    "serious": ["aneurysm_or_avm", "brain_bleed", "raised_icp", "ketamine_allergy", "theophylline"],
}


def test_no_english_left_on_these_pages(coordinator, clinician):
    """Each page's main text, side by side in both languages: no sentence left the same."""
    from tests.test_i18n import clinic_blocks, english_left

    def both(method, path, data=None, client_pair=None):
        english_client, spanish_client = client_pair or (Client(), Client())
        call = "post" if method == "post" else "get"
        return (
            getattr(english_client, call)(path, data or {}),
            getattr(spanish_client, call)(es(path), data or {}),
        )

    pages = {
        "self-check": both("get", reverse("referrals:self-check")),
        "self-check result": both("post", reverse("referrals:self-check"), ALL_TOPICS),
        "self-check clear": both("post", reverse("referrals:self-check"), SELF_CHECK),
        "status": both("get", reverse("referrals:check-status")),
        "status not found": both(
            "post",
            reverse("referrals:check-status"),
            {"reference": "AAA-BBB-CCC", "date_of_birth": "1990-01-01"},
        ),
    }
    send_provider_referral(Client())
    token = completion_token(Referral.objects.get())
    link = reverse("referrals:complete", args=[token])
    pages["completion link"] = both("get", link)
    pages["completion problem"] = both("post", link, {"date_of_birth": "1990-01-01"})
    referral = demo.make_referral("in_review", coordinator=coordinator, clinician=clinician)
    _info, token = workflow.request_info(
        referral,
        actor=coordinator,
        items=["blood_pressure", "medications", "escort", "insurance"],
        message="Hi.",
    )
    reply = reverse("referrals:info-response", args=[token])
    pages["reply check"] = both("get", reply)
    clients = (Client(), Client())
    both("post", reply, {"stage": "verify", "date_of_birth": "1981-04-12"}, clients)
    pages["reply"] = both("get", reply, client_pair=clients)
    pages["reply problem"] = both(
        "post",
        reverse("referrals:info-response", args=["x"]),
        {"stage": "verify", "date_of_birth": "1981-04-12"},
    )
    problems = []
    for name, (english, spanish) in pages.items():
        assert english.status_code == spanish.status_code == 200, name
        problems += [
            f"{name}: {block}" for block in english_left(english.content, spanish.content, clinic_blocks())
        ]
    assert not problems, problems[:5]
