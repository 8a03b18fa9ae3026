"""Code systems, identifier systems and value maps used in the FHIR export (no Django imports).

External codes are the published ones: LOINC (https://loinc.org) for the PHQ-9 and GAD-7 panels,
items, totals and answer labels and for pain severity; ICD-10-CM for a referrer's diagnoses; the
NPI system URI for a referring clinician. Where no published code exists (our indications, finding
codes, checklist steps, the PC-PTSD-5 and ASQ results, the average and worst pain ratings), the
app's own code system under APP_BASE is used and never dressed up as someone else's.
"""

# The app's own canonical base. A clinic that publishes its own FHIR base changes it here, once,
# before the first export: canonical URLs must not change afterwards.
APP_BASE = "https://ketamine-clinic.example/fhir"


def app_system(name: str) -> str:
    return f"{APP_BASE}/CodeSystem/{name}"


def app_identifier(name: str) -> str:
    return f"{APP_BASE}/sid/{name}"


def app_extension(name: str) -> str:
    return f"{APP_BASE}/StructureDefinition/{name}"


LOINC = "http://loinc.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
NPI = "http://hl7.org/fhir/sid/us-npi"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
PROVENANCE_AGENT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
DOCUMENT_CATEGORY = "http://terminology.hl7.org/CodeSystem/media-category"
# Patient.communication.language: BCP-47 tags (the R4 "common languages" binding).
BCP47 = "urn:ietf:bcp:47"
LANGUAGE_TAGS = {"en": "English", "es": "Spanish"}
# A preferred language recorded as free text, by the names staff and patients write.
LANGUAGE_NAMES = {"english": "en", "spanish": "es", "español": "es", "espanol": "es"}

# The app's own code systems.
INDICATION = app_system("indication")
FINDING = app_system("finding")
FINDING_RESOLUTION = app_system("finding-resolution")
CLEARANCE_STEP = app_system("clearance-step")
CLEARANCE_ITEM_STATUS = app_system("clearance-item-status")
STEP_KIND = app_system("step-kind")
SCORE = app_system("score")
SCORE_BAND = app_system("score-band")
ASQ_RESULT = app_system("asq-result")
SERVICE = app_system("service")
DOCUMENT_KIND = app_system("document-kind")
DECISION = app_system("decision")
REFERRAL_STATUS = app_system("referral-status")
REFERRAL_SOURCE = app_system("referral-source")
NOTE_KIND = app_system("note-kind")

# Identifier systems.
REFERRAL_ID = app_identifier("referral")  # the public reference code, e.g. KX7-4PQ-M2D
STAFF_ID = app_identifier("staff")  # a staff member's username
DOCUMENT_SHA256 = app_identifier("document-sha256")
RESOURCE_ID = app_identifier("resource")  # a resource's own identifier, for conditional creates

# Extensions (all valueCode).
EXT_REFERRAL_STATUS = app_extension("referral-status")
EXT_GATE = app_extension("gate")
EXT_SEVERITY = app_extension("finding-severity")

# The referral itself: what is asked of the clinic.
SERVICE_CODE = {"system": SERVICE, "code": "ketamine-infusion-evaluation",
                "display": "Evaluation for the ketamine infusion program"}  # fmt: skip

# --- LOINC --------------------------------------------------------------------------------------
# PHQ-9 (LOINC panel 44249-1): items in questionnaire order, total, and the difficulty question.
PHQ9_PANEL = ("44249-1", "PHQ-9 quick depression assessment panel")
PHQ9_ITEMS = (
    "44250-9",
    "44255-8",
    "44259-0",
    "44254-1",
    "44251-7",
    "44258-2",
    "44252-5",
    "44253-3",
    "44260-8",
)
PHQ9_TOTAL = ("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]")
PHQ9_DIFFICULTY = "69722-7"
# GAD-7 (LOINC panel 69737-5).
GAD7_PANEL = ("69737-5", "Generalized anxiety disorder 7 item (GAD-7)")
GAD7_ITEMS = ("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7")
GAD7_TOTAL = ("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]")
# LOINC answer list for the PHQ-9 and GAD-7 frequency items, scored 0 to 3.
FREQUENCY_ANSWERS = ("LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9")
PAIN_SEVERITY = ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")

# --- Value maps ---------------------------------------------------------------------------------
# Referral.status -> ServiceRequest.status (the exact status also rides in EXT_REFERRAL_STATUS).
SERVICE_REQUEST_STATUS = {
    "awaiting_patient": "draft",  # the patient's health part is still to come
    "submitted": "active",
    "in_review": "active",
    "needs_info": "on-hold",  # waiting for information from the patient or referrer
    "cleared": "active",
    "scheduled": "active",  # being acted on: the infusions are booked, not yet given
    "not_eligible": "revoked",  # declined by the clinic
    "withdrawn": "revoked",
}
# Finding.severity -> DetectedIssue.severity (one to one, so the export is reversible).
DETECTED_ISSUE_SEVERITY = {"absolute": "high", "relative": "moderate", "note": "low"}
# ClearanceItem.status -> Task.status (the exact status is Task.businessStatus).
TASK_STATUS = {"pending": "requested", "done": "completed", "waived": "cancelled",
               "not_applicable": "cancelled"}  # fmt: skip
