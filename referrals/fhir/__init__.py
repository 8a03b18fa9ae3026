"""Referrals as FHIR R4: builders (model rows -> plain dicts) for a Bundle, Bulk Data and Questionnaires."""
