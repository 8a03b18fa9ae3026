"""Public referral routes: self-referral intake, provider referral, status and self-check."""

from django.urls import path
from django.views.generic import TemplateView

from referrals.views import completion, documents, info, intake, provider, resume, selfcheck, status

app_name = "referrals"


class ComingSoonView(TemplateView):
    template_name = "referrals/coming_soon.html"
    heading = ""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "heading": self.heading}


intake_wizard = intake.IntakeWizard.as_view()
completion_wizard = completion.CompletionWizard.as_view()

urlpatterns = [
    path("refer/", intake.start, name="start"),
    path("refer/self/", intake_wizard, name="intake"),
    path("refer/self/confirmation/", intake.confirmation, name="intake-confirmation"),
    # Save and finish later (before the step route: "save" and "saved" are not steps).
    path("refer/self/save/", resume.save_later, name="intake-save"),
    path("refer/self/saved/", resume.saved, name="intake-saved"),
    path("refer/resume/<str:token>/", resume.resume_link, name="intake-resume"),
    path("refer/self/<slug:step>/", intake_wizard, name="intake-step"),
    path("refer/keep-alive/", intake.keep_alive, name="keep-alive"),
    path("refer/clinician/", provider.provider_referral, name="provider-referral"),
    path("refer/clinician/sent/", provider.provider_confirmation, name="provider-confirmation"),
    path("status/", status.check_status, name="check-status"),
    path("self-check/", selfcheck.self_check, name="self-check"),
    # The wizard's routes come before the token route; a token is 43 characters, never "questions".
    path("complete/questions/", completion_wizard, name="complete-intake"),
    path("complete/questions/<slug:step>/", completion_wizard, name="complete-step"),
    path("complete/<str:token>/", completion.complete_link, name="complete"),
    path("staff/documents/<int:pk>/download/", documents.download, name="document-download"),
    path("info/<str:token>/", info.info_response, name="info-response"),
]
