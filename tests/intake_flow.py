"""A small driver that completes the self-referral wizard, for the PHI, outage and hostile tests."""

import re

from django.urls import reverse

from tests.intake_data import step_data

MANAGEMENT = "intake_wizard-current_step"


def step_of(response) -> str:
    return response.request["PATH_INFO"].rstrip("/").rsplit("/", 1)[-1]


def submission_token(response) -> str:
    match = re.search(r'name="review-submission_token" value="([^"]+)"', response.content.decode())
    assert match, "the review page carries a submission token"
    return match.group(1)


def payload(step: str, values: dict, response=None) -> dict:
    post = {f"{step}-{key}": value for key, value in values.items()}
    post[MANAGEMENT] = step
    if step == "review" and response is not None:
        post["review-submission_token"] = submission_token(response)
    return post


def run_to(client, stop_at: str, data: dict | None = None, *, on_request=None):
    """Post every step's data from the start until the wizard shows `stop_at`; returns that response."""
    data = data or step_data()
    response = client.get(reverse("referrals:intake"), follow=True)
    for _ in range(20):
        step = step_of(response)
        if step == stop_at:
            return response
        url = reverse("referrals:intake-step", args=[step])
        post = payload(step, data.get(step, {}), response)
        if on_request:
            on_request(url, post)
        response = client.post(url, post, follow=True)
        assert step_of(response) != step, f"step {step} did not advance"
    raise AssertionError(f"never reached {stop_at}")


def complete(client, data: dict | None = None, *, on_request=None):
    """Complete a self-referral; returns the final (followed) response."""
    data = data or step_data()
    review = run_to(client, "review", data, on_request=on_request)
    url = reverse("referrals:intake-step", args=["review"])
    post = payload("review", {}, review)
    if on_request:
        on_request(url, post)
    return client.post(url, post, follow=True)
