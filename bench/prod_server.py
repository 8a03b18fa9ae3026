"""The app under gunicorn with production settings on 127.0.0.1, for the benches (not a test).

    with ProdServer(workers=3) as server:
        print(server.url)   # http://127.0.0.1:<random port in 20000-29999>

Production settings (DJANGO_ENV=production, a generated secret, DEBUG off) as docs/deploy.md runs
them behind its TLS-terminating nginx: BEHIND_TLS_PROXY=true, SECURE_SSL_REDIRECT=false. The
database is a throwaway SQLite file in a temporary directory (migrated on start); REDIS_URL is
left unset unless given, so the cache is per-process (the information pages are still cached).
Static files: collectstatic into the project's STATIC_ROOT, served by whitenoise with the hashed,
compressed names production uses. gunicorn runs with the project's gunicorn.conf.py and is
stopped (SIGTERM, then SIGKILL) on exit; the temporary directory is removed.
"""

import os
import random
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


def free_port() -> int:
    """A free port in 20000-29999 on 127.0.0.1 (the team's range for local servers)."""
    for _ in range(200):
        port = random.randint(20000, 29999)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 20000-29999")


def wait_up(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=25)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


class ProdServer:
    def __init__(self, workers: int = 3, extra_env: dict | None = None, gunicorn_args: tuple = ()):
        self.workers = workers
        self.gunicorn_args = list(gunicorn_args)
        self.tmp = Path(tempfile.mkdtemp(prefix="clinic-prod-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.env = {
            **os.environ,
            "DJANGO_ENV": "production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "BEHIND_TLS_PROXY": "true",
            "SECURE_SSL_REDIRECT": "false",
            "SITE_URL": "https://127.0.0.1",
            "DATABASE_URL": f"sqlite:///{self.tmp / 'db.sqlite3'}",
            "PRIVATE_MEDIA_ROOT": str(self.tmp / "private_media"),
            **(extra_env or {}),
        }

    def manage(self, *argv: str) -> None:
        subprocess.run([PY, "manage.py", *argv], cwd=ROOT, env=self.env, check=True, capture_output=True)

    def __enter__(self) -> "ProdServer":
        try:
            self.manage("migrate", "--noinput", "-v0")
            self.manage("collectstatic", "--noinput", "-v0")
            self.process = subprocess.Popen(
                [
                    GUNICORN,
                    "-c",
                    str(ROOT / "gunicorn.conf.py"),
                    "--workers",
                    str(self.workers),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--access-logfile",
                    "/dev/null",
                    *self.gunicorn_args,
                ],
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=open(self.tmp / "gunicorn.err", "w"),  # noqa: SIM115 - closed with the process
            )
            wait_up(self.port)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        stop(self.process)
        shutil.rmtree(self.tmp, ignore_errors=True)
