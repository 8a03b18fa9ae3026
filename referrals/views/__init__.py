"""Public views of the referral app, one module per area."""
