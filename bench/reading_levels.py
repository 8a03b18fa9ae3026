"""Reading level of every patient information page, in English and in Spanish.

    .venv/bin/python manage.py migrate -v0 && .venv/bin/python bench/reading_levels.py

English: Flesch-Kincaid grade (goal 8 or below); Spanish: Fernández-Huerta reading ease (goal 70
or more). Both measured on the page's main text the way tests/test_readability.py does, against
the development database (the pages quote the clinic's policy values).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import translation  # noqa: E402

from clinic.pages import PAGES  # noqa: E402
from tests.readability_es import reading_ease  # noqa: E402
from tests.test_readability import NOT_FOR_PATIENTS, grade, main_text, words_of  # noqa: E402


def main() -> None:
    client = Client()
    print("| Page | English words | English grade (≤ 8) | Spanish words | Spanish reading ease (≥ 70) |")
    print("|---|---:|---:|---:|---:|")
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        for page in PAGES:
            if page.slug in NOT_FOR_PATIENTS:
                continue
            english = main_text(client.get(reverse(page.url_name)).content.decode())
            with translation.override("es"):
                path = reverse(page.url_name)
            spanish = main_text(client.get(path).content.decode())
            print(
                f"| {page.slug} | {sum(len(words_of(b)) for b in english):,} | {grade(english):.1f} | "
                f"{sum(len(words_of(b)) for b in spanish):,} | {reading_ease(spanish):.1f} |"
            )


if __name__ == "__main__":
    main()
