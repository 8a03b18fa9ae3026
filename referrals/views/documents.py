"""Staff download of a referral's document: permission-checked, an attachment, recorded."""

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache

from referrals.audit import record_access
from referrals.models import AccessEvent, Document, ReferralEvent

REVIEW_PERM = "referrals.review_referral"


@never_cache
@staff_member_required
def download(request, pk: int):
    # Outside the admin site, so check the second factor here too (staff_member_required does not).
    if not request.user.has_perm(REVIEW_PERM) or not request.user.is_verified():
        raise PermissionDenied
    # Only documents of a submitted referral; files of an unfinished form are nobody's to read.
    document = get_object_or_404(Document.objects.select_related("referral"), pk=pk, referral__isnull=False)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is no longer available.") from None
    ReferralEvent.objects.create(
        referral=document.referral,
        kind=ReferralEvent.Kind.DOCUMENT_DOWNLOADED,
        actor=request.user,
        data={"document": document.pk, "kind": document.kind},
    )
    record_access(request, AccessEvent.Action.DOWNLOAD_DOCUMENT, obj=document)
    response = FileResponse(
        handle, as_attachment=True, filename=document.original_name, content_type=document.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
