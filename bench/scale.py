"""The staff workspace at the scale of a clinic network: the same measurements at two table sizes.

    .venv/bin/python bench/scale.py [--sizes 100,100000] [--repeat 5] [--keep] [--out FILE]

For each size it creates its own PostgreSQL database (clinic_i13_<size>, on 127.0.0.1 as postgres;
`--db-prefix` changes the name), migrates it and builds that many realistic referrals:
  - a dozen templates made through the real workflow (demo.make_referral: every open status, the
    three closed ones, urgent, relative and absolute findings, a provider referral), then
  - clones of them made inside PostgreSQL (INSERT ... SELECT over a map table loaded with COPY),
    with every related row (screening run, findings, checklist items, events, outbox rows,
    information requests), new names, dates of birth, phones, emails and reference codes.
    10% are open (received in the last 30 days), the rest closed at dates spread over three years.

It then measures in one process per size, production settings (DJANGO_ENV=production, DEBUG off),
through Django's test client signed in with password and TOTP code: every queue view, filter and
search, the last page, the review page, one submission, the CSV export (time, peak memory of the
process), one idle round of the outbox sender, and the retention purge (today's per-referral path
against the batched one, on the same kind of rows). Median latency and queries per request.
Prints a table (markdown) with the sizes side by side. Not a test: pytest never collects it.
"""

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PG = {"host": "127.0.0.1", "port": "5432", "user": "postgres"}
URL = "/staff/referrals/referral/"


def db_url(name: str) -> str:
    return f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{name}"


def psql(sql: str, db: str = "postgres") -> None:
    subprocess.run(
        ["psql", "-h", PG["host"], "-p", PG["port"], "-U", PG["user"], "-d", db, "-qc", sql],
        check=True,
        capture_output=True,
    )


def bench_env(name: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clinic.settings",
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": "bench-only-" + "k3y-" * 15,
        "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": db_url(name),
        "CONN_MAX_AGE": "60",
        "NOTIFICATIONS_SEND_ON_COMMIT": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }


# --- the orchestrator -----------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db-prefix", default="clinic_i13_")
    parser.add_argument("--keep", action="store_true", help="keep the databases (and reuse them next run)")
    parser.add_argument("--out", help="also write the JSON results here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)

    results = {}
    # gunicorn serves the production static manifest (the export is also measured through it).
    subprocess.run(
        [PY, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=bench_env("x"), check=True
    )
    for size in [int(s) for s in args.sizes.split(",")]:
        name = f"{args.db_prefix}{size}"
        build = True
        if args.keep:
            exists = subprocess.run(
                ["psql", "-h", PG["host"], "-U", PG["user"], "-d", name, "-tAc", "select 1"],
                capture_output=True,
            )
            build = exists.returncode != 0
        if build:
            psql(f"DROP DATABASE IF EXISTS {name}")
            psql(f"CREATE DATABASE {name}")
            started = time.monotonic()
            subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=bench_env(name), check=True)
            subprocess.run(
                [PY, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=ROOT,
                env=bench_env(name),
                check=True,
            )
            print(f"[{size}] migrated in {time.monotonic() - started:.1f} s", file=sys.stderr)
        else:
            # A kept database: bring it to the current migrations (new indexes) first.
            subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=bench_env(name), check=True)
        out = subprocess.run(
            [PY, __file__, "--worker", "--size", str(size), "--repeat", str(args.repeat)]
            + (["--build"] if build else []),
            cwd=ROOT,
            env=bench_env(name),
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
        results[size] = json.loads(out)
        if not args.keep:
            psql(f"DROP DATABASE IF EXISTS {name}")
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))
    print(table(results))


def table(results: dict) -> str:
    sizes = list(results)
    first = results[sizes[0]]
    lines = [
        "| figure | "
        + " | ".join(f"{s:,}: ms" for s in sizes)
        + " | "
        + " | ".join(f"{s:,}: queries" for s in sizes)
        + (f" | ratio {sizes[-1]:,}/{sizes[0]:,}" if len(sizes) > 1 else "")
        + " |",
        "|---" * (1 + 2 * len(sizes) + (1 if len(sizes) > 1 else 0)) + "|",
    ]
    for key in first["rows"]:
        cells = [results[s]["rows"].get(key, {}) for s in sizes]
        ms = [f"{c.get('ms', float('nan')):.1f}" for c in cells]
        queries = [str(c.get("queries", "")) for c in cells]
        ratio = ""
        if len(sizes) > 1 and cells[0].get("ms"):
            ratio = f" | {cells[-1].get('ms', 0) / cells[0]['ms']:.2f}"
        lines.append(f"| {key} | " + " | ".join(ms) + " | " + " | ".join(queries) + ratio + " |")
    lines.append("")
    for s in sizes:
        extra = results[s]["extra"]
        lines.append(f"- at {s:,}: " + "; ".join(f"{k}: {v}" for k, v in extra.items()))
    return "\n".join(lines)


# --- the worker (one size, one database) -----------------------------------------------------------
def worker(args) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test.utils import override_settings

    # A checkout has no collected static manifest; everything else is production.
    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    started = time.monotonic()
    if args.build:
        build(args.size)
    extra = {"build_s": round(time.monotonic() - started, 1)}
    rows = measure(args.size, args.repeat, extra)
    json.dump({"rows": rows, "extra": extra}, sys.stdout)


FIRST = ["Avery", "Jordan", "Riley", "Casey", "Morgan", "Quinn", "Rowan", "Sasha", "Emerson", "Hayden",
         "Parker", "Reese", "Skyler", "Dakota", "Finley", "Harper", "Jesse", "Kendall", "Logan", "Marley"]  # fmt: skip
SYLLABLES = ["al", "ber", "cor", "dan", "el", "fen", "gar", "hol", "is", "jen", "kel", "lor", "mar",
             "nor", "os", "per", "quin", "ros", "sten", "tor", "ul", "ven", "wes", "yor", "zan"]  # fmt: skip


def last_name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()


def templates():
    """Referrals through the real workflow: (referral, weight) with open and closed kept apart."""
    from referrals import demo

    coordinator = demo.staff_user("bench-coordinator", "Intake coordinator")
    clinician = demo.staff_user("bench-clinician", "Clinician")
    make = lambda status, **kw: demo.make_referral(  # noqa: E731
        status, coordinator=coordinator, clinician=clinician, **kw
    )
    urgent = {"phq9": [0, 0, 0, 0, 0, 0, 0, 0, 2]}
    provider, _token = demo.provider_referral()
    completed, _token = demo.provider_referral(first_name="Taylor")
    completed = demo.complete_provider_referral(completed, indication="crps")
    open_ = [
        (make("submitted"), 30),
        (make("submitted", **urgent), 3),
        (make("submitted", glaucoma=True), 10),
        (make("in_review", sleep_apnea=True), 20),
        (make("in_review", ketamine_allergy="yes"), 3),
        (make("needs_info"), 10),
        (make("cleared"), 10),
        (provider, 8),
        (completed, 6),
    ]
    closed = [
        (make("scheduled"), 60),
        (make("not_eligible", ketamine_allergy="yes"), 15),
        (make("withdrawn"), 25),
    ]
    return open_, closed


def build(size: int) -> None:
    import io

    from django.db import connection
    from django.utils import timezone

    from referrals.models import Referral, new_reference

    open_, closed = templates()
    made = Referral.objects.count()
    rng = random.Random(13)
    now = timezone.now()
    used = set(Referral.objects.values_list("reference", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM referrals_referral")
        next_id = cursor.fetchone()[0] + 1
    buffer = io.StringIO()
    for n in range(size - made):
        is_open = rng.random() < 0.10
        pool = open_ if is_open else closed
        template = rng.choices([t for t, _w in pool], weights=[w for _t, w in pool])[0]
        if is_open:
            created = now - timedelta(seconds=rng.uniform(0, 30 * 86400))
        else:
            created = now - timedelta(seconds=rng.uniform(30 * 86400, 3 * 365 * 86400))
        while (reference := new_reference()) in used:
            pass
        used.add(reference)
        first, last = rng.choice(FIRST), last_name(rng)
        born = f"{rng.randint(1940, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        phone = f"(555) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
        email = f"{first}.{last}.{n}@example.com".lower()
        buffer.write(
            "\t".join([str(next_id + n), str(template.pk), created.isoformat(), reference, first, last,
                       born, phone, email]) + "\n"
        )  # fmt: skip
    buffer.seek(0)

    def columns(cursor, table):
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
            "ORDER BY ordinal_position",
            [table],
        )
        return cursor.fetchall()

    def select_list(cursor, table, alias, overrides):
        names, exprs = [], []
        for name, kind in columns(cursor, table):
            if name == "id" and "id" not in overrides:
                continue
            names.append(f'"{name}"')
            if name in overrides:
                exprs.append(overrides[name])
            elif kind.startswith("timestamp"):
                exprs.append(f'{alias}."{name}" + m.shift')
            else:
                exprs.append(f'{alias}."{name}"')
        return ", ".join(names), ", ".join(exprs)

    with connection.cursor() as cursor:
        # Every template email went out long ago: the outbox is idle, as it is most of the time.
        cursor.execute("UPDATE referrals_notification SET status = 'sent', sent_at = created_at")
        cursor.execute(
            "CREATE TEMP TABLE clone_map (new_id bigint PRIMARY KEY, tmpl_id bigint, created timestamptz, "
            "reference varchar(11), first_name varchar(100), last_name varchar(100), born date, "
            "phone varchar(30), email varchar(254), shift interval)"
        )
        cursor.cursor.copy_expert("COPY clone_map (new_id, tmpl_id, created, reference, first_name, "
                                  "last_name, born, phone, email) FROM STDIN", buffer)  # fmt: skip
        cursor.execute(
            "UPDATE clone_map m SET shift = m.created - r.created_at FROM referrals_referral r "
            "WHERE r.id = m.tmpl_id"
        )
        cursor.execute("ANALYZE clone_map")
        names, exprs = select_list(
            cursor,
            "referrals_referral",
            "r",
            {
                "id": "m.new_id",
                "reference": "m.reference",
                "first_name": "m.first_name",
                "last_name": "m.last_name",
                "date_of_birth": "m.born",
                "phone": "m.phone",
                "email": "m.email",
                "submission_token": "CASE WHEN r.submission_token IS NULL THEN NULL ELSE gen_random_uuid() END",
                "provider_submission_token": (
                    "CASE WHEN r.provider_submission_token IS NULL THEN NULL ELSE gen_random_uuid() END"
                ),
                "completion_token_hash": (
                    "CASE WHEN r.completion_token_hash = '' THEN '' ELSE md5(random()::text) END"
                ),
            },
        )
        cursor.execute(
            f"INSERT INTO referrals_referral ({names}) SELECT {exprs} FROM clone_map m "
            "JOIN referrals_referral r ON r.id = m.tmpl_id"
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('referrals_referral', 'id'), "
            "(SELECT max(id) FROM referrals_referral))"
        )
        children = {
            "referrals_screeningrun": {},
            "referrals_clearanceitem": {},
            "referrals_referralevent": {},
            "referrals_notification": {},
            "referrals_inforequest": {"token_hash": "md5(random()::text || m.new_id::text)"},
        }
        for table_name, overrides in children.items():
            names, exprs = select_list(cursor, table_name, "c", {**overrides, "referral_id": "m.new_id"})
            cursor.execute(
                f"INSERT INTO {table_name} ({names}) SELECT {exprs} FROM clone_map m "
                f"JOIN {table_name} c ON c.referral_id = m.tmpl_id"
            )
        names, exprs = select_list(
            cursor, "referrals_finding", "c", {"referral_id": "m.new_id", "run_id": "nr.id"}
        )
        cursor.execute(
            f"INSERT INTO referrals_finding ({names}) SELECT {exprs} FROM clone_map m "
            "JOIN referrals_finding c ON c.referral_id = m.tmpl_id "
            "JOIN referrals_screeningrun tr ON tr.id = c.run_id "
            "JOIN referrals_screeningrun nr ON nr.referral_id = m.new_id AND nr.current = tr.current "
            "AND nr.screened_on = (tr.screened_on + m.shift)::date"
        )
    # What autovacuum does to a table this size after a bulk load: statistics and the visibility
    # map (without it no index-only scan, which counting the queue relies on).
    connection.ensure_connection()
    connection.connection.autocommit = True
    with connection.connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# --- measuring ------------------------------------------------------------------------------------
def measure(size: int, repeat: int, extra: dict) -> dict:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from referrals import demo, notifications, retention
    from referrals.models import Notification, Referral
    from tests.conftest import STAFF_PASSWORD, sign_in_with_totp

    coordinator = demo.staff_user("bench-coordinator", "Intake coordinator")
    coordinator.set_password(STAFF_PASSWORD)
    coordinator.save()
    client = Client()
    assert sign_in_with_totp(client, coordinator).status_code == 302, "sign-in failed"
    rows: dict = {}
    extra["referrals"] = Referral.objects.count()
    extra["open"] = Referral.objects.filter(status__in=Referral.OPEN_STATUSES).count()
    extra["notifications"] = Notification.objects.count()

    def timed(label, fn, times=repeat, check=None):
        fn()  # warm: caches, connection, compiled templates
        samples, counts = [], []
        for _ in range(times):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                result = fn()
                samples.append((time.perf_counter() - started) * 1000)
            counts.append(len(queries))
            if check:
                check(result)
        reset_queries()
        rows[label] = {"ms": round(statistics.median(samples), 1), "queries": max(counts)}
        print(f"[{size}] {label}: {rows[label]}", file=sys.stderr)

    def get(path, **params):
        def fn():
            response = client.get(path, params)
            assert response.status_code == 200, (path, params, response.status_code)
            if response.streaming:
                for _chunk in response.streaming_content:
                    pass
            return response

        return fn

    # A referral in the queue (newest open clone), and one deep in the closed history.
    target = Referral.objects.filter(status=Referral.Status.IN_REVIEW).order_by("-pk").first()
    old = (
        Referral.objects.exclude(status__in=Referral.OPEN_STATUSES)
        .filter(purged_at__isnull=True)
        .order_by("pk")[size // 2 :][:1]
        .get()
    )

    def found(reference):
        def check(response):
            assert 'class="ref-code" href="' in response.content.decode(), "no rows"
            assert f">{reference}</a>" in response.content.decode(), reference

        return check

    timed("queue: open (default)", get(URL))
    timed("queue: closed", get(URL, queue="closed"))
    timed("queue: all", get(URL, queue="all"))
    for name, value in [("flag", "urgent"), ("flag", "relative"), ("flag", "absolute"), ("flag", "duplicate"),
                        ("flag", "differences"), ("target", "overdue"), ("target", "on_time"),
                        ("assigned", "me"), ("assigned", "none"), ("status__exact", "in_review"),
                        ("source__exact", "provider"), ("indication", "trd")]:  # fmt: skip
        timed(f"filter: {name}={value}", get(URL, **{name: value}))
    timed("filter: all + flag=relative", get(URL, queue="all", flag="relative"))
    timed("search: reference", get(URL, q=old.reference, queue="all"), check=found(old.reference))
    timed(
        "search: reference, no dashes",
        get(URL, q=old.reference.replace("-", "").lower(), queue="all"),
        check=found(old.reference),
    )
    timed("search: last name", get(URL, q=old.last_name, queue="all"), check=found(old.reference))
    timed("search: full name", get(URL, q=f"{old.first_name} {old.last_name}", queue="all"),
          check=found(old.reference))  # fmt: skip
    timed(
        "search: date of birth",
        get(URL, q=old.date_of_birth.strftime("%m/%d/%Y"), queue="all"),
        check=found(old.reference),
    )
    timed("search: phone", get(URL, q=old.phone, queue="all"), check=found(old.reference))
    digits = "".join(ch for ch in old.phone if ch.isdigit())
    timed("search: phone digits", get(URL, q=digits, queue="all"), check=found(old.reference))
    timed("search: email", get(URL, q=old.email.upper(), queue="all"), check=found(old.reference))
    timed("search: no match", get(URL, q="Nobodyatall", queue="all"))
    pages = -(-Referral.objects.count() // 50)
    timed("last page of all", get(URL, queue="all", p=pages))
    timed("review page (open referral)", get(f"{URL}{target.pk}/change/"))
    timed("review page (closed referral)", get(f"{URL}{old.pk}/change/"))

    counter = iter(range(10**6))

    def submit():
        n = next(counter)
        return demo.submit(first_name="Bench", last_name=f"Submit{n}", email=f"bench{n}@example.com")

    timed("one submission (workflow)", submit, times=max(3, repeat))

    # The export of every row: once (it is the slowest thing here), with the process's peak memory.
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timed("export: all rows (CSV)", get(reverse_export(), queue="all"), times=1)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    extra["peak_rss_before_export_mb"] = before // 1024
    extra["peak_rss_after_export_mb"] = after // 1024

    extra.update(gunicorn_export(client))

    Notification.objects.filter(status=Notification.SendStatus.QUEUED).update(
        status=Notification.SendStatus.SENT, sent_at=timezone.now()
    )
    timed("outbox: one idle round", lambda: notifications.send_due(limit=50))
    extra["outbox_plan"] = outbox_plan()

    extra.update(plans(old))

    # The purge: the same number of due referrals per path, each timed alone.
    now = timezone.now()
    due = list(retention.closed_referrals_due(now).values_list("pk", flat=True)[:1000])
    half = len(due) // 2
    if half:
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            for referral in Referral.objects.filter(pk__in=due[:half]):
                retention.purge_referral(referral, now=now)
        elapsed = time.perf_counter() - started
        rows["purge: per referral (rate /s)"] = {"ms": round(half / elapsed, 1), "queries": len(queries)}
        extra["purge_per_referral"] = f"{half} referrals in {elapsed:.2f} s"
        batch = getattr(retention, "purge_referrals", None)
        if batch:
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                batch(Referral.objects.filter(pk__in=due[half : 2 * half]), now=now)
            elapsed = time.perf_counter() - started
            rows["purge: batched (rate /s)"] = {"ms": round(half / elapsed, 1), "queries": len(queries)}
            extra["purge_batched"] = f"{half} referrals in {elapsed:.2f} s"
    return rows


def gunicorn_export(client) -> dict:
    """All rows through gunicorn with the project's gunicorn.conf.py (one sync worker, 30 s timeout):
    how long the download takes and the worker's peak resident memory (VmHWM)."""
    import socket

    import httpx
    from django.conf import settings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
         "--workers", "1"],
        cwd=ROOT,
        env=os.environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(base + "/robots.txt", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        worker_pid = children[0]
        headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}", "X-Forwarded-Proto": "https"}
        started = time.monotonic()
        size = lines = 0
        status = "cut off"
        url = base + reverse_export() + "?queue=all"
        try:
            with httpx.stream("GET", url, headers=headers, timeout=120) as response:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    lines += chunk.count(b"\n")
                status = response.status_code
        except httpx.HTTPError as error:  # the worker killed at its timeout: say so, keep measuring
            status = f"cut off ({type(error).__name__})"
        elapsed = time.monotonic() - started
        alive = Path(f"/proc/{worker_pid}").exists()
        peak = "0"
        if alive:
            status_file = Path(f"/proc/{worker_pid}/status").read_text()
            peak = next(line.split()[1] for line in status_file.splitlines() if line.startswith("VmHWM"))
        return {
            "gunicorn_export": f"HTTP {status}, {lines - 1} rows, {size / 1e6:.1f} MB in {elapsed:.1f} s; "
            f"worker peak RSS {int(peak) // 1024} MB; same worker after: {alive}"
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def plans(old) -> dict:
    """Which scans PostgreSQL picks for the queries that must not read the whole table."""
    from django.db import connection
    from django.utils import timezone

    from referrals import retention
    from referrals.admin import queue
    from referrals.models import Referral, phone_tail

    open_ = Referral.objects.filter(status__in=Referral.OPEN_STATUSES)
    queries = {
        "plan: open queue page": queue.annotate_queue(open_).order_by("-urgent_safety", "created_at", "pk")[
            :50
        ],
        "plan: duplicate check": open_.filter(
            first_name__iexact=old.first_name,
            last_name__iexact=old.last_name,
            date_of_birth=old.date_of_birth,
        )[:1],
        "plan: phone search": Referral.objects.alias(tail=phone_tail()).filter(
            tail=old.phone[-8:].replace("-", "")
        ),
        "plan: name search": Referral.objects.filter(last_name__icontains=old.last_name),
        "plan: purge due": retention.closed_referrals_due(timezone.now()).values("pk")[:500],
    }
    found = {}
    with connection.cursor() as cursor:
        for label, query in queries.items():
            sql, params = query.query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            lines = [row[0].strip() for row in cursor.fetchall()]
            found[label] = " / ".join(line.split("  (cost")[0] for line in lines if "Scan" in line)[:240]
    return found


def reverse_export() -> str:
    from django.urls import reverse

    return reverse("admin:referrals_referral_export")


def outbox_plan() -> str:
    """How PostgreSQL finds the due notifications (a sequential scan is the problem)."""
    from django.db import connection
    from django.utils import timezone

    from referrals.models import Notification

    query = (
        Notification.objects.filter(
            status__in=[Notification.SendStatus.QUEUED, Notification.SendStatus.FAILED]
        )
        .exclude(next_attempt_at__gt=timezone.now())
        .order_by("created_at", "id")[:50]
    )
    due = getattr(__import__("referrals.notifications").notifications, "due_queryset", None)
    if due:
        query = due(timezone.now())[:50]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = " / ".join(row[0].strip() for row in cursor.fetchall())
    return plan[:300]


if __name__ == "__main__":
    main()
