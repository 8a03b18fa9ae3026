"""Django's stock user, group and authenticator-device admins locked away, and the refusal of fields
no staff page accepts.

The user and group admin stays for superusers only; the device admins (which show keys and QR codes)
answer 403 to everyone. Each refusal is a 403 with a row in the audit trail.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import URLPattern
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from referrals import staff_accounts

# Fields no staff page ever accepts: posting one is an attempt to escalate.
FORBIDDEN_FIELDS = frozenset(
    {
        "is_superuser",
        "is_staff",
        "user_permissions",
        "groups",
        "password",
        "password1",
        "password2",
        "usable_password",
        "otp_device",
        "key",
    }
)


def refuse_forbidden_fields(request, target=None, *, also=()) -> None:
    posted = FORBIDDEN_FIELDS.union(also).intersection(request.POST.keys())
    if posted:
        staff_accounts.refuse(request.user, "posted_" + "_".join(sorted(posted)), target, path=request.path)


def _is_signed_in_staff(request) -> bool:
    user = request.user
    return user.is_active and user.is_staff and user.is_verified()


def _locked(view, allow):
    """Wrap an admin URL: signed-in staff that `allow` refuses get 403 and an audit row."""

    def locked_view(request, *args, **kwargs):
        # Anyone not signed in goes through the admin's own check (the sign-in page).
        if _is_signed_in_staff(request) and not allow(request.user):
            staff_accounts.refuse(request.user, "stock_admin_url", path=request.path)
        return view(request, *args, **kwargs)

    return locked_view


class LockedAdminMixin:
    """Every URL of this model admin is refused to users `allowed` says no to."""

    @staticmethod
    def allowed(user) -> bool:
        return user.is_superuser

    def has_module_permission(self, request):
        return self.allowed(request.user) and super().has_module_permission(request)

    def get_urls(self):
        return [
            URLPattern(p.pattern, _locked(p.callback, self.allowed), p.default_args, p.name)
            for p in super().get_urls()
        ]


class NobodyAdminMixin(LockedAdminMixin):
    """Authenticator devices: their admin shows keys and QR codes, so nobody opens it (superusers
    on the server have manage.py)."""

    @staticmethod
    def allowed(user) -> bool:
        return False


def _lock_registered(model, mixin) -> None:
    model_admin = admin.site._registry.get(model)
    if model_admin is None:
        return
    admin.site.unregister(model)
    locked = type(f"Locked{type(model_admin).__name__}", (mixin, type(model_admin)), {})
    admin.site.register(model, locked)


_lock_registered(get_user_model(), LockedAdminMixin)
_lock_registered(Group, LockedAdminMixin)
_lock_registered(TOTPDevice, NobodyAdminMixin)
_lock_registered(StaticDevice, NobodyAdminMixin)
