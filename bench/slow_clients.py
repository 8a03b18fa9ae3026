"""Slow half-open clients against bare gunicorn and against nginx in front of it, side by side.

    .venv/bin/python bench/slow_clients.py [--slow 50] [--seconds 10] [--workers 3] [--tls]

One gunicorn (the project's gunicorn.conf.py, production settings: bench/prod_server.py) and one
Debian nginx in front of it, with the configuration generated from the nginx blocks in
docs/deploy.md (so the document and the bench agree; only the TLS lines, the public ports and
the file paths are swapped for local ones). nginx runs from a temporary prefix as our own
process (`-p`, `-c`, `daemon off`), never as the system service.

For each target (gunicorn directly, then nginx) it measures ordinary GET / requests (one new
connection each, a 5 s timeout, back to back for --seconds):
  quiet  with no other traffic;
  slow   while --slow slow clients hold connections open: a third connect and send nothing,
         a third send a request's headers one byte a second and never finish them, a third
         send complete POST headers and then the body one byte a second. A client the server
         drops is replaced at once, so the count stays at --slow.
With --tls, as in production: gunicorn alone serves TLS itself (--certfile/--keyfile), nginx keeps
the document's TLS lines (a throwaway certificate) in front of a second, plain gunicorn, and the
slow clients are half-open TLS handshakes (nothing, or a record header then a byte a second).
It also runs `nginx -t` on the document's configuration as written (TLS included).
It prints one table: median and p95 latency, requests done and failures (timeouts, errors,
non-200) for each target and phase. Everything stays on 127.0.0.1, ends by itself after about
4 x (--seconds + 2) s, and stops its processes. Not a test: pytest never collects it.
Needs nginx (`apt-get install nginx-light`); without it, says so and exits 0 having done nothing.
"""

import argparse
import contextlib
import http.client
import os
import re
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from prod_server import ROOT, ProdServer, free_port, stop, wait_up  # noqa: E402

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
PROBE_TIMEOUT_S = 5


def nginx_conf(prefix: Path, listen_port: int, app_port: int, tls: bool = False) -> str:
    """nginx.conf for a local run, built from the nginx blocks of docs/deploy.md. With `tls`, the
    document's TLS lines stay, with check_doc_config's throwaway certificate."""
    blocks = re.findall(r"```nginx\n(.*?)```", DEPLOY_DOC.read_text(), re.S)
    site = next(b for b in blocks if "upstream clinic_app" in b)
    log_format = next(b for b in blocks if "log_format clinic_no_query" in b)
    # The port-80 server only redirects to https: not part of a local run.
    site = re.sub(r"server \{\s*listen 80;.*?\n\}\n", "", site, flags=re.S)
    site = site.replace("server 127.0.0.1:8000", f"server 127.0.0.1:{app_port}")
    if tls:
        site = re.sub(r"listen 443 (ssl[^;]*);", f"listen 127.0.0.1:{listen_port} \\1;", site)
        site = site.replace(
            "/etc/letsencrypt/live/clinic.example.org/fullchain.pem", str(prefix / "cert.pem")
        )
        site = site.replace("/etc/letsencrypt/live/clinic.example.org/privkey.pem", str(prefix / "key.pem"))
    else:
        site = re.sub(r"listen 443 ssl[^;]*;[^\n]*", f"listen 127.0.0.1:{listen_port};", site)
        site = re.sub(r"^\s*(http2 on|ssl_\w+)[^;]*;\n", "", site, flags=re.M)
    site = site.replace("/var/log/nginx/clinic.access.log", str(prefix / "access.log"))
    if "listen 127.0.0.1" not in site or f"127.0.0.1:{app_port}" not in site:
        raise RuntimeError("docs/deploy.md's nginx block no longer has the expected shape")
    temp_paths = "\n".join(
        f"    {name}_temp_path {prefix / name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""daemon off;
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
{temp_paths}
    access_log off;
{log_format}
{site}
}}
"""


def check_doc_config(prefix: Path) -> str:
    """`nginx -t` on docs/deploy.md's configuration as written (TLS included), with a throwaway
    certificate and log path swapped in: the production block itself is valid for this nginx."""
    blocks = re.findall(r"```nginx\n(.*?)```", DEPLOY_DOC.read_text(), re.S)
    site = next(b for b in blocks if "upstream clinic_app" in b)
    log_format = next(b for b in blocks if "log_format clinic_no_query" in b)
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(prefix / "key.pem"),
            "-out",
            str(prefix / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    site = (
        site.replace("/etc/letsencrypt/live/clinic.example.org/fullchain.pem", str(prefix / "cert.pem"))
        .replace("/etc/letsencrypt/live/clinic.example.org/privkey.pem", str(prefix / "key.pem"))
        .replace("/var/log/nginx/clinic.access.log", str(prefix / "doc-access.log"))
    )
    conf = prefix / "doc-nginx.conf"
    conf.write_text(
        f"pid {prefix / 'doc.pid'};\nerror_log {prefix / 'doc-error.log'};\nevents {{}}\nhttp {{\n{log_format}\n{site}}}\n"
    )
    result = subprocess.run(
        [NGINX, "-t", "-q", "-p", str(prefix), "-c", str(conf)], capture_output=True, text=True
    )
    return "passes nginx -t" if result.returncode == 0 else f"FAILS nginx -t: {result.stderr.strip()}"


class SlowClients:
    """Keeps `count` slow connections open to 127.0.0.1:port, one byte a second, until stopped."""

    def __init__(self, port: int, count: int, tls: bool = False):
        self.port, self.count, self.tls = port, count, tls
        self.socks: list[tuple[socket.socket, str, int]] = []
        self.reopened = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def open(self, i: int) -> tuple[socket.socket, str, int]:
        s = socket.create_connection(("127.0.0.1", self.port), timeout=2)
        s.setblocking(False)
        kind = ("silent", "headers", "body")[i % 3]
        try:
            if self.tls and kind != "silent":
                # Half-open TLS: a handshake record announced at 512 bytes, then a byte a second.
                s.send(b"\x16\x03\x01\x02\x00")
            elif kind == "headers":
                s.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            elif kind == "body":
                s.send(
                    b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
                )
        except OSError:
            pass
        return s, kind, i

    def start(self) -> None:
        self.socks = [self.open(i) for i in range(self.count)]
        self.thread.start()

    def run(self) -> None:
        while not self.stopping.wait(1.0):
            for n, (s, kind, i) in enumerate(self.socks):
                try:
                    if kind != "silent":
                        s.send(b"X" if kind == "headers" else b"a")
                    if s.recv(1, socket.MSG_PEEK) == b"":  # the server closed it
                        raise ConnectionResetError
                except BlockingIOError:
                    continue  # still open, nothing to read: the normal case
                except OSError:
                    s.close()
                    self.reopened += 1
                    try:
                        self.socks[n] = self.open(i)
                    except OSError:
                        pass

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        for s, _kind, _i in self.socks:
            s.close()


def probe(port: int, seconds: float, tls: bool = False) -> dict:
    """GET / back to back on new connections for `seconds`: latencies (ms) and failures."""
    latencies, failures = [], {"timeout": 0, "error": 0, "status": 0}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        start = time.monotonic()
        if tls:  # our own throwaway certificate on 127.0.0.1
            context = ssl._create_unverified_context()  # noqa: S323
            conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=PROBE_TIMEOUT_S, context=context)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=PROBE_TIMEOUT_S)
        try:
            conn.request("GET", "/")
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                latencies.append((time.monotonic() - start) * 1000)
            else:
                failures["status"] += 1
        except TimeoutError:
            failures["timeout"] += 1
        except OSError:
            failures["error"] += 1
            time.sleep(0.1)
        finally:
            conn.close()
    return {"latencies": latencies, "failures": failures}


def summary(result: dict) -> dict:
    lat = sorted(result["latencies"])
    p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))] if lat else None
    return {
        "ok": len(lat),
        "median_ms": statistics.median(lat) if lat else None,
        "p95_ms": p95,
        "failures": sum(result["failures"].values()),
        "failure_kinds": {k: v for k, v in result["failures"].items() if v},
    }


def fmt(ms) -> str:
    return "—" if ms is None else f"{ms:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slow", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument(
        "--tls",
        action="store_true",
        help="TLS as in production: gunicorn alone with --certfile/--keyfile, nginx with the document's "
        "TLS lines (both a throwaway certificate); the slow clients open half-open TLS handshakes",
    )
    args = parser.parse_args()
    if NGINX is None:
        print("SKIPPED: nginx is not installed (apt-get install nginx-light); nothing was measured.")
        return 0

    prefix = Path(tempfile.mkdtemp(prefix="clinic-nginx-"))
    nginx = None
    rows = []
    try:
        doc_check = check_doc_config(prefix)
        tls_args = ("--certfile", str(prefix / "cert.pem"), "--keyfile", str(prefix / "key.pem"))
        with (
            ProdServer(workers=args.workers, gunicorn_args=tls_args if args.tls else ()) as alone,
            ProdServer(workers=args.workers) if args.tls else contextlib.nullcontext(alone) as behind,
        ):
            nginx_port = free_port()
            # nginx's workers may run as "nobody" when we are root: let them use the prefix.
            prefix.chmod(0o755)
            for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
                (prefix / name).mkdir(mode=0o777)
                (prefix / name).chmod(0o777)
            (prefix / "nginx.conf").write_text(nginx_conf(prefix, nginx_port, behind.port, tls=args.tls))
            subprocess.run(
                [NGINX, "-t", "-q", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                check=True,
                capture_output=True,
            )
            nginx = subprocess.Popen(
                [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_up(nginx_port)
            probe(alone.port, 1, args.tls)  # warm-up: the workers load and cache the page
            probe(nginx_port, 1, args.tls)
            for target, port in (("gunicorn alone", alone.port), ("nginx → gunicorn", nginx_port)):
                quiet = summary(probe(port, args.seconds, args.tls))
                rows.append((target, "quiet", quiet, None))
                slow = SlowClients(port, args.slow, args.tls)
                slow.start()
                time.sleep(1)
                try:
                    loaded = summary(probe(port, args.seconds, args.tls))
                finally:
                    slow.stop()
                rows.append((target, f"{args.slow} slow clients", loaded, slow.reopened))
                time.sleep(2)  # let gunicorn's workers drop the closed connections
    finally:
        stop(nginx)
        shutil.rmtree(prefix, ignore_errors=True)

    print(
        f"{'HTTPS (TLS)' if args.tls else 'plain HTTP'}: GET / for {args.seconds:g} s per row, new connection each, {PROBE_TIMEOUT_S} s timeout;"
    )
    print(
        f"gunicorn -c gunicorn.conf.py --workers {args.workers}; nginx {nginx_version()}, docs/deploy.md config"
    )
    print(f"docs/deploy.md's nginx configuration as written (TLS, throwaway certificate): {doc_check}\n")
    print(
        "| target | phase | requests ok | median (ms) | p95 (ms) | failures | slow clients dropped by server |"
    )
    print("|---|---|---|---|---|---|---|")
    for target, phase, s, reopened in rows:
        kinds = ", ".join(f"{v} {k}" for k, v in s["failure_kinds"].items())
        failures = f"{s['failures']} ({kinds})" if kinds else "0"
        dropped = "" if reopened is None else str(reopened)
        print(
            f"| {target} | {phase} | {s['ok']} | {fmt(s['median_ms'])} | {fmt(s['p95_ms'])} | {failures} | {dropped} |"
        )
    return 0


def nginx_version() -> str:
    out = subprocess.run([NGINX, "-v"], capture_output=True, text=True).stderr.strip()
    return out.split("/")[-1] if "/" in out else out


if __name__ == "__main__":
    sys.exit(main())
