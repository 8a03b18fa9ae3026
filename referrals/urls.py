"""Public referral routes: self-referral intake, provider referral, status and self-check."""

from django.urls import path
from django.views.generic import TemplateView

app_name = "referrals"


class ComingSoonView(TemplateView):
    template_name = "referrals/coming_soon.html"
    heading = ""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "heading": self.heading}


urlpatterns = [
    path("refer/", ComingSoonView.as_view(heading="Refer yourself"), name="start"),
    path("refer/clinician/", ComingSoonView.as_view(heading="Refer a patient"), name="provider-referral"),
    path("status/", ComingSoonView.as_view(heading="Check a referral's status"), name="check-status"),
    path("self-check/", ComingSoonView.as_view(heading="Could ketamine infusion be right for me?"), name="self-check"),
]
