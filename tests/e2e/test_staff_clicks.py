"""How many clicks and typed entries the staff workflows take, from the sign-in page on (issue 14).

Every click, choice from a list, tick and typed entry counts one, in a 1280x900 window. The figures
before and after the one-pass checklist are in docs/staff-flow.md; the targets are asserted here as
maximums so the workspace cannot quietly get slower again.
"""

from datetime import date

import pytest
from django.contrib.auth.models import Group

from referrals import demo
from referrals.models import ClearanceItem, Finding, Referral
from tests.e2e.test_staff_review import PASSWORD, make_staff

pytestmark = [pytest.mark.browser]

FIGURES: dict[str, int] = {}


class Counter:
    """The staff member's hands: every action goes through here and is counted."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def click(self, locator, *, navigates=True):
        self.count += 1
        if navigates:
            with self.page.expect_navigation():
                locator.click()
        else:
            locator.click()

    def type(self, locator, text):
        self.count += 1
        locator.fill(text)

    def choose(self, locator, value):
        self.count += 1
        locator.select_option(value)

    def sign_in(self, site_url, user):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from referrals.staff_otp import current_code

        self.page.goto(f"{site_url}/staff/login/")
        self.type(self.page.locator("[name=username]"), user.username)
        self.type(self.page.locator("[name=password]"), PASSWORD)
        self.type(self.page.locator("[name=otp_token]"), current_code(TOTPDevice.objects.get(user=user)))
        self.click(self.page.locator("input[type=submit]"))
        assert self.page.url == f"{site_url}/staff/"

    def open_referral(self, referral):
        self.click(self.page.get_by_role("link", name="Open the queue"))
        self.click(self.page.get_by_role("link", name=referral.reference))

    def start_review(self):
        self.click(self.page.get_by_role("button", name="Start review"))
        assert "Review of" in self.page.locator(".messagelist").inner_text()

    def complete_items(self, items):
        """Tick the items (a gate's "select every open item" box when that is all of them) and mark
        them done in one save."""
        page = self.page
        for gate in ("clearance", "scheduling"):
            wanted = {str(item.pk) for item in items if item.gate == gate}
            if not wanted:
                continue
            open_rows = page.locator(f"input[name=selected][data-gate={gate}]")
            offered = {open_rows.nth(i).get_attribute("value") for i in range(open_rows.count())}
            if wanted == offered:
                self.click(page.locator(f"#select-all-{gate}"), navigates=False)
            else:
                for pk in sorted(wanted):
                    self.click(page.locator(f"#select-item-{pk}"), navigates=False)
        assert page.locator("input[name=selected]:checked").count() == len(items)
        self.click(page.get_by_role("button", name="Mark selected done"))
        assert "marked done" in page.locator(".messagelist").inner_text()

    def resolve(self, finding, resolution, note):
        box = self.page.locator(f"#finding-{finding.pk}")
        self.choose(box.locator("select"), resolution)
        self.type(box.locator("input[type=text]"), note)
        self.click(box.get_by_role("button", name="Resolve"))


def assert_queue_fits_1280(page):
    """The queue needs no sideways scrolling at 1280 px: not the page, not the table's own box, and
    its last columns end inside it."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # Nothing hidden inside the table's own scrolling box either.
    results = page.locator("#changelist .results")
    assert results.evaluate("e => e.scrollWidth <= e.clientWidth"), results.evaluate(
        "e => [e.scrollWidth, e.clientWidth]"
    )
    right = results.bounding_box()["x"] + results.bounding_box()["width"]
    for header in ("Assignee", "Waiting"):
        box = page.locator("#result_list thead th", has_text=header).bounding_box()
        assert box and box["x"] + box["width"] <= right + 1, (header, box, right)


def coordinator_and_clinician():
    return make_staff("casey", "Intake coordinator"), make_staff("dana", "Clinician")


def test_clinician_clears_a_standard_referral(site_url, open_page):
    _coordinator, clinician = coordinator_and_clinician()
    # The demo's routine self-referral: a healthy adult with sleep apnea (one relative finding).
    referral = demo.submit(first_name="Avery", last_name="Sample", sleep_apnea=True)
    findings = Finding.objects.filter(referral=referral, run__current=True)
    assert [(f.severity) for f in findings.exclude(severity="note")] == ["relative"]

    hands = Counter(open_page(1280, 900))
    hands.sign_in(site_url, clinician)
    hands.open_referral(referral)
    hands.start_review()
    hands.complete_items(list(referral.checklist.filter(gate="clearance")))
    hands.resolve(findings.get(severity="relative"), "overridden", "CPAP nightly; airway reviewed.")
    hands.click(hands.page.get_by_role("link", name="Clear for treatment"))
    assert "The gate holds" in hands.page.content()
    hands.click(hands.page.locator("input[type=submit][value='Clear for treatment']"))
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.CLEARED
    FIGURES["clear a standard referral"] = hands.count
    assert hands.count <= 20, hands.count


def test_clinician_declines_a_hard_contraindication(site_url, open_page):
    _coordinator, clinician = coordinator_and_clinician()
    referral = demo.submit(
        first_name="Harper",
        last_name="Sample",
        sex_at_birth="female",
        can_become_pregnant="yes",
        pregnant="no",
        breastfeeding=False,
        ketamine_allergy="yes",
    )
    items = list(referral.checklist.all())
    assert len(items) == 17
    absolute = Finding.objects.get(referral=referral, run__current=True, severity="absolute")

    hands = Counter(open_page(1280, 900))
    hands.sign_in(site_url, clinician)
    hands.open_referral(referral)
    hands.start_review()
    hands.complete_items(items)
    hands.resolve(absolute, "confirmed", "Anaphylaxis to ketamine in 2019, hospital letter on file.")
    hands.click(hands.page.get_by_role("link", name="Clear for treatment"))
    hands.click(hands.page.locator("input[type=submit][value='Clear for treatment']"))
    assert "cannot be cleared yet" in hands.page.locator(".messagelist li.error").inner_text()
    hands.click(hands.page.get_by_role("link", name="Decline"))
    hands.type(hands.page.locator("[name=reason]"), "Confirmed ketamine allergy (absolute).")
    hands.click(hands.page.locator("input[type=submit][value='Decline']"))
    assert Referral.objects.get(pk=referral.pk).status == Referral.Status.NOT_ELIGIBLE
    FIGURES["decline a hard contraindication"] = hands.count
    assert hands.count <= 25, hands.count


def test_coordinator_completes_the_administrative_items(site_url, open_page):
    coordinator, _clinician = coordinator_and_clinician()
    referral = demo.submit(first_name="Avery", last_name="Sample", sleep_apnea=True)
    from referrals import workflow

    workflow.start_review(referral, actor=demo.staff_user("other-coordinator", "Intake coordinator"))
    administrative = list(referral.checklist.filter(kind="administrative"))
    assert len(administrative) == 7
    assert (
        Group.objects.get(name="Intake coordinator").permissions.filter(codename="sign_clearance").count()
        == 0
    )

    hands = Counter(open_page(1280, 900))
    hands.sign_in(site_url, coordinator)
    hands.open_referral(referral)
    hands.complete_items(administrative)
    assert not referral.checklist.filter(
        kind="administrative", status=ClearanceItem.ItemStatus.PENDING
    ).exists()
    assert referral.checklist.filter(kind="clinical", status=ClearanceItem.ItemStatus.PENDING).count() == 9
    FIGURES["coordinator's seven administrative items"] = hands.count
    assert hands.count <= 9, hands.count


def teardown_module():
    if FIGURES:
        print("\nClicks and typed entries:", ", ".join(f"{k}: {v}" for k, v in FIGURES.items()))


def test_queue_fits_1280_with_time_in_status_and_reply_mark(site_url, open_page, axe_check, save_screenshot):
    """At 1280 px every column shows without sideways scrolling; a reply waits marked until read."""
    from referrals import workflow
    from referrals.models import InfoRequest

    coordinator, clinician = coordinator_and_clinician()
    demo.submit(first_name="Blake", last_name="Sample", phq9=[3, 3, 2, 2, 1, 2, 2, 1, 2])
    demo.submit(first_name="Avery", last_name="Sample", sleep_apnea=True)
    # The widest rows the queue shows: a possible duplicate, and a provider referral whose patient
    # answered differently (two info badges), with several indications.
    demo.submit(
        first_name="Avery", last_name="Sample", sleep_apnea=True, secondary_indications=["trd", "ptsd"]
    )
    provider, _token = demo.provider_referral(first_name="Kai", last_name="Sample")
    demo.complete_provider_referral(provider, indication="crps", date_of_birth=date(1968, 6, 30))
    waiting = demo.make_referral(
        "needs_info", coordinator=coordinator, clinician=clinician, first_name="Emerson", last_name="Sample"
    )
    workflow.receive_info(
        InfoRequest.objects.get(referral=waiting),
        response={"blood_pressure": {"systolic": 128, "diastolic": 80}, "medications": "Sertraline 50 mg"},
    )
    demo.make_referral(
        "in_review", coordinator=coordinator, clinician=clinician, first_name="Drew", last_name="Sample"
    )

    page = open_page(1280, 900, bypass_csp=True)
    hands = Counter(page)
    hands.sign_in(site_url, coordinator)
    hands.click(page.get_by_role("link", name="Open the queue"))
    assert_queue_fits_1280(page)
    row = page.locator("#result_list tbody tr", has_text=waiting.reference)
    assert "Reply received" in row.inner_text()
    assert "for " in row.locator("td.field-status_badge").inner_text()  # time in this status
    axe_check(page)
    save_screenshot(page, "staff-queue")

    hands.click(row.get_by_role("link", name=waiting.reference))
    assert page.locator("#new-reply").bounding_box()["y"] < 900  # the reply is the first thing
    axe_check(page)
    save_screenshot(page, "staff-review-reply")
    hands.click(page.get_by_role("button", name="Mark this reply read"))
    assert page.locator("#new-reply").count() == 0
    # Without scrolling: the state, what you can do now and what is missing, side by side.
    page.evaluate("window.scrollTo(0, 0)")
    for title in ("State", "What you can do now", "What is missing"):
        box = page.get_by_role("heading", name=title, exact=True).bounding_box()
        assert box["y"] + box["height"] < 900, (title, box)
    assert page.locator(".action-buttons li").first.bounding_box()["y"] < 900
    page.goto(f"{site_url}/staff/referrals/referral/")
    assert "Reply received" not in page.locator("#result_list").inner_text()
