"""The status page: reference code plus date of birth show only the stage, in plain words."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from referrals import ratelimit
from referrals.forms.status import StatusForm
from referrals.models import Referral
from referrals.views.intake import error_list


@never_cache
def check_status(request):
    form = StatusForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST":
        if ratelimit.hit(request, "status"):
            return ratelimit.limited_response(request, "status")
        if form.is_valid():
            # One query for both: a wrong code and a wrong date of birth look exactly the same.
            referral = (
                Referral.objects.filter(
                    reference=form.cleaned_data["reference"],
                    date_of_birth=form.cleaned_data["date_of_birth"],
                )
                .only("status")
                .first()
            )
            if referral is None:
                context["not_found"] = True
            else:
                context["status"] = referral.status
                form = StatusForm()  # nothing typed is shown back once it has been used
                context["form"] = form
        else:
            context["error_list"] = error_list(form)
    return render(request, "referrals/status/check.html", context)
