"""Lighthouse mobile performance of every information page, served with production settings.

    LIGHTHOUSE=/path/to/node_modules/.bin/lighthouse .venv/bin/python bench/lighthouse.py [--min 0.95]

Serves the app with bench/prod_server.py (DJANGO_ENV=production, a generated secret, DEBUG off,
whitenoise serving collectstatic's hashed, compressed files, gunicorn with gunicorn.conf.py on a
random 127.0.0.1 port, a throwaway SQLite database, no Redis), then runs Lighthouse 12 (mobile,
its default simulated throttling) on every page of the registry in clinic/pages.py, with Debian's
chromium (CHROME_PATH, default /usr/bin/chromium). A run that ends in a runtime error (about one
in eight ends with NO_NAVSTART) or without a performance score is retried, up to 3 tries.
Prints a table of performance scores and the main metrics; exits 1 if any page is below --min.

Lighthouse: `npm install lighthouse@12.8.2` (12, not 13: 13 needs Node 22.19+), found through
$LIGHTHOUSE, else .tools/node_modules/.bin/lighthouse. Without it, says so and exits 0 having
measured nothing. Not a test: pytest never collects it.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from prod_server import PY, ROOT, ProdServer  # noqa: E402

CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
TRIES = 3


def find_lighthouse() -> str | None:
    for candidate in (os.environ.get("LIGHTHOUSE"), ROOT / ".tools" / "node_modules" / ".bin" / "lighthouse"):
        if candidate and Path(candidate).exists():
            return str(candidate)
    return shutil.which("lighthouse")


def page_paths(env: dict) -> list[tuple[str, str]]:
    """(slug, path) for every page of clinic/pages.py's registry, reversed by Django itself."""
    code = (
        "import json; from django.urls import reverse; from clinic.pages import PAGES; "
        "print(json.dumps([(p.slug, reverse(p.url_name)) for p in PAGES]))"
    )
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    return [tuple(row) for row in json.loads(out.strip().splitlines()[-1])]


def run_lighthouse(lighthouse: str, url: str, workdir: Path) -> dict:
    """One Lighthouse run (retried on a runtime error); the parsed report."""
    report = {}
    for attempt in range(1, TRIES + 1):
        profile = Path(tempfile.mkdtemp(prefix="lh-profile-", dir=workdir))
        out = workdir / "report.json"
        flags = (
            "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
            "--disable-background-networking --disable-component-update --disable-sync "
            f"--user-data-dir={profile}"
        )
        subprocess.run(
            [
                lighthouse,
                url,
                f"--chrome-flags={flags}",
                "--only-categories=performance",
                "--output=json",
                f"--output-path={out}",
                "--quiet",
            ],
            env={**os.environ, "CHROME_PATH": CHROME},
            capture_output=True,
            timeout=180,
        )
        shutil.rmtree(profile, ignore_errors=True)
        report = json.loads(out.read_text()) if out.exists() else {}
        score = report.get("categories", {}).get("performance", {}).get("score")
        if not report.get("runtimeError") and score is not None:
            report["_tries"] = attempt
            return report
        print(
            f"  {url}: try {attempt} failed ({(report.get('runtimeError') or {}).get('code')})",
            file=sys.stderr,
        )
    report["_tries"] = TRIES
    return report


def metric(report: dict, audit: str) -> str:
    value = report.get("audits", {}).get(audit, {}).get("numericValue")
    if value is None:
        return "—"
    return f"{value:.3f}" if audit == "cumulative-layout-shift" else f"{value / 1000:.1f} s"


def requests(report: dict) -> str:
    """Requests the page made, each checked to have answered 200 (else the failing count shows)."""
    items = report.get("audits", {}).get("network-requests", {}).get("details", {}).get("items", [])
    bad = [i for i in items if i.get("statusCode") != 200]
    return f"{len(items)}" + (f" ({len(bad)} not 200)" if bad else "")


def weight(report: dict) -> str:
    value = report.get("audits", {}).get("total-byte-weight", {}).get("numericValue")
    return "—" if value is None else f"{value / 1024:.0f} KiB"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--min", type=float, default=0.95)
    parser.add_argument("--only", help="comma-separated slugs (default: every page)")
    args = parser.parse_args()
    lighthouse = find_lighthouse()
    if lighthouse is None:
        print("SKIPPED: Lighthouse not found (npm install lighthouse@12.8.2; set LIGHTHOUSE=...).")
        return 0
    version = subprocess.run([lighthouse, "--version"], capture_output=True, text=True).stdout.strip()
    workdir = Path(tempfile.mkdtemp(prefix="clinic-lighthouse-"))
    rows = []
    try:
        with ProdServer(workers=2) as server:
            pages = page_paths(server.env)
            if args.only:
                pages = [p for p in pages if p[0] in args.only.split(",")]
            for slug, path in pages:
                report = run_lighthouse(lighthouse, server.url + path, workdir)
                score = report.get("categories", {}).get("performance", {}).get("score")
                rows.append((slug, path, score, report))
                print(f"  {path}: {score}", file=sys.stderr)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"Lighthouse {version}, mobile, simulated throttling; chromium {CHROME}; production settings\n")
    print("| page | path | performance | FCP | LCP | TBT | CLS | requests | bytes | tries |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for slug, path, score, report in rows:
        shown = "—" if score is None else f"{score:.2f}"
        tbt = report.get("audits", {}).get("total-blocking-time", {}).get("numericValue")
        print(
            f"| {slug} | {path} | {shown} | {metric(report, 'first-contentful-paint')} | "
            f"{metric(report, 'largest-contentful-paint')} | {'—' if tbt is None else f'{tbt:.0f} ms'} | "
            f"{metric(report, 'cumulative-layout-shift')} | {requests(report)} | {weight(report)} | {report['_tries']} |"
        )
    scores = [score for *_x, score, _r in rows]
    below = [slug for slug, _p, score, _r in rows if score is None or score < args.min]
    if scores and None not in scores:
        print(f"\nlowest: {min(scores):.2f}; below {args.min}: {', '.join(below) or 'none'}")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
