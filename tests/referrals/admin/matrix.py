"""The access matrix every admin workflow view shares (STYLE §7), as small assertions."""

from django.core import mail

from referrals import notifications
from referrals.models import Notification, Referral, ReferralEvent
from tests.referrals.admin.conftest import action_url, change_url, messages_of  # noqa: F401


def snapshot(referral: Referral) -> tuple:
    referral = Referral.objects.get(pk=referral.pk)
    return (
        referral.status,
        ReferralEvent.objects.filter(referral=referral).count(),
        Notification.objects.filter(referral=referral).count(),
    )


def assert_anonymous_redirected(client, referral, action, data=None):
    before = snapshot(referral)
    for response in (
        client.get(action_url(referral, action)),
        client.post(action_url(referral, action), data or {}),
    ):
        assert response.status_code == 302
        assert "/staff/login/" in response["Location"]
    assert snapshot(referral) == before


def assert_forbidden(client, referral, action, data=None):
    before = snapshot(referral)
    assert client.get(action_url(referral, action)).status_code == 403
    assert client.post(action_url(referral, action), data or {}).status_code == 403
    assert snapshot(referral) == before


def assert_confirmation_page(client, referral, action, *texts):
    before = snapshot(referral)
    response = client.get(action_url(referral, action))
    assert response.status_code == 200
    assert "admin/referrals/referral/confirm_action.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert referral.reference in page
    for text in texts:
        assert text in page, text
    assert snapshot(referral) == before
    return response


def assert_no_confirmation_page(client, referral, action):
    """Start and resume review act at once from the review page: a GET changes nothing and shows no
    confirmation page, it just returns to the review page."""
    before = snapshot(referral)
    response = client.get(action_url(referral, action))
    assert response.status_code == 302
    assert response["Location"] == change_url(referral)
    assert snapshot(referral) == before
    page = client.get(change_url(referral)).content.decode()
    # The review page offers it as a button that posts, not a link to a confirmation page.
    assert f'<form method="post" action="{action_url(referral, action)}">' in page
    assert f'href="{action_url(referral, action)}"' not in page
    return response


def post_action(client, referral, action, data=None):
    """POST and follow the redirect; returns (response, messages)."""
    response = client.post(action_url(referral, action), data or {})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == change_url(referral)
    page = client.get(response["Location"])
    return page, messages_of(page)


def new_notifications(referral, since_id: int) -> list[str]:
    return sorted(
        Notification.objects.filter(referral=referral, pk__gt=since_id).values_list("template", flat=True)
    )


def last_notification_id() -> int:
    return Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def assert_sent_without_phi(referral, templates):
    """Send the outbox; the emails carry the reference code and links, nothing the patient typed."""
    mail.outbox.clear()
    notifications.send_due()
    sent = [m for m in mail.outbox if referral.reference in m.subject + m.body]
    assert len(sent) >= len(templates)
    for message in mail.outbox:
        text = message.subject + message.body
        for typed in (referral.first_name, referral.last_name, referral.phone, "1981", referral.email):
            assert typed not in text, typed
    return sent


def assert_illegal(client, referral, action, data=None, *, expect=""):
    """A move the status does not allow: an error message, nothing changed."""
    before = snapshot(referral)
    response = client.post(action_url(referral, action), data or {})
    assert response.status_code == 302
    page = client.get(response["Location"])
    errors = [str(m) for m in page.context["messages"] if m.level_tag == "error"]
    assert errors, "expected an error message"
    if expect:
        assert any(expect in e for e in errors), errors
    assert snapshot(referral) == before
    return errors


def assert_unknown_404(client, action, data=None):
    url = action_url(type("R", (), {"pk": 999999})(), action)
    assert client.get(url).status_code == 404
    assert client.post(url, data or {}).status_code == 404
