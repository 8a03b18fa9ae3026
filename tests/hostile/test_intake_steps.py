"""Hypothesis-driven posts to every step of the self-referral wizard: a clear answer, never a 500.

Each test walks a patient to one step with valid answers, then posts that step again and again with
one field replaced by a hostile value. Nothing may be stored, and afterwards the patient's answers
are still there: the valid post of the same step still moves on and the referral can be submitted.
"""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from referrals.models import Referral
from tests.hostile.strategies import SUITE, assert_clear, field_names, hostile_value, reset_limits, with_value
from tests.intake_data import step_data
from tests.intake_flow import payload, run_to, step_of

pytestmark = pytest.mark.django_db

# The PTSD path with a "yes" to PHQ-9 item 9 shows every step the wizard has.
DATA = step_data("ptsd", mood__phq9_9="1", health__can_become_pregnant="yes", health__pregnant="no",
                 about__sex_at_birth="female")  # fmt: skip
SURVIVAL_STEPS = ["about", "health", "mood", "practical"]
STEPS = [
    "about",
    "reason",
    "health",
    "health_mind",
    "medications",
    "mood",
    "safety",
    "more",
    "practical",
    "consent",
]


@pytest.mark.parametrize("step", STEPS)
class IntakeStepTests:
    @SUITE
    @given(data=st.data())
    def test_hostile_posts_to_a_step(self, client, step, data):
        reset_limits()
        if "_at" not in client.__dict__:
            page = run_to(client, step, DATA)
            client.__dict__["_at"] = field_names(page.content.decode())
        fields = [f for f in client.__dict__["_at"] if f.startswith(f"{step}-")]
        field = data.draw(st.sampled_from(fields))
        url = reverse("referrals:intake-step", args=[step])
        post = with_value(payload(step, DATA.get(step, {})), field, data.draw(hostile_value))
        response = client.post(url, post)
        assert_clear(response)
        assert Referral.objects.count() == 0


@pytest.mark.parametrize("step", SURVIVAL_STEPS)  # a sample of steps keeps the suite short
def test_answers_survive_hostile_posts(client, step):
    run_to(client, step, DATA)
    url = reverse("referrals:intake-step", args=[step])
    for value in ("\x00", "x" * 100_000, "2023-02-30", "not-a-choice"):
        post = payload(step, DATA.get(step, {}))
        for key in list(post):
            if key.startswith(f"{step}-"):
                post[key] = value
        assert_clear(client.post(url, post))
    # The valid answers still move on, and the whole referral is still submitted once.
    response = client.post(url, payload(step, DATA.get(step, {})), follow=True)
    assert step_of(response) != step
    review = run_to(client, "review", DATA)
    response = client.post(reverse("referrals:intake-step", args=["review"]), payload("review", {}, review))
    assert response.status_code == 302
    assert Referral.objects.count() == 1


class ManagementFormTests:
    @SUITE
    @given(step=st.one_of(st.sampled_from(["", "review", "finished", "nope", "../about"]), st.text(max_size=20)),
           goto=st.one_of(st.none(), st.sampled_from(["review", "documents", "unknown", ""]), st.text(max_size=10)))  # fmt: skip
    def test_tampered_wizard_fields(self, client, step, goto):
        reset_limits()
        client.get(reverse("referrals:intake"), follow=True)
        post = payload("about", DATA["about"])
        post["intake_wizard-current_step"] = step
        if goto is not None:
            post["wizard_goto_step"] = goto
        response = client.post(reverse("referrals:intake-step", args=["about"]), post)
        assert_clear(response)
        assert Referral.objects.count() == 0

    def test_a_forged_submit_without_the_earlier_steps_stores_nothing(self, client):
        client.get(reverse("referrals:intake"), follow=True)
        post = {"intake_wizard-current_step": "review", "review-submission_token": "0" * 32}
        response = client.post(reverse("referrals:intake-step", args=["review"]), post)
        assert_clear(response)
        assert Referral.objects.count() == 0


class DocumentsStepTests:
    def test_generic_upload_attacks_get_a_clear_message(self, client):
        from tests.referrals.provider_data import upload

        run_to(client, "documents", DATA)
        url = reverse("referrals:intake-step", args=["documents"])
        attacks = [
            upload("../../../etc/passwd.pdf", b"%PDF-1.4 but really not"),
            upload("evil.exe.pdf", b"MZ\x90\x00" + b"\x00" * 200),
            upload("empty.pdf", b""),
            upload("nul\x00.png", b"\x89PNG\r\n\x1a\n" + b"garbage"),
        ]
        for attack in attacks:
            post = payload("documents", {})
            field = next(
                n for n in field_names(client.get(url).content.decode()) if n.startswith("documents-")
            )
            post[field] = attack
            response = client.post(url, post)
            assert_clear(response)
            assert response.status_code == 200, "a bad file stays on the step with a message"
        from referrals.models import Document

        assert Document.objects.count() == 0
