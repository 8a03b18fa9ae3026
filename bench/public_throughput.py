"""The public home page's throughput against a bare Django view, side by side under the same gunicorn.

    .venv/bin/python bench/public_throughput.py [--seconds 10] [--rounds 3] [--workers 2] [--path /]

Two servers, each with the project's gunicorn.conf.py and the same --workers, on 127.0.0.1:
  project  clinic.wsgi (DJANGO_ENV=production, DEBUG off, behind a TLS proxy: wrk sends
           X-Forwarded-Proto: https; Redis cache on db 13; PostgreSQL database clinic_i13)
  bare     a minimal Django project written to a temporary directory: one view returning
           HttpResponse("ok"), SecurityMiddleware and CommonMiddleware only, DEBUG off
wrk (-t2 -c16, --seconds each) measures them in turn, --rounds times, after a 2 s warm-up each;
the table gives every round's requests per second and the median ratio project / bare.
Needs `wrk` (Debian package). Not a test: pytest never collects it.
"""

import argparse
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PY = str(ROOT / ".venv" / "bin" / "python")

BARE = """
from django.http import HttpResponse
from django.urls import path

SECRET_KEY = "{key}"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = __name__
INSTALLED_APPS = []
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware", "django.middleware.common.CommonMiddleware"]


def ok(request):
    return HttpResponse("ok")


urlpatterns = [path("", ok)]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int) -> None:
    for _ in range(150):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port}")


def wrk(url: str, seconds: int, headers: list[str]) -> float:
    args = ["wrk", "-t2", "-c16", f"-d{seconds}s"]
    for header in headers:
        args += ["-H", header]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        print(out, file=sys.stderr)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--path", default="/")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bare-django-"))
    (tmp / "bare.py").write_text(BARE.format(key=secrets.token_urlsafe(50)))
    common = ["-c", str(ROOT / "gunicorn.conf.py"), "--workers", str(args.workers)]
    project_env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "BEHIND_TLS_PROXY": "true",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clinic_i13"),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13"),
        "SITE_URL": "https://127.0.0.1",
    }
    subprocess.run(
        [PY, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=project_env, check=True
    )
    servers = {}
    ports = {"project": free_port(), "bare": free_port()}
    try:
        servers["project"] = subprocess.Popen(
            [GUNICORN, *common, "--bind", f"127.0.0.1:{ports['project']}"],
            cwd=ROOT,
            env=project_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        servers["bare"] = subprocess.Popen(
            [
                GUNICORN,
                *common,
                "--bind",
                f"127.0.0.1:{ports['bare']}",
                "--chdir",
                str(tmp),
                "bare:application",
            ],
            cwd=tmp,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "bare", "PYTHONPATH": str(tmp)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports.values():
            wait_up(port)
        headers = {"project": ["X-Forwarded-Proto: https"], "bare": []}
        urls = {
            "project": f"http://127.0.0.1:{ports['project']}{args.path}",
            "bare": f"http://127.0.0.1:{ports['bare']}/",
        }
        check = subprocess.run(
            ["curl", "-sS", "-D", "-", "-o", "/dev/null", "-H", "X-Forwarded-Proto: https", urls["project"]],
            capture_output=True,
            text=True,
        ).stdout
        print(check.strip(), file=sys.stderr)
        results = {"project": [], "bare": []}
        for _round in range(args.rounds):
            for name in ("bare", "project"):
                wrk(urls[name], 2, headers[name])  # warm-up
                results[name].append(wrk(urls[name], args.seconds, headers[name]))
                print(f"{name}: {results[name][-1]:.0f} req/s", file=sys.stderr)
    finally:
        for server in servers.values():
            server.terminate()
        for server in servers.values():
            server.wait(timeout=30)
    ratios = [p / b for p, b in zip(results["project"], results["bare"], strict=True)]
    print(f"| round | bare Django (req/s) | project {args.path} (req/s) | ratio |")
    print("|---|---|---|---|")
    for i, (b, p, r) in enumerate(zip(results["bare"], results["project"], ratios, strict=True), 1):
        print(f"| {i} | {b:.0f} | {p:.0f} | {r:.2f} |")
    print(
        f"\nmedian ratio: {statistics.median(ratios):.2f} (wrk -t2 -c16 -d{args.seconds}s, {args.workers} workers)"
    )
    print(f"set-cookie on {args.path}: {'yes' if 'set-cookie' in check.lower() else 'no'}")


if __name__ == "__main__":
    main()
