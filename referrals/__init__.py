"""The referral and intake app."""
