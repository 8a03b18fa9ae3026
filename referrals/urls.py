"""Public referral routes: self-referral intake, provider referral, status and self-check."""

from django.urls import path
from django.views.generic import TemplateView

from referrals.views import info, intake

app_name = "referrals"


class ComingSoonView(TemplateView):
    template_name = "referrals/coming_soon.html"
    heading = ""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "heading": self.heading}


intake_wizard = intake.IntakeWizard.as_view()

urlpatterns = [
    path("refer/", intake.start, name="start"),
    path("refer/self/", intake_wizard, name="intake"),
    path("refer/self/confirmation/", intake.confirmation, name="intake-confirmation"),
    path("refer/self/<slug:step>/", intake_wizard, name="intake-step"),
    path("refer/keep-alive/", intake.keep_alive, name="keep-alive"),
    path("refer/clinician/", ComingSoonView.as_view(heading="Refer a patient"), name="provider-referral"),
    path("status/", ComingSoonView.as_view(heading="Check a referral's status"), name="check-status"),
    path(
        "self-check/",
        ComingSoonView.as_view(heading="Could ketamine infusion be right for me?"),
        name="self-check",
    ),
    path("complete/<str:token>/", ComingSoonView.as_view(heading="Complete your referral"), name="complete"),
    path("info/<str:token>/", info.info_response, name="info-response"),
]
