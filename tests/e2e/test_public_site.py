"""The public site in a real browser: reach every page by its links, axe, screenshots, keyboard use,
no console errors, no CSP violations, nothing loaded from another machine, nothing too wide."""

from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from clinic.pages import PAGES

pytestmark = pytest.mark.browser

# Links of the main navigation (header) and the footer: the ones a visitor follows (visible ones only:
# on wide screens the header repeats a few menu links that only phones show).
NAV_LINKS = "header a[href], footer a[href]"
MISSING_PATH = "/no-such-page/"


def registry_paths() -> dict[str, str]:
    """{path: slug} for every page of the registry, in English and in Spanish (/es/).

    The crawl reaches the Spanish pages by the language chooser's link in the header, so every
    Spanish page gets the same axe checks and screenshots as its English twin.
    """
    paths = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            suffix = "" if language == settings.LANGUAGE_CODE else f"-{language}"
            paths.update({reverse(page.url_name): f"{page.slug}{suffix}" for page in PAGES})
    return paths


def shot_name(path: str) -> str:
    return registry_paths().get(path) or path.strip("/").replace("/", "-") or "home"


@dataclass
class Reached:
    path: str
    source: str | None  # the page whose header or footer link led here
    link_text: str
    status: int | None


def crawl(page, site_url: str, on_page=None) -> dict[str, Reached]:
    """Open the home page and follow header and footer links (by clicking them) breadth-first.

    Every internal page is reached from a page that was itself reached by a link. ``on_page(page,
    path)`` runs on each newly reached page while the browser is on it.
    """
    response = page.goto(site_url + "/")
    reached = {"/": Reached("/", None, "(start: the home page)", response.status if response else None)}
    if on_page:
        on_page(page, "/")
    queue = ["/"] if reached["/"].status == 200 else []
    while queue:
        source = queue.pop(0)
        if urlsplit(page.url).path != source:
            page.goto(site_url + source)  # back to a page we reached by a link
        hrefs = page.eval_on_selector_all(
            NAV_LINKS, "els => els.filter(a => a.checkVisibility()).map(a => a.getAttribute('href'))"
        )
        for href in dict.fromkeys(hrefs):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue  # tel:, mailto: and other sites are not pages of ours
            target = parts.path
            if target in reached:
                continue
            if urlsplit(page.url).path != source:
                page.goto(site_url + source)
            link = page.locator(f'header a[href="{href}"]:visible, footer a[href="{href}"]:visible').first
            text = " ".join(link.inner_text().split())
            with page.expect_navigation() as navigation:
                link.click()
            response = navigation.value
            landed = urlsplit(page.url).path
            assert landed == target, f"the link {text!r} on {source} to {href} landed on {landed}"
            reached[target] = Reached(target, source, text, response.status if response else None)
            if on_page:
                on_page(page, target)
            if reached[target].status == 200:
                queue.append(target)
    return reached


def coverage_problems(reached: dict[str, Reached]) -> list[str]:
    problems = []
    for path, slug in registry_paths().items():
        if path not in reached:
            problems.append(f"{slug} ({path}): no header or footer link leads to it")
    for r in reached.values():
        if r.status != 200:
            problems.append(f"{r.path}: HTTP {r.status} (from {r.source} by the link {r.link_text!r})")
    return problems


def test_every_page_reached_by_links_passes_axe_with_screenshots(
    site_url, open_page, axe_check, save_screenshot
):
    failures = []

    def check(page, path, width):
        try:
            axe_check(page)
        except AssertionError as error:
            failures.append(f"at {width} px: {error}")
        save_screenshot(page, f"{shot_name(path)}-{width}")

    desktop = open_page(1280, 800, bypass_csp=True)  # axe is injected: a strict CSP would block it
    reached = crawl(desktop, site_url, lambda page, path: check(page, path, 1280))
    desktop.goto(site_url + MISSING_PATH)
    check(desktop, MISSING_PATH, 1280)

    phone = open_page(375, 740, bypass_csp=True)
    for path in [*reached, MISSING_PATH]:
        phone.goto(site_url + path)
        check(phone, path, 375)

    problems = coverage_problems(reached) + failures
    assert not problems, "\n".join(problems)


def test_no_console_errors_csp_violations_or_requests_off_this_machine(site_url, open_page):
    page = open_page(1280, 800)  # CSP enforced, as for a visitor
    reached = crawl(page, site_url)
    # Exercise the one script we ship: the mobile menu.
    phone = open_page(375, 740)
    phone.goto(site_url + "/")
    phone.get_by_role("button", name="Menu").click()
    phone.locator("#main-nav.show").wait_for()
    phone.wait_for_load_state("networkidle")
    problems = coverage_problems(reached) + page.watch.problems() + phone.watch.problems()
    assert not problems, "\n".join(problems)


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(site_url, open_page):
    page = open_page(1280, 800)
    failures = []
    for path in [*registry_paths(), MISSING_PATH]:
        page.goto(site_url + path)
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement; const r = e.getBoundingClientRect();"
            " return {text: e.textContent.trim(), href: e.getAttribute('href'), w: r.width, h: r.height}; }"
        )
        if focused["href"] != "#main":
            failures.append(
                f"{path}: first Tab stop is {focused['text']!r} ({focused['href']}), not the skip link"
            )
            continue
        if focused["w"] < 40 or focused["h"] < 20:
            failures.append(
                f"{path}: the focused skip link is not visible ({focused['w']}x{focused['h']} px)"
            )
        page.keyboard.press("Enter")
        active = page.evaluate("() => document.activeElement.id")
        if active != "main":
            failures.append(f"{path}: after the skip link, focus is on #{active or '(none)'}, not #main")
    assert not failures, "\n".join(failures)


def test_mobile_menu_opens_with_the_keyboard_and_its_links_are_reachable(
    site_url, open_page, save_screenshot
):
    # The one test with motion on: the menu's opening transition runs, and the test waits for its end.
    page = open_page(375, 740, reduced_motion="no-preference")
    page.goto(site_url + "/")
    toggler = page.get_by_role("button", name="Menu")
    menu_links = page.locator("#main-nav a")
    assert toggler.is_visible()
    assert not menu_links.first.is_visible(), "the menu should start closed on a phone"

    for _ in range(10):  # skip link, 988, 911, the two language links, brand, then the menu button
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('navbar-toggler')"):
            break
    else:
        pytest.fail("the menu button is not among the first Tab stops")
    assert toggler.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Enter")
    page.locator("#main-nav.show").wait_for()
    assert toggler.get_attribute("aria-expanded") == "true"

    expected = [" ".join(t.split()) for t in menu_links.all_inner_texts()]
    assert expected, "the menu has no links"
    tabbed = []
    for _ in expected:
        page.keyboard.press("Tab")
        info = page.evaluate(
            "() => { const e = document.activeElement; const r = e.getBoundingClientRect();"
            " return {inMenu: !!e.closest('#main-nav'), text: e.textContent.trim().replace(/\\s+/g, ' '),"
            " visible: r.width > 0 && r.height > 0}; }"
        )
        assert info["inMenu"], f"Tab left the open menu after {tabbed} (focus on {info['text']!r})"
        assert info["visible"], f"{info['text']!r} has focus but cannot be seen"
        tabbed.append(info["text"])
    assert tabbed == expected
    save_screenshot(page, "menu-open-375")

    # The last link has focus: Enter follows it.
    last_href = menu_links.last.get_attribute("href")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == last_href


def test_nothing_is_wider_than_a_320px_screen(site_url, open_page):
    page = open_page(320, 640)
    failures = []
    for path in [*registry_paths(), MISSING_PATH]:
        page.goto(site_url + path)
        wide = page.evaluate(
            """() => {
              const limit = document.documentElement.clientWidth;
              if (document.documentElement.scrollWidth <= limit) return [];
              return [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > limit + 1)
                .slice(0, 5)
                .map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}`
                  + `${e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : ''}`
                  + ` (right edge ${Math.round(e.getBoundingClientRect().right)} px)`);
            }"""
        )
        if wide:
            failures.append(f"{path} is wider than 320 px: " + "; ".join(wide))
    assert not failures, "\n".join(failures)


def test_self_check_form_and_results_pass_axe_with_screenshots(
    site_url, open_page, axe_check, save_screenshot
):
    """The self-check's new questions and both kinds of result, on a phone and a desktop."""
    failures = []
    for width, height in ((375, 740), (1280, 800)):
        page = open_page(width, height, bypass_csp=True)
        for name, ticks in (("clear", []), ("stop", ["aneurysm_or_avm", "theophylline"])):
            page.goto(site_url + reverse("referrals:self-check"))
            if not ticks:
                try:
                    axe_check(page)
                except AssertionError as error:
                    failures.append(f"form at {width} px: {error}")
                save_screenshot(page, f"self-check-form-{width}")
            for field, value in (
                ("age_band", "18_49"),
                ("indication", "trd"),
                ("pregnancy", "no"),
                ("substance", "no"),
                ("safety", "no"),
            ):
                page.locator(f'input[name="{field}"][value="{value}"]').check()
            for tick in ticks:
                page.locator(f'input[name="serious"][value="{tick}"]').check()
            page.get_by_role("button", name="See what to talk about").click()
            page.get_by_role("heading", name="What this self-check did not ask").wait_for()
            try:
                axe_check(page)
            except AssertionError as error:
                failures.append(f"{name} result at {width} px: {error}")
            save_screenshot(page, f"self-check-result-{name}-{width}")
    assert not failures, "\n".join(failures)
