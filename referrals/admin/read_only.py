"""Model admins whose rows nobody adds, edits or deletes through the app."""


class ReadOnlyAdminMixin:
    """Put before admin.ModelAdmin: no add, change or delete, and no bulk actions."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}
