"""Staff admin: the referral queue and the clinic's editable definitions."""

from django.contrib import admin, messages

from referrals.models import (
    ClearanceStepDefinition,
    ContraindicationRule,
    QuestionnaireText,
    Referral,
    ScreeningPolicy,
)
from referrals.questionnaires import structure_problems


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["reference", "status", "source", "urgent_safety", "created_at"]
    list_filter = ["status", "source", "urgent_safety"]
    search_fields = ["reference", "last_name", "first_name", "email", "phone"]
    actions = None

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in ("assignee", "staff_notes")]


class VersionedAdmin(admin.ModelAdmin):
    """Every save adds a new version; the history of earlier versions is kept."""

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = None
        obj._state.adding = True
        if hasattr(obj, "created_by_id"):
            obj.created_by = request.user
        super().save_model(request, obj, form, False)
        if change:
            messages.info(request, "Saved as a new version. The earlier version is kept in the history.")


@admin.register(ScreeningPolicy)
class ScreeningPolicyAdmin(VersionedAdmin):
    list_display = ["__str__", "created_at", "created_by", "change_note"]
    readonly_fields = ["created_at", "created_by"]


@admin.register(QuestionnaireText)
class QuestionnaireTextAdmin(VersionedAdmin):
    list_display = ["version", "created_at", "change_note"]

    def save_model(self, request, obj, form, change):
        problems = structure_problems(obj.texts)
        if problems:
            messages.error(request, "Not saved: " + " ".join(problems))
            return
        super().save_model(request, obj, form, change)


@admin.register(ContraindicationRule)
class ContraindicationRuleAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "severity_text", "gate", "active"]
    list_filter = ["active", "gate"]
    readonly_fields = ["code"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ClearanceStepDefinition)
class ClearanceStepDefinitionAdmin(admin.ModelAdmin):
    list_display = ["order", "step_id", "title", "gate", "kind", "condition", "active"]
    list_display_links = ["step_id"]
    list_filter = ["gate", "kind", "active"]

    def has_delete_permission(self, request, obj=None):
        return False
