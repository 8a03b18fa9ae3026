"""The screening core (screening-spec v4): pure Python, no Django; `from referrals import screening`.

One module per part of the spec, each read top to bottom as its sections:
- `codes`: severities, gates, choice codes, finding codes, step ids (§2-§4, §6, §7);
- `catalogue`: what staff read about each rule and clearance step, with its source (§4.2, §6);
- `answers`: the answer keys, their types, ranges and "asked when", validation (§2, §3);
- `policy`: the clinic's thresholds (§4.1);
- `rules`: each rule of §4.2 as a small function, in the spec's order;
- `engine`: `screen`, its result, scores, urgent safety and required steps (§2, §5, §6).
"""

from referrals.screening.answers import ANSWER_KEYS as ANSWER_KEYS
from referrals.screening.answers import ANSWER_SPEC as ANSWER_SPEC
from referrals.screening.answers import CHOICE_CODES as CHOICE_CODES
from referrals.screening.answers import NULLABLE_KEYS as NULLABLE_KEYS
from referrals.screening.answers import applicable_keys as applicable_keys
from referrals.screening.answers import has_pain_indication as has_pain_indication
from referrals.screening.answers import indication_codes as indication_codes
from referrals.screening.answers import is_mental_health as is_mental_health
from referrals.screening.catalogue import CLEARANCE_STEPS as CLEARANCE_STEPS
from referrals.screening.catalogue import RULE_CODES as RULE_CODES
from referrals.screening.catalogue import RULES as RULES
from referrals.screening.catalogue import ClearanceStep as ClearanceStep
from referrals.screening.catalogue import Rule as Rule
from referrals.screening.codes import *  # noqa: F403 (every code is public)
from referrals.screening.engine import Finding as Finding
from referrals.screening.engine import ScreeningResult as ScreeningResult
from referrals.screening.engine import screen as screen
from referrals.screening.engine import urgent_safety_in as urgent_safety_in
from referrals.screening.policy import Policy as Policy
from referrals.screening.rules import MEDICATION_FINDINGS as MEDICATION_FINDINGS
