"""Role proposals: every role given or proposed, and the page where a clinician confirms one."""

from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from referrals import staff_accounts
from referrals.admin.read_only import ReadOnlyAdminMixin
from referrals.admin.staff_locks import refuse_forbidden_fields
from referrals.models import RoleGrant
from referrals.staff_accounts import StaffRuleError


@admin.register(RoleGrant)
class RoleGrantAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every role proposal and who confirmed it; clinicians confirm pending clinician roles here."""

    list_display = [
        "user",
        "role",
        "state",
        "proposed_by",
        "proposed_at",
        "confirmed_by",
        "confirmed_at",
        "confirm_link",
    ]
    list_filter = ["state", "role"]
    list_select_related = ["user", "proposed_by", "confirmed_by"]
    search_fields = ["user__username"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            queryset = queryset.filter(user__is_superuser=False)
        return queryset

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        user = request.user
        return user.is_superuser or staff_accounts.can_manage_staff(user) or staff_accounts.is_clinician(user)

    @admin.display(description="confirm")
    def confirm_link(self, grant):
        if grant.state != RoleGrant.State.PENDING:
            return ""
        url = reverse("admin:referrals_rolegrant_confirm", args=[grant.pk])
        return format_html('<a href="{}">Review and confirm</a>', url)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/confirm/", wrap(self.confirm_view), name="referrals_rolegrant_confirm"),
            *super().get_urls(),
        ]

    def confirm_view(self, request, pk):
        grant = get_object_or_404(RoleGrant.objects.select_related("user", "proposed_by"), pk=pk)
        if grant.user.is_superuser and not request.user.is_superuser:
            staff_accounts.refuse(request.user, "open_superuser", grant.user, path=request.path)
        if request.method == "POST":
            refuse_forbidden_fields(request, grant.user)
            try:
                staff_accounts.confirm_role(actor=request.user, grant=grant, path=request.path)
            except StaffRuleError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"Confirmed: {grant.get_role_display()} for {grant.user.get_username()}.",
                    messages.SUCCESS,
                )
            return redirect("admin:referrals_rolegrant_changelist")
        return TemplateResponse(
            request,
            "admin/referrals/rolegrant/confirm.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Confirm a role",
                "grant": grant,
                "can_confirm": staff_accounts.can_confirm(request.user, grant),
            },
        )
