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
        response = check(client, heart=["recent_event"], mind=["bipolar"], safety="yes")
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
