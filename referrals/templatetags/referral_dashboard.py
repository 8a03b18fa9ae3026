"""The admin index dashboard: counts by status, overdue and urgent, each linking to the queue."""

from urllib.parse import urlencode

from django import template
from django.db.models import Count, Q
from django.urls import reverse

from referrals import workflow
from referrals.admin import queue
from referrals.models import Referral

register = template.Library()


def _queue_url(**params) -> str:
    return f"{reverse('admin:referrals_referral_changelist')}?{urlencode(params)}"


@register.inclusion_tag("admin/referrals/dashboard.html", takes_context=True)
def referral_dashboard(context):
    request = context["request"]
    if not request.user.has_perm(workflow.REVIEW_PERM):
        return {"show": False}
    counts = dict(Referral.objects.values_list("status").annotate(n=Count("pk")).order_by())
    open_rows = Referral.objects.filter(status__in=Referral.OPEN_STATUSES)
    totals = open_rows.aggregate(
        urgent=Count("pk", filter=Q(urgent_safety=True)),
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        mine=Count("pk", filter=Q(assignee=request.user)),
    )
    overdue = queue.with_received(Referral.objects.all()).filter(queue.overdue_q()).count()
    statuses = [
        {
            "label": label,
            "count": counts.get(value, 0),
            "url": _queue_url(status__exact=value, queue="all"),
            "open": value in Referral.OPEN_STATUSES,
        }
        for value, label in Referral.Status.choices
    ]
    return {
        "show": True,
        "statuses": statuses,
        "headline": [
            {"label": "Overdue", "count": overdue, "url": _queue_url(target="overdue"), "alert": overdue > 0},
            {
                "label": "Urgent safety (open)",
                "count": totals["urgent"],
                "url": _queue_url(flag="urgent"),
                "alert": totals["urgent"] > 0,
            },  # fmt: skip
            {"label": "Unassigned (open)", "count": totals["unassigned"], "url": _queue_url(assigned="none")},
            {"label": "Assigned to me (open)", "count": totals["mine"], "url": _queue_url(assigned="me")},
        ],
        "queue_url": reverse("admin:referrals_referral_changelist"),
    }
