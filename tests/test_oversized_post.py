"""An oversized form post gets the 413 page over a real socket, not a reset connection (issue 13).

Django refuses a form body over DATA_UPLOAD_MAX_MEMORY_SIZE (or a whole request over
MAX_REQUEST_BYTES) before reading all of it; unless the rest is read, the server closes a socket
with unread data and the client's kernel sees a reset instead of the answer. Runs gunicorn
(development settings, one sync worker) on a random local port.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not GUNICORN.exists():
        pytest.skip("gunicorn is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_ENV": "development",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('db') / 'db.sqlite3'}",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    process = subprocess.Popen(
        [str(GUNICORN), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(timeout=20)


def csrf_cookie(port: int, path: str) -> str:
    """The form's CSRF cookie, as a browser holds it after opening the page."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
        cookies = response.headers.get_all("Set-Cookie") or []
    return next(c.split(";")[0] for c in cookies if c.startswith("csrftoken="))


def post(port: int, body: bytes, path: str = "/refer/clinician/") -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Cookie: {csrf_cookie(port, path)}\r\nReferer: http://127.0.0.1:{port}{path}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        view = memoryview(body)
        for start in range(0, len(body), 65536):
            sock.sendall(view[start : start + 65536])
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("size", [2_800_000, 30_000_000])
def test_an_oversized_form_post_gets_the_413_page(server, size):
    body = b"notes=" + b"x" * size
    answer = post(server, body)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"too much to send at once" in answer


def test_the_same_worker_answers_the_next_request(server):
    post(server, b"notes=" + b"x" * 2_800_000)
    with urllib.request.urlopen(f"http://127.0.0.1:{server}/", timeout=30) as response:
        assert response.status == 200
