"""The audit trail in the admin: read-only for everyone, superusers included; filter by user, referral, date."""

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.html import format_html

from referrals.admin.read_only import ReadOnlyAdminMixin
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


class ReadOnlyAuditAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Nobody adds, edits or deletes audit rows through the app."""


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


class ReadRunFilter(admin.SimpleListFilter):
    """One line per run of repeated reads (the default), or every read as stored."""

    title = "repeated reads"
    parameter_name = "reads"

    def lookups(self, request, model_admin):
        return [("all", "Every read, one line each")]

    def choices(self, changelist):
        yield {
            "selected": self.value() != "all",
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "One line per run (a user's reads of one record within a few minutes)",
        }
        yield {
            "selected": self.value() == "all",
            "query_string": changelist.get_query_string({self.parameter_name: "all"}),
            "display": "Every read, one line each",
        }

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset
        return queryset.filter(first_read__isnull=True).annotate(
            repeat_count=Count("repeats", distinct=True), last_repeat_at=Max("repeats__at")
        )


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAuditAdmin):
    date_hierarchy = "at"
    list_display = [
        "at",
        "username",
        "action",
        "referral_reference",
        "reads",
        "object_type",
        "object_id",
        "row_count",
    ]
    list_filter = [
        ReadRunFilter,
        "action",
        ("user", admin.RelatedOnlyFieldListFilter),
        ReferralReferenceFilter,
        ("at", admin.DateFieldListFilter),
    ]
    search_fields = ["username", "referral_reference"]
    fields = ["at", "username", "action", "referral_reference", "object_type", "object_id", "row_count",
              "path", "user", "referral", "first_read"]  # fmt: skip
    readonly_fields = fields

    @admin.display(description="Reads")
    def reads(self, obj):
        repeats = getattr(obj, "repeat_count", None)
        if not repeats:
            return "1" if repeats == 0 else ""
        last = timezone.localtime(obj.last_repeat_at)
        return format_html("{} reads, last at {}", repeats + 1, last.strftime("%m/%d/%Y %H:%M"))
