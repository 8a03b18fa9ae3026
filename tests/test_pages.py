"""The public information pages: every registry page renders, is well formed for search and
screen readers, leads to the referral form, links only to pages that exist, and carries the CSP."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from clinic.pages import PAGES


class PageParser(HTMLParser):
    """Collects what the tests look at: headings, title, description, sources and links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.h1_count = 0
        self.title = ""
        self.descriptions: list[str] = []
        self.hrefs: list[str] = []
        self.sources_headings = 0
        self.source_items = 0
        self._in_title = False
        self._in_sources_list = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "h1":
            self.h1_count += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "meta" and attrs.get("name") == "description":
            self.descriptions.append((attrs.get("content") or "").strip())
        elif tag == "h2" and attrs.get("id") == "sources-heading":
            self.sources_headings += 1
        elif tag == "section" and "sources" in (attrs.get("class") or "").split():
            self._in_sources_list = True
        elif tag == "li" and self._in_sources_list:
            self.source_items += 1
        if tag in {"a", "link"} and attrs.get("href") is not None:
            self.hrefs.append(attrs["href"])
        if tag == "script" and attrs.get("src"):
            self.hrefs.append(attrs["src"])

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag == "section":
            self._in_sources_list = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def parse(content: bytes) -> PageParser:
    parser = PageParser()
    parser.feed(content.decode("utf-8"))
    parser.close()
    return parser


def is_internal(href: str) -> bool:
    if href.startswith(("tel:", "mailto:", "#")):
        return False
    parts = urlsplit(href)
    return not parts.scheme and not parts.netloc


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


@pytest.fixture
def rendered(client):
    """{page: (response, parsed page)} for every page in the registry."""
    pages = {}
    for page in PAGES:
        response = client.get(reverse(page.url_name))
        pages[page] = (response, parse(response.content))
    return pages


@pytest.mark.django_db
class InfoPageTests:
    def test_every_page_renders(self, rendered):
        failures = [f"{p.slug}: {r.status_code}" for p, (r, _) in rendered.items() if r.status_code != 200]
        assert not failures

    def test_exactly_one_h1(self, rendered):
        counts = {p.slug: parsed.h1_count for p, (_, parsed) in rendered.items()}
        assert all(count == 1 for count in counts.values()), counts

    def test_titles_are_present_and_unique(self, rendered):
        titles = {p.slug: " ".join(parsed.title.split()) for p, (_, parsed) in rendered.items()}
        assert all(titles.values()), titles
        assert len(set(titles.values())) == len(titles), titles

    def test_descriptions_are_present_and_unique(self, rendered):
        descriptions = {}
        for page, (_, parsed) in rendered.items():
            assert len(parsed.descriptions) == 1, page.slug
            descriptions[page.slug] = parsed.descriptions[0]
        assert all(descriptions.values()), descriptions
        assert len(set(descriptions.values())) == len(descriptions), descriptions

    def test_guide_pages_cite_their_sources(self, rendered):
        for page, (_, parsed) in rendered.items():
            if page.in_guide:
                assert parsed.sources_headings == 1, page.slug
                assert parsed.source_items >= 3, page.slug

    def test_every_page_links_to_the_referral_form(self, rendered):
        start = reverse("referrals:start")
        for page, (_, parsed) in rendered.items():
            assert start in parsed.hrefs, page.slug

    def test_every_page_has_a_strict_content_security_policy(self, rendered):
        for page, (response, _) in rendered.items():
            policy = response.headers.get("Content-Security-Policy", "")
            assert policy, page.slug
            assert "unsafe-inline" not in policy, page.slug
            assert "default-src 'self'" in policy, page.slug

    def test_pages_use_the_clinic_details(self, rendered):
        phone = settings.CLINIC["phone"]
        for page, (response, _) in rendered.items():
            assert phone in response.content.decode(), page.slug

    def test_faq_has_at_least_ten_questions(self, client):
        content = client.get(reverse("faq")).content.decode()
        assert content.count('<details class="faq-item">') >= 10

    def test_costs_page_shows_the_configured_prices(self, client):
        content = client.get(reverse("costs")).content.decode()
        for price in settings.CLINIC["prices"].values():
            assert price in content


@pytest.mark.django_db
class InternalLinkCrawlerTests:
    def test_no_internal_link_is_broken(self, client, rendered):
        checked: dict[str, int] = {}
        missing_static: list[str] = []
        for page, (response, parsed) in rendered.items():
            base = response.wsgi_request.path
            for href in parsed.hrefs:
                if not is_internal(href):
                    continue
                path = urlsplit(urljoin(base, href)).path
                if path.startswith(settings.STATIC_URL):
                    if finders.find(path.removeprefix(settings.STATIC_URL)) is None:
                        missing_static.append(f"{page.slug} -> {path}")
                    continue
                if path not in checked:
                    checked[path] = client.get(path).status_code
        broken = {path: status for path, status in checked.items() if status in (404, 500)}
        assert not broken, broken
        assert not missing_static, missing_static
        assert checked, "the crawler found no internal links"
