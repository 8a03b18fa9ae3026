"""Forms of the public referral pages, one module per area."""
