"""How long the self-referral takes, as measured by `bench/intake_length.py` (docs/intake-length.md).

The bench walks the shortest and longest paths and times them at 200 words a minute plus 5 seconds
an answer. The start page and the clearance page state this range; the bench (`--check`) and
tests/test_intake_length.py fail when it is no longer the measured one.
"""

from django.utils.translation import gettext

# Whole minutes: the shortest path rounded down, the longest rounded up (docs/intake-length.md).
STATED_MINUTES = (19, 27)


def stated_range() -> str:
    low, high = STATED_MINUTES
    return gettext("%(low)d to %(high)d minutes") % {"low": low, "high": high}
