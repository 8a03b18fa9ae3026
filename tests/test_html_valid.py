"""Every public page and every error page is valid HTML, by the W3C Nu checker (one JVM run).

The checker is a jar (``make install-dev`` puts it in .tools/; ``make test`` passes its path as
``VNU_JAR``) run with Java 17. Without it the test is skipped, except under ``REQUIRE_BROWSER=1``
(CI), where it fails.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from clinic import views
from clinic.pages import PAGES

MISSING_PATH = "/no-such-page/"


@pytest.fixture
def vnu_command():
    jar = os.environ.get("VNU_JAR", "")
    java = shutil.which("java")
    if not jar or not Path(jar).is_file():
        reason = f"the Nu HTML checker jar is missing (VNU_JAR={jar or 'unset'}); run `make install-dev`"
    elif java is None:
        reason = "java is not installed (the Nu HTML checker needs it)"
    else:
        return [java, "-jar", jar]
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(f"HTML validation skipped: {reason}; REQUIRE_BROWSER=1 makes this a failure")


def rendered_documents() -> tuple[dict[str, bytes], list[str]]:
    """{file name: HTML} for every registry page, the 404 page and the other error pages."""
    client = Client(raise_request_exception=False)
    documents, problems = {}, []
    for language, _name in settings.LANGUAGES:  # English unprefixed, Spanish under /es/
        with translation.override(language):
            suffix = "" if language == settings.LANGUAGE_CODE else f"-{language}"
            for page in PAGES:
                path = reverse(page.url_name)
                response = client.get(path)
                if response.status_code != 200:
                    problems.append(f"{page.slug} ({path}): HTTP {response.status_code}, expected 200")
                    continue
                documents[f"{page.slug}{suffix}.html"] = response.content
            missing = MISSING_PATH if not suffix else f"/{language}{MISSING_PATH}"
            response = client.get(missing)
            if response.status_code != 404:
                problems.append(f"{missing}: HTTP {response.status_code}, expected 404")
            documents[f"error-404{suffix}.html"] = response.content
            request = RequestFactory().get("/" if not suffix else f"/{language}/")
            for name, response in {
                "error-400": views.bad_request(request),
                "error-403": views.permission_denied(request),
                "error-500": views.server_error(request),
                "error-503": views._error(request, "errors/503.html", 503),
            }.items():
                documents[f"{name}{suffix}.html"] = response.content
    return documents, problems


@pytest.mark.django_db  # the information pages quote the current screening policy
def test_every_page_is_valid_html(vnu_command, tmp_path):
    documents, problems = rendered_documents()
    files = []
    for name, content in documents.items():
        file = tmp_path / name
        file.write_bytes(content)
        files.append(file)

    result = subprocess.run(
        [*vnu_command, "--errors-only", "--format", "json", "--stdout", *map(str, files)],
        capture_output=True,
        timeout=120,
    )
    try:
        messages = json.loads(result.stdout or b"{}").get("messages", [])
    except json.JSONDecodeError:
        pytest.fail(
            f"the Nu checker gave no JSON (exit {result.returncode}): {result.stderr.decode()[:2000]}"
        )

    for m in messages:
        if m.get("type") != "error" and m.get("subType") != "fatal":
            continue
        file = Path(unquote(urlsplit(m.get("url", "")).path)).name or "?"
        line = m.get("lastLine", m.get("firstLine", "?"))
        extract = " ".join((m.get("extract") or "").split())
        problems.append(f"{file}:{line}: {m.get('message')}" + (f"  [{extract}]" if extract else ""))
    assert not problems, f"{len(problems)} HTML problem(s):\n" + "\n".join(problems)
    assert result.returncode == 0, result.stderr.decode()[:2000]
