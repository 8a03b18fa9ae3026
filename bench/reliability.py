"""Proofs of reliability against production settings served by gunicorn over TLS on 127.0.0.1.

    .venv/bin/python bench/reliability.py [--flows 200] [--mail-flows 50] [--workers 3] [--out FILE]

What it does, all bounded in count and time, all traffic to 127.0.0.1:
  setup  a self-signed certificate (openssl), a throwaway PostgreSQL database, migrate, collectstatic,
         a local SMTP sink (bench/smtp_sink.py), gunicorn (DJANGO_ENV=production, 3 sync workers,
         CONN_MAX_AGE=60 with health checks, REDIS_URL, rate limits raised by their RATE_LIMIT_* env).
  (a)    --flows concurrent complete self-referrals (one thread each): every success stored exactly
         once, zero 5xx.
  (b)    the same load again with PostgreSQL stopped for --outage seconds in the middle: requests during
         the outage get the 503 "try again shortly" page (clients retry like a patient would, after
         1 s), no 500s, no partial referral, and the same gunicorn recovers without a restart.
  (c)    the mail server down: --mail-flows submissions all succeed, the sender (`manage.py
         send_notifications`) fails without losing anything, then the mail server comes back and
         every queued notification is delivered once.
  clean  stop gunicorn and the sink, make sure PostgreSQL is running, drop the database.

Prints a JSON summary (and writes it to --out). Not a test: pytest never collects it.
"""

import argparse
import collections
import json
import multiprocessing
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import httpx
import psycopg2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.intake_data import step_data  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PG_VERSION = sorted(os.listdir("/etc/postgresql"))[-1]
PG_CTL = ["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, "main"]
REFERENCE = re.compile(r"\b[A-HJ-NP-Z2-9]{3}-[A-HJ-NP-Z2-9]{3}-[A-HJ-NP-Z2-9]{3}\b")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOKEN = re.compile(r'name="review-submission_token" value="([^"]+)"')
FLOW_DEADLINE_S = 900  # one patient gives up after this long (bounded: every flow ends)
RETRY_PAUSE_S = 1.0  # a patient pressing "try again" on the 503 page


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def letters(n: int) -> str:
    out = ""
    n += 26 * 26  # at least three letters
    while n:
        n, r = divmod(n, 26)
        out = "abcdefghijklmnopqrstuvwxyz"[r] + out
    return out


def pg_running() -> bool:
    return subprocess.run([*PG_CTL, "status"], capture_output=True).returncode == 0


def pg(action: str) -> None:
    subprocess.run([*PG_CTL, action], check=True, capture_output=True)


# --- one patient (module level: runs in the client processes) ---------------------------------
def request(client, base, method, url, stats, events, deadline, data=None):
    """One page load; on a 503 or a dropped connection, wait and press again, like a patient."""
    while time.monotonic() < deadline:
        try:
            response = client.request(method, url, data=data, headers={"Referer": base + url})
        except httpx.TransportError:
            stats["transport_errors"] += 1
            time.sleep(RETRY_PAUSE_S)
            continue
        code = response.status_code
        stats[str(code)] += 1
        events.append((time.monotonic(), code))
        if code == 503:
            friendly = "Please try again shortly" in response.text and response.headers.get("Retry-After")
            stats["503_friendly" if friendly else "503_unfriendly"] += 1
            time.sleep(RETRY_PAUSE_S)
            continue
        return response
    raise TimeoutError(f"{method} {url} gave up")


def flow(base: str, n: int, tag: str) -> dict:
    """One complete self-referral: GET each step, post it with its CSRF token, follow the redirect."""
    first, last = "Bench", f"{tag}{letters(n)}".capitalize()
    data = step_data(
        "crps" if n % 2 else "trd",
        about__first_name=first,
        about__last_name=last,
        about__email=f"{tag}{n}@example.com",
        consent__signature=f"{first} {last}",
    )
    stats, events = collections.Counter(), []
    result = {"n": n, "last_name": last, "ok": False, "stats": stats, "events": events}
    deadline = time.monotonic() + FLOW_DEADLINE_S
    try:
        with httpx.Client(base_url=base, verify=False, timeout=120) as client:
            page = request(client, base, "GET", "/refer/self/about/", stats, events, deadline)
            for _ in range(20):
                path = page.request.url.path
                step = path.rstrip("/").rsplit("/", 1)[-1]
                if step == "confirmation":
                    match = REFERENCE.search(page.text)
                    result.update(ok=bool(match), reference=match and match.group(0))
                    return result
                post = {f"{step}-{k}": v for k, v in data.get(step, {}).items()}
                post["intake_wizard-current_step"] = step
                post["csrfmiddlewaretoken"] = CSRF.search(page.text).group(1)
                if step == "review":
                    post["review-submission_token"] = TOKEN.search(page.text).group(1)
                response = request(client, base, "POST", path, stats, events, deadline, data=post)
                if response.status_code != 302:
                    result["error"] = f"{step}: {response.status_code}"
                    return result
                page = request(client, base, "GET", response.headers["location"], stats, events, deadline)
            result["error"] = "too many steps"
    except Exception as exc:  # a flow that fails is counted, never hidden
        result["error"] = f"{type(exc).__name__}: {exc}"[:200]
    return result


def default_signals() -> None:
    # Client processes are stopped by the pool with SIGTERM: not the parent's cleanup handler.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def run_batch(base: str, tag: str, ns: list[int]) -> list[dict]:
    with ThreadPoolExecutor(max_workers=len(ns)) as pool:
        return list(pool.map(lambda n: flow(base, n, tag), ns))


class Bench:
    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="clinic-bench-"))
        self.db = f"bench_clinic_{os.getpid()}"
        self.port = free_port()
        self.smtp_port = free_port()
        self.base = f"https://127.0.0.1:{self.port}"
        self.gunicorn = None
        self.sink = None
        self.mail_log = self.tmp / "mail.jsonl"
        self.events = []  # (monotonic time, status) of every response, for the outage window
        rate_names = set(re.findall(r'"(RATE_LIMIT_[A-Z_]+)"', (ROOT / "clinic" / "settings.py").read_text()))
        self.env = {
            **os.environ,
            "DJANGO_ENV": "production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{self.db}",
            "CONN_MAX_AGE": "60",
            "REDIS_URL": "redis://127.0.0.1:6379/9",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp_port),
            "EMAIL_USE_TLS": "false",
            "EMAIL_TIMEOUT": "5",
            "SITE_URL": self.base,
            "PRIVATE_MEDIA_ROOT": str(self.tmp / "media"),
            "PYTHONPATH": str(ROOT),
            **{name: "1000000/60" for name in rate_names},  # the documented way to raise the limits
        }
        self.summary = {"workers": args.workers, "rate_limit_env": sorted(rate_names)}

    # --- processes ---------------------------------------------------------------------------
    def manage(self, *argv, check=True) -> subprocess.CompletedProcess:
        return subprocess.run([PY, "manage.py", *argv], cwd=ROOT, env=self.env, check=check,
                              capture_output=True, text=True, timeout=300)  # fmt: skip

    def setup(self) -> None:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(self.tmp / "key.pem"),
             "-out", str(self.tmp / "cert.pem")],
            check=True, capture_output=True,
        )  # fmt: skip
        if not pg_running():
            pg("start")
        with closing(self.admin_db()) as conn, conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{self.db}"')
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput")
        self.start_sink()
        self.gunicorn = subprocess.Popen(
            [GUNICORN, "-c", str(ROOT / "gunicorn.conf.py"), "-b", f"127.0.0.1:{self.port}",
             "-w", str(self.args.workers), "--certfile", str(self.tmp / "cert.pem"),
             "--keyfile", str(self.tmp / "key.pem"), "--no-control-socket",
             "--access-logfile", str(self.tmp / "access.log"), "--error-logfile", str(self.tmp / "error.log")],
            cwd=ROOT, env=self.env,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/", verify=False, timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer within 30 s; see " + str(self.tmp / "error.log"))

    def start_sink(self) -> None:
        self.sink = subprocess.Popen([PY, str(ROOT / "bench" / "smtp_sink.py"), str(self.smtp_port),
                                      str(self.mail_log)], stdout=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.smtp_port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the SMTP sink did not start")

    def stop_sink(self) -> None:
        if self.sink and self.sink.poll() is None:
            self.sink.terminate()
            self.sink.wait(10)
        self.sink = None

    def admin_db(self):
        conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
        conn.autocommit = True
        return conn

    def cleanup(self) -> None:
        if self.gunicorn and self.gunicorn.poll() is None:
            self.gunicorn.terminate()
            try:
                self.gunicorn.wait(20)
            except subprocess.TimeoutExpired:
                self.gunicorn.kill()
                self.gunicorn.wait(5)
        self.stop_sink()
        if not pg_running():
            pg("start")
        try:
            with closing(self.admin_db()) as conn, conn.cursor() as cur:
                cur.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [self.db]
                )
                cur.execute(f'DROP DATABASE IF EXISTS "{self.db}"')
        except psycopg2.Error as exc:
            print(f"could not drop {self.db}: {exc}", file=sys.stderr)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def load(self, tag: str, count: int, during=None) -> dict:
        # Several client processes (threads within each): one process of 200 threads starves its own
        # TLS handshakes and measures the load generator instead of the server.
        processes = max(1, min(self.args.client_processes, count))
        batches = [(self.base, tag, list(range(i, count, processes))) for i in range(processes)]
        started = time.monotonic()
        with multiprocessing.get_context("fork").Pool(processes, initializer=default_signals) as pool:
            pending = pool.starmap_async(run_batch, batches)
            if during:
                during()
            results = [r for batch in pending.get(timeout=FLOW_DEADLINE_S + 60) for r in batch]
        wall = time.monotonic() - started
        totals = collections.Counter()
        for r in results:
            totals.update(r["stats"])
            self.events.extend(r.pop("events"))
        ok = [r for r in results if r["ok"]]
        requests = sum(v for k, v in totals.items() if k.isdigit())
        return {
            "flows": count,
            "client_processes": processes,
            "succeeded": len(ok),
            "failed": [{"n": r["n"], "error": r.get("error")} for r in results if not r["ok"]][:10],
            "wall_s": round(wall, 1),
            "requests": requests,
            "requests_per_s": round(requests / wall, 1),
            "flows_per_s": round(len(ok) / wall, 2),
            "status_counts": dict(sorted((k, v) for k, v in totals.items() if k.isdigit())),
            "http_5xx": sum(v for k, v in totals.items() if k.isdigit() and k.startswith("5")),
            "http_500": totals["500"],
            "http_503": totals["503"],
            "http_503_friendly_with_retry_after": totals["503_friendly"],
            "transport_errors": totals["transport_errors"],
            "stored": self.check_stored(tag, ok, results),
        }

    # --- checks in the database --------------------------------------------------------------
    def query(self, sql, params=()):
        with closing(psycopg2.connect(host="127.0.0.1", user="postgres", dbname=self.db)) as conn:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()

    def check_stored(self, tag, ok, results) -> dict:
        rows = self.query("SELECT last_name, reference FROM referrals_referral WHERE first_name = 'Bench' "
                          "AND last_name LIKE %s", [tag.capitalize() + "%"])  # fmt: skip
        by_name = collections.defaultdict(list)
        for last_name, reference in rows:
            by_name[last_name].append(reference)
        once = sum(1 for r in ok if by_name.get(r["last_name"]) == [r["reference"]])
        return {
            "referrals_in_db": len(rows),
            "successes_stored_exactly_once": once,
            "names_stored_more_than_once": sum(1 for refs in by_name.values() if len(refs) > 1),
            "failed_flows_with_a_referral": sum(
                1 for r in results if not r["ok"] and r["last_name"] in by_name
            ),
        }

    def consistency(self) -> dict:
        """No partial referral: every submitted one is screened, checklisted and has its notifications."""
        [(referrals, no_run, no_checklist, few_mails, stray_findings)] = self.query("""
            SELECT count(*),
              count(*) FILTER (WHERE (SELECT count(*) FROM referrals_screeningrun s
                                      WHERE s.referral_id = r.id AND s.current) <> 1),
              count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM referrals_clearanceitem c WHERE c.referral_id = r.id)),
              count(*) FILTER (WHERE (SELECT count(*) FROM referrals_notification m WHERE m.referral_id = r.id) <> 2),
              (SELECT count(*) FROM referrals_finding f JOIN referrals_screeningrun s ON s.id = f.run_id
               WHERE s.referral_id <> f.referral_id)
            FROM referrals_referral r""")  # fmt: skip
        return {
            "referrals": referrals,
            "without_one_current_screening": no_run,
            "without_checklist": no_checklist,
            "without_exactly_two_notifications": few_mails,
            "findings_on_another_referrals_run": stray_findings,
        }

    # --- scenarios ---------------------------------------------------------------------------
    def scenario_a(self) -> dict:
        return self.load("loada", self.args.flows)

    def scenario_b(self) -> dict:
        window = {}
        master = self.gunicorn.pid

        def outage():
            time.sleep(self.args.outage_after)
            window["down_at"] = time.monotonic()
            pg("stop")
            window["stopped_at"] = time.monotonic()
            time.sleep(self.args.outage)
            pg("start")
            window["up_at"] = time.monotonic()

        result = self.load("faultb", self.args.flows, during=outage)
        during = [code for t, code in self.events if window["stopped_at"] <= t <= window["up_at"]]
        result["outage_s"] = round(window["up_at"] - window["down_at"], 1)
        result["responses_during_outage"] = dict(collections.Counter(str(c) for c in during))
        after = httpx.get(self.base + "/refer/self/about/", verify=False, timeout=10)
        result["after_recovery_status"] = after.status_code
        result["same_gunicorn_master"] = self.gunicorn.poll() is None and self.gunicorn.pid == master
        return result

    def send(self) -> list:
        """One round of the outbox sender: `manage.py send_notifications` (once), else send_due."""
        command = ROOT / "referrals" / "management" / "commands" / "send_notifications.py"
        if command.exists():
            out = self.manage("send_notifications", "--limit", "1000", check=False)
            return ["manage.py send_notifications --limit 1000", out.returncode, out.stdout.strip()[-200:]]
        code = "from referrals.notifications import send_due; print(send_due(limit=5000))"
        out = self.manage("shell", "-c", code, check=False)
        return ["send_due", out.returncode, out.stdout.strip()[-200:]]

    def notification_counts(self) -> dict:
        return dict(self.query("SELECT status, count(*) FROM referrals_notification GROUP BY status"))

    def scenario_c(self) -> dict:
        self.stop_sink()  # the mail server goes down
        result = self.load("mailc", self.args.mail_flows)
        result["sender_while_mail_down"] = self.send()
        result["notifications_while_mail_down"] = self.notification_counts()
        self.start_sink()  # the mail server is back
        started = time.monotonic()
        runs = []
        while time.monotonic() - started < 180:
            runs.append(self.send())
            counts = self.notification_counts()
            if not counts.get("queued") and not counts.get("failed"):
                break
            time.sleep(5)  # the sender loop's pace; failed mail is retried after its backoff (30 s first)
        result["sender_runs_after_mail_back"] = len(runs)
        result["delivery_wait_s"] = round(time.monotonic() - started, 1)
        result["notifications_after"] = self.notification_counts()
        delivered = [json.loads(line) for line in self.mail_log.read_text().splitlines()]
        pairs = collections.Counter((m["to"], m["subject"]) for m in delivered)
        result["messages_delivered"] = len(delivered)
        result["duplicate_messages"] = sum(v - 1 for v in pairs.values() if v > 1)
        expected = self.query("SELECT count(*) FROM referrals_notification")[0][0]
        result["notifications_total"] = expected
        result["every_notification_delivered_once"] = (
            len(delivered) == expected and not result["duplicate_messages"]
        )
        return result

    def access_log_check(self) -> dict:
        marker = "QueryMarker" + secrets.token_hex(4)
        httpx.get(f"{self.base}/?q={marker}", verify=False, timeout=10)
        time.sleep(0.5)
        log = (self.tmp / "access.log").read_text()
        return {
            "access_log_lines": len(log.splitlines()),
            "query_string_in_access_log": marker in log or "?" in log,
        }

    def run(self) -> dict:
        self.setup()
        self.summary["a_load"] = self.scenario_a()
        self.summary["b_postgres_restart"] = self.scenario_b()
        self.summary["c_mail_down"] = self.scenario_c()
        self.summary["consistency"] = self.consistency()
        self.summary["access_log"] = self.access_log_check()
        errors = (self.tmp / "error.log").read_text()
        self.summary["gunicorn_worker_timeouts"] = errors.count("WORKER TIMEOUT")
        return self.summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=200)
    parser.add_argument("--mail-flows", type=int, default=50)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--client-processes", type=int, default=8)
    parser.add_argument("--outage", type=float, default=6.0, help="seconds PostgreSQL stays down in (b)")
    parser.add_argument("--outage-after", type=float, default=60.0, help="seconds into the (b) load")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    bench = Bench(args)

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    try:
        summary = bench.run()
    finally:
        bench.cleanup()  # gunicorn and the sink stopped, PostgreSQL running, the database dropped
    text = json.dumps(summary, indent=2, default=str)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    a, b, c = summary["a_load"], summary["b_postgres_restart"], summary["c_mail_down"]
    passed = (
        a["succeeded"] == a["flows"] and a["http_5xx"] == 0
        and a["stored"]["successes_stored_exactly_once"] == a["succeeded"]
        and b["succeeded"] == b["flows"]
        and b["http_500"] == 0 and b["http_503"] == b["http_503_friendly_with_retry_after"]
        and b["stored"]["successes_stored_exactly_once"] == b["succeeded"]
        and b["stored"]["names_stored_more_than_once"] == 0
        and b["after_recovery_status"] == 200 and b["same_gunicorn_master"]
        and c["succeeded"] == c["flows"] and c["http_5xx"] == 0 and c["every_notification_delivered_once"]
        and not any(v for k, v in summary["consistency"].items() if k != "referrals")
        and not summary["access_log"]["query_string_in_access_log"]
    )  # fmt: skip
    print("RESULT:", "PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
