"""Drives the self-referral wizard through the Django test client, step by step."""

import re

from django.urls import reverse

from tests.intake_data import step_data

PREFIX = "intake_wizard"


class IntakeDriver:
    def __init__(self, client, data=None):
        self.client = client
        self.data = data or step_data()
        self.response = None

    @property
    def current_step(self) -> str:
        path = self.response.request["PATH_INFO"]
        return path.rstrip("/").rsplit("/", 1)[-1]

    def start(self):
        self.response = self.client.get(reverse("referrals:intake"), follow=True)
        assert self.response.status_code == 200
        return self.response

    def payload(self, step: str, values: dict | None = None, **extra) -> dict:
        values = self.data.get(step, {}) if values is None else values
        post = {f"{step}-{key}": value for key, value in values.items()}
        post[f"{PREFIX}-current_step"] = step
        if step == "review":
            post["review-submission_token"] = self.token()
        post.update(extra)
        return post

    def token(self) -> str:
        match = re.search(r'name="review-submission_token" value="([^"]+)"', self.response.content.decode())
        assert match, "the review page carries a submission token"
        return match.group(1)

    def post(self, step: str | None = None, values: dict | None = None, **extra):
        step = step or self.current_step
        url = reverse("referrals:intake-step", args=[step])
        self.response = self.client.post(url, self.payload(step, values, **extra), follow=True)
        return self.response

    def back(self, values: dict | None = None, *, to: str):
        return self.post(values=values, wizard_goto_step=to)

    def run_to(self, stop_at: str):
        """Post every step's data until the wizard shows `stop_at`."""
        if self.response is None:
            self.start()
        for _ in range(20):
            if self.current_step == stop_at:
                return self.response
            before = self.current_step
            self.post()
            assert self.current_step != before, f"step {before} did not advance: {errors(self.response)}"
        raise AssertionError(f"never reached {stop_at}")

    def complete(self):
        self.run_to("review")
        return self.post("review")


def errors(response) -> list[str]:
    return re.findall(r'<li><a href="#[^"]+">([^<]+)</a></li>', response.content.decode())
