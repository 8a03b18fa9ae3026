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
