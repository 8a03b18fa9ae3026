"""Staff admin: the referral queue and review workspace, and the clinic's editable definitions."""

from referrals.admin import definitions, referral, role_grants, staff, staff_locks  # noqa: F401 (registers the model admins)
