"""Browser-test actions that wait for a state (a page loaded, nothing moving), never for a time."""

# A page is settled when the document has loaded (every stylesheet applied, every script run), its
# fonts are ready and no finite animation or transition is running.
_SETTLED = """() => document.readyState === "complete"
  && document.fonts.status === "loaded"
  && document.getAnimations().every(
    (a) => a.playState !== "running" || a.effect?.getTiming().iterations === Infinity)"""


def wait_until_settled(page) -> None:
    """Wait until the page is as a person sees it once it has loaded.

    A click that submits a form returns as soon as the next page has *started* loading. Until its
    stylesheets apply, the collapsed phone menu is laid out as plain links whose padded boxes
    overlap, and axe rightly reports them (target-size, "partially obscured"); until its scripts
    run, the error summary has no focus. So axe and screenshots look only at a settled page.
    """
    page.wait_for_load_state("load")
    page.wait_for_function(_SETTLED)


def follow(page, locator) -> None:
    """Click something that loads a new page (a link, a submit button), and wait until it has loaded.

    Without the wait, a test that reads the next page at once (counts its fields, reads the focus)
    can see a half-parsed document.
    """
    with page.expect_navigation():
        locator.click()
    wait_until_settled(page)


def go(page, locator) -> None:
    """Click something that loads a new page, and wait for it (not for it to settle)."""
    with page.expect_navigation():
        locator.click()


def sign_in_staff(page, site_url, user, password) -> None:
    """Through the admin's own sign-in form, with the code an authenticator app would show."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from referrals.staff_otp import current_code

    page.goto(f"{site_url}/staff/login/")
    page.fill("[name=username]", user.username)
    page.fill("[name=password]", password)
    page.fill("[name=otp_token]", current_code(TOTPDevice.objects.get(user=user)))
    page.click("input[type=submit]")
    page.wait_for_url(f"{site_url}/staff/")
