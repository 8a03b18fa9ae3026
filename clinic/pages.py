"""The public information section: one registry of pages, their titles and descriptions."""

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.urls import path, reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from referrals.models import ScreeningPolicy


@dataclass(frozen=True)
class InfoPage:
    slug: str
    route: str
    title: str
    nav_label: str
    description: str
    in_guide: bool = True  # listed in the "About ketamine infusion" side navigation
    # Health information the clinic's clinicians review: shows the "Last reviewed" line.
    clinical_review: bool = True

    @property
    def url_name(self) -> str:
        return self.slug

    @property
    def template_name(self) -> str:
        return f"pages/{self.slug.replace('-', '_')}.html"

    @property
    def sources_template(self) -> str:
        """The page's list of sources, also shown on the sources page."""
        return f"pages/sources/{self.slug.replace('-', '_')}.html"


PAGES = [
    InfoPage(
        "home",
        "",
        _("Ketamine infusion for chronic pain and hard-to-treat depression"),
        _("Home"),
        _(
            "Plain-language information about our ketamine infusion program for chronic pain and "
            "treatment-resistant depression, and how to ask for a referral."
        ),
        in_guide=False,
    ),
    InfoPage(
        "what-is-ketamine",
        "ketamine-infusion/",
        _("What is ketamine infusion?"),
        _("What it is"),
        _("What ketamine is, its history as an anesthetic, and why we give it at low doses through an IV."),
    ),
    InfoPage(
        "conditions",
        "conditions-treated/",
        _("Conditions we treat, and how strong the evidence is"),
        _("Conditions treated"),
        _(
            "Chronic pain, treatment-resistant depression, PTSD and other conditions, with an honest "
            "rating of the research for each."
        ),
    ),
    InfoPage(
        "how-it-works",
        "how-it-works/",
        _("How ketamine works in the body"),
        _("How it works"),
        _(
            "How ketamine acts on NMDA receptors and glutamate, and why that differs from opioids, "
            "gabapentin, anti-inflammatories and antidepressants."
        ),
    ),
    InfoPage(
        "benefits-and-risks",
        "benefits-and-risks/",
        _("Benefits, risks and side effects"),
        _("Benefits and risks"),
        _(
            "What ketamine infusion may do for you, and the short-term and long-term side effects and "
            "risks to weigh."
        ),
    ),
    InfoPage(
        "alternatives",
        "other-treatments/",
        _("Other treatments to discuss with your doctor"),
        _("Other treatments"),
        _(
            "The other treatments that guidelines suggest for depression, PTSD, anxiety and long-lasting "
            "pain, so you can compare them with ketamine infusion."
        ),
    ),
    InfoPage(
        "misuse-and-the-law",
        "misuse-and-the-law/",
        _("Misuse, dependence and the law"),
        _("Misuse and the law"),
        _(
            "Why ketamine is a Schedule III controlled substance in the US, the risk of misuse, and "
            "how our program keeps treatment safe."
        ),
    ),
    InfoPage(
        "clearance",
        "clearance-process/",
        _("The clearance process, step by step"),
        _("Clearance process"),
        _(
            "Every step between your referral and your first infusion: records, consultation, "
            "questionnaires, tests, consent and scheduling."
        ),
    ),
    InfoPage(
        "who-may-not-be-suitable",
        "who-may-not-be-suitable/",
        _("Who may not be suitable for ketamine infusion"),
        _("Who may not be suitable"),
        _(
            "Health conditions and medicines that may make ketamine infusion unsafe or need extra "
            "care, in plain language."
        ),
    ),
    InfoPage(
        "what-to-expect",
        "what-to-expect/",
        _("What to expect before, during and after an infusion"),
        _("What to expect"),
        _(
            "How to prepare for an infusion, what happens in the room, and how to look after yourself "
            "afterwards."
        ),
    ),
    InfoPage(
        "who-gives-the-care",
        "who-gives-your-care/",
        _("Who gives your care"),
        _("Who gives your care"),
        _(
            "Who prescribes and supervises your infusions, their training, how we watch over you, and the "
            "emergency equipment we keep ready."
        ),
    ),
    InfoPage(
        "costs",
        "costs-and-payment/",
        _("Costs, insurance and payment"),
        _("Costs and payment"),
        _(
            "What ketamine infusion costs, how insurance usually treats it, and your right to a Good "
            "Faith Estimate if you pay for yourself."
        ),
    ),
    InfoPage(
        "faq",
        "faq/",
        _("Frequently asked questions"),
        _("FAQ"),
        _("Short answers to the questions patients ask us most about ketamine infusion."),
    ),
    InfoPage(
        "for-clinicians",
        "for-referring-clinicians/",
        _("For referring clinicians"),
        _("For clinicians"),
        _(
            "How to refer a patient to our ketamine infusion program, what to send, and how we handle referrals."
        ),
        in_guide=False,
    ),
    InfoPage(
        "privacy",
        "privacy/",
        _("Privacy notice"),
        _("Privacy"),
        _("How we collect, use, protect and keep the health information you send us."),
        in_guide=False,
        clinical_review=False,
    ),
    InfoPage(
        "accessibility",
        "accessibility/",
        _("Accessibility statement"),
        _("Accessibility"),
        _("How we make this site usable for everyone, and how to tell us about a barrier."),
        in_guide=False,
        clinical_review=False,
    ),
    InfoPage(
        "sources",
        "sources-and-review/",
        _("Sources and review of this site"),
        _("Sources"),
        _(
            "Every source our information pages rely on, page by page, and how our clinicians review the pages."
        ),
        in_guide=False,
    ),
]

PAGES_BY_SLUG = {page.slug: page for page in PAGES}
GUIDE_PAGES = [page for page in PAGES if page.in_guide]


class InfoPageView(TemplateView):
    page: InfoPage | None = None

    def get_template_names(self):
        return [self.page.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page"] = self.page
        context["guide_pages"] = GUIDE_PAGES
        # Pages quote the clinic's current screening values (ECG age, BMI limit), never copies. Lazy: only
        # the pages that quote one read the database, so the others still answer while it is down.
        context["policy"] = SimpleLazyObject(ScreeningPolicy.current)
        if self.page.slug == "sources":
            context["cited_pages"] = [p for p in PAGES if p.in_guide or p.slug == "for-clinicians"]
        return context


@lru_cache(maxsize=1)
def info_page_paths() -> frozenset[str]:
    """The information pages' paths (clinic.middleware.InfoPageCacheMiddleware caches these)."""
    paths = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            paths.update(reverse(page.url_name) for page in PAGES)
    return frozenset(paths)


def urlpatterns_for_pages():
    return [path(page.route, InfoPageView.as_view(page=page), name=page.url_name) for page in PAGES]
