"""Django glue for the FHIR export: options from settings, the wording versions, the recorded read."""

from datetime import datetime

from django.conf import settings
from django.urls import reverse

from referrals import audit, questionnaires
from referrals.fhir.bundle import ExportOptions
from referrals.models import AccessEvent, ContraindicationRule, QuestionnaireText, ReferralEvent

FHIR_JSON = "application/fhir+json"


def questionnaire_texts(version: str) -> dict | None:
    row = QuestionnaireText.objects.filter(version=version).first()
    if row is not None:
        return row.texts
    return questionnaires.code_texts(version)  # a wording shipped in code, kept as it was


def questionnaire_language(version: str) -> str | None:
    """The language of a wording version (a row's, or a code version's), None when unknown."""
    language = QuestionnaireText.objects.filter(version=version).values_list("language", flat=True).first()
    return language or questionnaires.code_language(version)


def questionnaire_versions(language: str = "en") -> list[tuple[str, dict]]:
    """Every wording version in a language the clinic has used, oldest first (the default when none).

    The published set is the English wording staff read; `language="es"` gives the Spanish versions.
    """
    rows = [
        (row.version, row.texts) for row in QuestionnaireText.objects.filter(language=language).order_by("id")
    ]
    return rows or [questionnaires.default_texts(language)]


def document_url(document) -> str:
    return f"{settings.SITE_URL}{reverse('referrals:document-download', args=[document.pk])}"


def options(*, inline_documents: bool = True) -> ExportOptions:
    """Options for one export; the wording versions and rule titles are read once, not per referral."""
    wording: dict[str, dict | None] = {}
    languages: dict[str, str | None] = {}

    def texts(version: str) -> dict | None:
        if version not in wording:
            wording[version] = questionnaire_texts(version)
        return wording[version]

    def language(version: str) -> str | None:
        if version not in languages:
            languages[version] = questionnaire_language(version)
        return languages[version]

    return ExportOptions(
        clinic=settings.CLINIC,
        inline_documents=inline_documents,
        document_url=document_url,
        questionnaire_texts=texts,
        questionnaire_language=language,
        finding_titles=dict(ContraindicationRule.objects.values_list("code", "title")),
    )


def record_export(referrals, *, user=None, username: str, path: str) -> None:
    """Record a bulk FHIR export as a read of every referral in it, and on each one's timeline."""
    referrals = list(referrals)
    audit.record_bulk_access(
        AccessEvent.Action.EXPORT,
        referrals,
        user=user,
        username=username,
        path=path,
        object_type="fhir:ndjson",
    )
    ReferralEvent.objects.bulk_create(
        [
            ReferralEvent(
                referral=referral,
                kind="exported",
                actor=user,
                data={"rows": len(referrals), "format": "fhir-ndjson"},
            )
            for referral in referrals
        ],
        batch_size=1000,
    )


def filename(referral, now: datetime) -> str:
    # The reference code only: never a name in a file name.
    return f"referral-{referral.reference}-fhir-{now:%Y%m%d}.json"
