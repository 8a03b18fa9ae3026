"""`{% intake_minutes %}`: the measured time the self-referral takes (referrals/intake_length.py)."""

from django import template

from referrals.intake_length import stated_range

register = template.Library()


@register.simple_tag
def intake_minutes() -> str:
    return stated_range()
