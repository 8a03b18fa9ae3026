"""manage.py send_notifications: once by default, --loop with an interval, survives a bad round."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from referrals import demo
from referrals.models import Notification


@pytest.mark.django_db
class SendNotificationsTests:
    def test_sends_the_outbox_once(self):
        demo.submit()
        out = StringIO()
        call_command("send_notifications", stdout=out)
        assert "Sent 2, failed 0" in out.getvalue()
        assert len(mail.outbox) == 2
        assert not Notification.objects.exclude(status=Notification.SendStatus.SENT).exists()

    def test_drains_more_than_one_batch(self):
        for _ in range(3):
            demo.submit()
        call_command("send_notifications", "--limit", "2", stdout=StringIO())
        assert len(mail.outbox) == 6

    def test_loop_keeps_going_between_rounds(self, monkeypatch):
        from referrals.management.commands import send_notifications as command

        monkeypatch.setattr(command.time, "sleep", lambda seconds: None)
        demo.submit()
        out = StringIO()
        call_command("send_notifications", "--loop", "--interval", "0.01", "--max-rounds", "3", stdout=out)
        assert len(mail.outbox) == 2

    def test_refuses_nonsense(self):
        with pytest.raises(CommandError):
            call_command("send_notifications", "--interval", "0", stdout=StringIO())
