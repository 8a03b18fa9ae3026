"""Staff FHIR endpoints: a referral's Bundle as a download, and the published Questionnaires."""

import json

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone

from referrals import workflow
from referrals.audit import record_access
from referrals.fhir import bundle, export
from referrals.models import AccessEvent, ReferralEvent


def _json_response(data: dict, *, attachment: str | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type=export.FHIR_JSON)
    if attachment:
        response["Content-Disposition"] = f'attachment; filename="{attachment}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def download_view(request, pk, *, model_admin):
    """The referral as a FHIR transaction Bundle (documents inline), recorded as a read."""
    if not request.user.has_perm(workflow.REVIEW_PERM):
        raise PermissionDenied
    referral = get_object_or_404(bundle.with_related(model_admin.model.objects), pk=pk)
    now = timezone.now()
    data = bundle.transaction_bundle(referral, export.options(inline_documents=True), now=now)
    ReferralEvent.objects.create(
        referral=referral, kind="exported", actor=request.user, data={"rows": 1, "format": "fhir-bundle"}
    )
    record_access(request, AccessEvent.Action.EXPORT, referral=referral, count=1, object_type="fhir:bundle")
    return _json_response(data, attachment=export.filename(referral, now))


def questionnaires_view(request, *, model_admin):
    """The app's canonical intake Questionnaire, one per wording version (no PHI)."""
    if not request.user.has_perm(workflow.REVIEW_PERM):
        raise PermissionDenied
    return _json_response(bundle.questionnaire_bundle(export.questionnaire_versions(), now=timezone.now()))
