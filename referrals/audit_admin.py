"""The audit trail in the admin: read-only for everyone, superusers included; filter by user, referral, date."""

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin

from referrals.models import AccessEvent


class ReferralReferenceFilter(admin.SimpleListFilter):
    """A text box for a referral's reference code (there are too many referrals for a list)."""

    title = "referral"
    parameter_name = "referral"
    template = "staff_auth/reference_filter.html"
    lookup = "referral_reference"

    def lookups(self, request, model_admin):
        return []

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        value = (self.value() or "").strip().upper()
        if value:
            return queryset.filter(**{self.lookup: value})
        return queryset


class LogEntryReferralFilter(ReferralReferenceFilter):
    lookup = "additional_data__referral"


class ReadOnlyAuditAdmin(admin.ModelAdmin):
    """Nobody adds, edits or deletes audit rows through the app."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}


admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class ChangeLogAdmin(ReadOnlyAuditAdmin, LogEntryAdmin):
    list_filter = [
        "action",
        ("actor", admin.RelatedOnlyFieldListFilter),
        LogEntryReferralFilter,
        ("timestamp", admin.DateFieldListFilter),
        "content_type",
    ]
    search_fields = ["object_repr", "actor__username", "additional_data__referral"]


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAuditAdmin):
    date_hierarchy = "at"
    list_display = ["at", "username", "action", "referral_reference", "object_type", "object_id", "row_count"]
    list_filter = [
        "action",
        ("user", admin.RelatedOnlyFieldListFilter),
        ReferralReferenceFilter,
        ("at", admin.DateFieldListFilter),
    ]
    search_fields = ["username", "referral_reference"]
    fields = [*list_display, "path", "user", "referral"]
    readonly_fields = fields
