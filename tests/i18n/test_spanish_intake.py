"""The self-referral wizard in Spanish at /es/refer/: wording, errors, crisis resources, language kept."""

import json
import re
import subprocess
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from referrals import notifications, saved_intakes
from referrals.models import QuestionnaireText, Referral
from referrals.questionnaires import DEFAULT_TEXTS
from referrals.views.intake import current_questionnaire
from tests.intake_data import step_data
from tests.intake_flow import complete, payload, step_of
from tests.test_html_valid import vnu_command  # noqa: F401, F811 (a fixture)

pytestmark = pytest.mark.django_db


def run_to_es(client, stop_at: str, data: dict):
    """tests.intake_flow.run_to on the Spanish pages: each post goes to the page just shown (/es/...)."""
    response = client.get(spanish(None, "referrals:intake"), follow=True)
    for _ in range(20):
        step = step_of(response)
        if step == stop_at:
            return response
        assert response.request["PATH_INFO"].startswith("/es/refer/self/")
        response = client.post(
            response.request["PATH_INFO"], payload(step, data.get(step, {}), response), follow=True
        )
        assert step_of(response) != step, f"step {step} did not advance"
    raise AssertionError(f"never reached {stop_at}")


def complete_es(client, data: dict):
    review = run_to_es(client, "review", data)
    return client.post(review.request["PATH_INFO"], payload("review", {}, review), follow=True)


def spanish(client, name, *args):
    with translation.override("es"):
        return reverse(name, args=args)


def test_spanish_urls_carry_the_prefix():
    assert spanish(None, "referrals:intake-step", "about") == "/es/refer/self/about/"


def test_first_step_in_spanish(client):
    response = client.get(spanish(client, "referrals:intake-step", "about"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="es"' in html
    for words in (
        "Sobre usted",
        "Nombre",
        "Fecha de nacimiento",
        "Guardar y continuar",
        "Sexo asignado al nacer",
    ):
        assert words in html
    assert "Save and continue" not in html
    # The idle warning's second message is in the page, translated, for intake.js to show.
    assert "borró sus respuestas después de 2 horas" in html
    # The new optional question on the contact step.
    assert "Idioma que debemos usar con usted" in html and 'lang="es">Español' in html


def test_errors_in_spanish(client):
    url = spanish(client, "referrals:intake-step", "about")
    client.get(url)
    response = client.post(url, payload("about", {}), follow=True)
    html = response.content.decode()
    assert "problemas con sus respuestas" in html
    assert "Escriba su fecha de nacimiento" in html
    assert "Responda esta pregunta: Nombre" in html
    assert "Elija una respuesta" in html
    assert "Enter your date of birth" not in html


def test_english_wizard_unchanged(client):
    response = client.get(reverse("referrals:intake-step", args=["about"]))
    html = response.content.decode()
    assert '<html lang="en"' in html
    assert "About you" in html and "Save and continue" in html and "Language we should use" in html
    response = client.post(
        reverse("referrals:intake-step", args=["about"]), payload("about", {}), follow=True
    )
    html = response.content.decode()
    assert "Enter first name" in html and "Enter your date of birth" in html


def crisis_data():
    data = step_data("trd")
    data["safety"] = {"asq_q1": "yes", "asq_q2": "no", "asq_q3": "no", "asq_q4": "no", "asq_acuity": "no"}
    return data


def test_spanish_submit_keeps_the_language_and_shows_crisis_resources(client):
    data = crisis_data()
    data["about"]["preferred_language"] = "Spanish"
    response = complete_es(client, data)
    html = response.content.decode()
    assert response.request["PATH_INFO"].startswith("/es/")
    assert "Su referido fue enviado" in html
    assert "oprima 2 para español" in html and "911" in html
    referral = Referral.objects.get()
    assert referral.language == "es"
    assert referral.preferred_language == "Spanish"
    # Staff read the answers with English labels.
    questions = [row["question"] for section in referral.details["summary"] for row in section["rows"]]
    assert "First name" in questions and "Nombre" not in questions
    # The patient's email is in Spanish, with a Spanish link.
    notifications.send_due()
    body = mail.outbox[0].body
    assert "Recibimos su referido" in body and "/es/" in body


def test_crisis_panel_on_the_steps_in_spanish(client):
    response = run_to_es(client, "review", crisis_data())
    html = response.content.decode()
    assert "Hay ayuda para usted ahora mismo" in html
    assert "oprima 2 para español" in html and "llame al 911" in html


def test_english_submit_is_english(client):
    data = step_data()
    data["about"]["preferred_language"] = "other"
    data["about"]["preferred_language_other"] = "Tagalog"
    complete(client, data)
    referral = Referral.objects.get()
    assert referral.language == "en"
    assert referral.preferred_language == "Tagalog"


def test_preferred_language_is_optional(client):
    complete(client, step_data())
    assert Referral.objects.get().preferred_language == ""


def test_typed_language_is_dropped_when_a_listed_one_is_chosen(client):
    data = step_data()
    data["about"].update(preferred_language="English", preferred_language_other="Spanish too")
    complete(client, data)
    assert Referral.objects.get().preferred_language == "English"


def test_questionnaire_wording_in_the_page_language():
    from referrals.questionnaires import default_texts

    # No Spanish row yet: the Spanish wording shipped in code (questionnaires.current_texts).
    assert current_questionnaire("es") == default_texts("es")
    texts = {**DEFAULT_TEXTS, "phq9": {**DEFAULT_TEXTS["phq9"], "stem": "Durante las últimas 2 semanas"}}
    QuestionnaireText.objects.create(version="es-test", language="es", texts=texts)
    version, used = current_questionnaire("es")
    assert version == "es-test" and used["phq9"]["stem"] == "Durante las últimas 2 semanas"
    assert current_questionnaire("en")[0] != "es-test"
    # A language with neither a row nor a default gets English.
    assert current_questionnaire("fr") == default_texts("en")


def test_review_page_in_spanish(client):
    response = run_to_es(client, "review", step_data())
    html = response.content.decode()
    assert "Revise sus respuestas" in html and "Enviar mi referido" in html
    assert "Cambiar" in html and "Sí" in html
    assert re.search(r"Mostrar \d+ respuestas? de No o ninguno", html)


def save_for_later():
    """A saved intake in the active language; its link email waits in the outbox."""
    return saved_intakes.save(
        email="avery@example.com",
        date_of_birth=timezone.localdate().replace(year=1981),
        state={},
        current_step="health",
        session_key="",
    )


def test_resume_email_date_reads_naturally_in_spanish(client):
    expires = timezone.now() + timedelta(days=7)
    with translation.override("es"):
        saved = save_for_later()
    notifications.send_due()
    body = mail.outbox[-1].body
    assert "Nos pidió guardar su formulario" in body
    month = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
             "octubre", "noviembre", "diciembre"][timezone.localtime(saved.expires_at).month - 1]  # fmt: skip
    assert re.search(rf"vence el \d{{1,2}} de {month} de \d{{4}}", body), body
    assert abs((saved.expires_at - expires).days) <= 7


def test_resume_email_date_in_english():
    saved = save_for_later()
    notifications.send_due()
    body = mail.outbox[-1].body
    expected = timezone.localtime(saved.expires_at).strftime("%B %-d, %Y")
    assert f"expires on {expected}" in body


def test_every_wizard_string_is_translated():
    import polib
    from django.conf import settings

    po = polib.pofile(str(settings.BASE_DIR / "locale/es/LC_MESSAGES/django.po"))
    ours = ("referrals/forms/intake.py", "referrals/forms/fields.py", "referrals/views/intake.py",
            "templates/referrals/intake/", "templates/emails/patient_received", "templates/emails/patient_resume")  # fmt: skip
    missing = [
        e.msgid
        for e in po
        if any(path.startswith(ours) for path, _line in e.occurrences) and (not e.translated() or e.fuzzy)
    ]
    assert missing == []


def test_spanish_wizard_pages_are_valid_html(client, vnu_command, tmp_path):  # noqa: F811
    """Every Spanish step of the longest path (with the crisis panel), its errors, review and confirmation."""
    pages = {"start": client.get(spanish(None, "referrals:start")).content}
    about = spanish(None, "referrals:intake-step", "about")
    client.get(about)
    pages["errors"] = client.post(about, payload("about", {}), follow=True).content
    data = crisis_data()
    response = client.get(spanish(None, "referrals:intake"), follow=True)
    for _ in range(20):
        step = step_of(response)
        pages[step] = response.content
        if step == "review":
            break
        response = client.post(
            response.request["PATH_INFO"], payload(step, data.get(step, {}), response), follow=True
        )
    response = client.post(response.request["PATH_INFO"], payload("review", {}, response), follow=True)
    pages["confirmation"] = response.content
    files = []
    for name, content in pages.items():
        assert b'<html lang="es"' in content, name
        file = tmp_path / f"es-{name}.html"
        file.write_bytes(content)
        files.append(str(file))
    result = subprocess.run(
        [*vnu_command, "--errors-only", "--format", "json", "--stdout", *files],
        capture_output=True,
        timeout=120,
    )
    messages = json.loads(result.stdout or b"{}").get("messages", [])
    problems = [f"{m.get('url', '').rsplit('/', 1)[-1]}: {m.get('message')}" for m in messages]
    assert problems == []


def test_save_and_finish_later_in_spanish(client):
    review = run_to_es(client, "health", step_data())
    response = client.post(
        review.request["PATH_INFO"], {**payload("health", {}), "wizard_save_later": "1"}, follow=True
    )
    assert response.request["PATH_INFO"].startswith("/es/")
    assert "Guardar y terminar después" in response.content.decode()
    response = client.post(response.request["PATH_INFO"], {"email": "avery@example.com"}, follow=True)
    html = response.content.decode()
    assert "Sus respuestas están guardadas" in html and "Enviarme un enlace nuevo" in html
    notifications.send_due()
    body = mail.outbox[-1].body
    assert "Su enlace para terminar" in mail.outbox[-1].subject
    link = re.search(r"https?://\S+?(/es/refer/resume/[^\s/]+/)", body).group(1)
    html = client.get(link).content.decode()
    assert "Termine su formulario de referido" in html and "Continuar" in html
    html = client.post(link, {"date_of_birth": "1950-01-01"}).content.decode()
    assert "No pudimos abrir su formulario guardado" in html
    assert "oprima 2 para español" in html
