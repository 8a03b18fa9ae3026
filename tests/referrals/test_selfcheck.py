"""The self-check: screened by the core, nothing stored, crisis resources for the safety answer."""

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from referrals.models import Document, Notification, Referral, ReferralEvent

pytestmark = pytest.mark.django_db


def answers(**overrides):
    data = {
        "age_band": "18_49",
        "indication": "trd",
        "pregnancy": "no",
        "substance": "no",
        "safety": "no",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def check(client, **overrides):
    return client.post(reverse("referrals:self-check"), answers(**overrides))


class SelfCheckTests:
    def test_page_renders(self, client):
        response = client.get(reverse("referrals:self-check"))
        assert response.status_code == 200
        assert "Could ketamine infusion be right for me?" in response.content.decode()

    def test_stores_nothing(self, client):
        counts = [m.objects.count() for m in (Referral, Document, Notification, ReferralEvent, Session)]
        response = check(
            client,
            heart=["recent_event"],
            mind=["bipolar"],
            serious=["aneurysm_or_avm", "theophylline"],
            safety="yes",
        )
        assert response.status_code == 200
        assert [
            m.objects.count() for m in (Referral, Document, Notification, ReferralEvent, Session)
        ] == counts
        assert not client.session.keys()
        assert "sessionid" not in response.cookies

    def test_clear_answers_suggest_nothing_special(self, client):
        content = check(client).content.decode()
        assert "Nothing in these answers stands out" in content
        assert "not a diagnosis" in content
        assert reverse("referrals:start") in content and reverse("referrals:provider-referral") in content

    @pytest.mark.parametrize(
        ("overrides", "phrase"),
        [
            ({"age_band": "under_18"}, "adults aged 18 and over"),
            ({"age_band": "65_plus"}, "Being 65 or older"),
            ({"pregnancy": "yes"}, "Pregnancy, or the chance of it"),
            ({"heart": ["recent_event"]}, "recent heart attack"),
            ({"heart": ["bp_uncontrolled"]}, "Blood pressure that is not under control"),
            ({"heart": ["heart_condition"]}, "A heart condition"),
            ({"mind": ["psychosis_current"]}, "Hearing or seeing things"),
            ({"mind": ["mania_recent"]}, "very high or irritable mood"),
            ({"mind": ["bipolar"]}, "Bipolar disorder"),
            ({"substance": "recent"}, "Recent problems with alcohol or drugs"),
            ({"substance": "past"}, "Past problems with alcohol or drugs"),
            ({"serious": ["aneurysm_or_avm"]}, "An aneurysm or an AVM."),
            ({"serious": ["brain_bleed"]}, "Bleeding inside the brain in the past."),
            ({"serious": ["raised_icp"]}, "A condition that raises pressure inside the skull."),
            ({"serious": ["ketamine_allergy"]}, "An allergic reaction to ketamine or esketamine."),
            ({"serious": ["theophylline"]}, "Taking theophylline or aminophylline."),
        ],
    )
    def test_answers_become_topics_to_raise(self, client, overrides, phrase):
        content = check(client, **overrides).content.decode()
        assert phrase in content
        assert "Things to raise at a consultation" in content

    def test_safety_answer_shows_crisis_resources(self, client):
        content = check(client, safety="yes").content.decode()
        assert "Support is available right now" in content
        assert "988" in content and "911" in content

    def test_no_crisis_panel_without_the_safety_answer(self, client):
        assert "Support is available right now" not in check(client).content.decode()

    def test_missing_answers_get_specific_messages(self, client):
        response = client.post(reverse("referrals:self-check"), {})
        content = response.content.decode()
        assert response.status_code == 200
        assert "Choose your age group" in content and "Choose the main reason" in content

    def test_unknown_choice_is_refused(self, client):
        response = check(client, age_band="200")
        assert "Choose one of the answers shown" in response.content.decode()

    def test_asks_about_the_absolute_findings_it_used_to_skip(self, client):
        content = client.get(reverse("referrals:self-check")).content.decode()
        for phrase in (
            "an aneurysm (a weak, bulging blood vessel) or an AVM",
            "bleeding inside my brain",
            "raises the pressure inside my skull",
            "allergic reaction to ketamine or esketamine",
            "theophylline or aminophylline",
            "Eight short questions",
        ):
            assert phrase in content, phrase

    @pytest.mark.parametrize(
        "answer", ["aneurysm_or_avm", "brain_bleed", "raised_icp", "ketamine_allergy", "theophylline"]
    )
    def test_each_serious_answer_is_one_clinics_usually_stop_at(self, client, answer):
        content = check(client, serious=[answer]).content.decode()
        assert "clinics usually do not start ketamine" in content
        assert "Nothing in these answers stands out" not in content

    def test_the_result_says_plainly_what_it_did_not_ask(self, client):
        content = " ".join(check(client).content.decode().split())
        assert "What this self-check did not ask" in content
        assert "the self-check did not ask about everything" in content
        for topic in (
            "your blood pressure readings",
            "any medicines other than theophylline and aminophylline",
            "liver disease or heavy drinking",
            "bladder problems",
            "sleep apnea",
            "breastfeeding",
        ):
            assert topic in content, topic

    def test_unknown_serious_choice_is_refused(self, client):
        content = check(client, serious=["heart_transplant"]).content.decode()
        assert "Choose only from the options shown" in content
