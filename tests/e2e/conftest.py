"""Real-browser tests: Debian's chromium through Playwright, axe-core, screenshots.

Browser tests carry ``@pytest.mark.browser``. When chromium or the playwright package is missing
they are skipped with a clear message, except under ``REQUIRE_BROWSER=1`` (CI), where each of
them errors instead: CI can never go green without really running them.

Fixtures for later browser tests:

* ``site_url``: the live server's base URL, with the rows of the data migrations (groups,
  definitions, policy) seeded again, since live-server tests flush the database.
* ``open_page(width=1280, height=800, bypass_csp=False)``: a page in a fresh context of that size
  (reduced motion unless ``reduced_motion="no-preference"`` is passed),
  watched: ``page.watch.problems()`` lists console errors, page errors, CSP violations and requests
  that left 127.0.0.1/localhost. Pass ``bypass_csp=True`` only where axe is injected (CSP
  violations cannot be seen in such a context).
* ``axe_check(page)``: axe-core with the WCAG 2.2 AA tags, on the settled page (loaded, nothing
  moving: ``wait_until_settled``); fails with a readable report.
* ``save_screenshot(page, name)``: a full-page PNG of the settled page in a temporary folder, or in
  ``docs/screenshots/`` when ``SCREENSHOTS=1``.

``tests/e2e/actions.py`` holds ``follow(page, locator)`` (click what loads a new page, and wait for
it) and ``wait_until_settled(page)``. Why each wait is there, and how the suite is kept free of
chance: docs/testing.md.
"""

import importlib.util
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.actions import wait_until_settled

# The sync Playwright API keeps an event loop running in the main thread; without this every ORM
# call in a test body fails with SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Never --headless or --user-data-dir here: Playwright adds the first and refuses the second.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
REPO_ROOT = Path(__file__).resolve().parents[2]


def require_browser() -> bool:
    return os.environ.get("REQUIRE_BROWSER") == "1"


def missing_browser_reason(config=None) -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if (
        importlib.util.find_spec("playwright") is None
        or importlib.util.find_spec("pytest_playwright") is None
    ):
        return "the playwright / pytest-playwright packages are not installed (make install-dev)"
    if config is not None and not config.pluginmanager.hasplugin("playwright"):
        return "the pytest-playwright plugin is not loaded (-p no:playwright?)"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


_MISSING_BROWSER = pytest.StashKey[str]()


def pytest_collection_modifyitems(config, items):
    reason = missing_browser_reason(config)
    if reason is None:
        return
    for item in items:
        if item.get_closest_marker("browser") is None:
            continue
        if require_browser():
            # Not a skip: pytest_runtest_setup below turns it into an error.
            item.stash[_MISSING_BROWSER] = reason
        else:
            item.add_marker(
                pytest.mark.skip(
                    reason=f"browser test skipped: {reason}; REQUIRE_BROWSER=1 makes this an error"
                )
            )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    reason = item.stash.get(_MISSING_BROWSER, None)
    if reason is not None:
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)


# --- Playwright configuration (overrides pytest-playwright's session fixtures) -----------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # Reduced motion: the site (and Bootstrap) then open the phone menu without a transition, so no
    # check can catch a page mid-animation. The keyboard menu test opens a context with
    # reduced_motion="no-preference" to keep the animated path covered.
    return {
        **browser_context_args,
        "viewport": {"width": 1280, "height": 800},
        "reduced_motion": "reduce",
    }


# --- The live server -----------------------------------------------------------------------------


@pytest.fixture
def site_url(live_server, transactional_db):
    """Base URL of the live server (no trailing slash), with the reference rows seeded.

    The live server's tests flush the database afterwards, which removes the rows the data
    migrations made (groups, clearance steps, rules, policy, wording); seeding them again here is
    more robust than a serialized rollback, whose restore collides with rows a test created.
    """
    from referrals.seeding import seed_all

    seed_all()
    return live_server.url.rstrip("/")


# --- Watched pages ---------------------------------------------------------------------------------

# Chromium reports most CSP violations on the console already; this makes sure every one is.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile || document.location.pathname}:${e.lineNumber}`);
});
"""


@dataclass
class PageWatch:
    """What a page did that it should not: console errors, page errors, requests off this machine."""

    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    external_requests: list = field(default_factory=list)

    def attach(self, page):
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.page_errors.append(f"{page.url}: {exc}"))
        page.on("request", self._on_request)
        return self

    def _on_console(self, msg):
        if msg.type == "error" or "Content Security Policy" in msg.text or "CSP violation" in msg.text:
            where = msg.location.get("url", "") if msg.location else ""
            self.console_errors.append(f"[{msg.type}] {msg.text} ({where})")

    def _on_request(self, request):
        parts = urlsplit(request.url)
        if parts.scheme in {"data", "blob", "about"}:
            return
        if parts.hostname not in LOCAL_HOSTS:
            self.external_requests.append(f"{request.method} {request.url}")

    def problems(self) -> list[str]:
        return (
            [f"console: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"request left this machine: {m}" for m in self.external_requests]
        )

    def clear(self):
        self.console_errors.clear()
        self.page_errors.clear()
        self.external_requests.clear()


@pytest.fixture
def open_page(browser, browser_context_args):
    """Factory: ``open_page(width=1280, height=800, bypass_csp=False)`` -> a watched Page."""
    contexts = []

    def _open(width: int = 1280, height: int = 800, *, bypass_csp: bool = False, **context_args):
        args = {
            **browser_context_args,
            "viewport": {"width": width, "height": height},
            "bypass_csp": bypass_csp,
            **context_args,
        }
        context = browser.new_context(**args)
        contexts.append(context)
        context.add_init_script(script=_CSP_LISTENER)
        page = context.new_page()
        page.watch = PageWatch().attach(page)
        return page

    yield _open
    for context in contexts:
        context.close()


# --- axe -------------------------------------------------------------------------------------------


def _axe_report(url: str, violations: list) -> str:
    lines = [f"{len(violations)} axe violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']}  [{v.get('helpUrl', '')}]")
        for node in v["nodes"][:5]:
            target = " ".join(str(t) for t in node.get("target", []))
            lines.append(f"    at {target}: {node.get('html', '')[:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(v["nodes"]) > 5:
            lines.append(f"    ... and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


def run_axe(page) -> list:
    """axe-core's violations for the settled page at the WCAG 2.2 AA tags (needs a bypass_csp context)."""
    from axe_playwright_python.sync_playwright import Axe

    wait_until_settled(page)
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    return Axe().run(page, options=options).response["violations"]


@pytest.fixture
def axe_check():
    """``axe_check(page)``: assert zero WCAG 2.2 AA violations, with a readable report."""

    def _check(page):
        violations = run_axe(page)
        assert not violations, _axe_report(page.url, violations)

    return _check


# --- Screenshots -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    if os.environ.get("SCREENSHOTS") == "1":
        folder = REPO_ROOT / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def save_screenshot(screenshot_dir):
    """``save_screenshot(page, name)``: a full-page PNG named ``name.png``; returns its path."""

    def _save(page, name: str) -> Path:
        wait_until_settled(page)
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _save


def pytest_report_header(config):
    reason = missing_browser_reason(config)
    java = shutil.which("java")
    state = "available" if reason is None else f"missing ({reason})"
    return [
        f"browser tests: chromium {state}; REQUIRE_BROWSER={os.environ.get('REQUIRE_BROWSER', '0')}",
        f"screenshots: {'docs/screenshots/' if os.environ.get('SCREENSHOTS') == '1' else 'a temporary folder'};"
        f" java: {java or 'missing'}",
    ]
