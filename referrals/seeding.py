"""Reference rows the app needs: staff roles, clearance steps, rules, policy and wording.

`sync_definitions` is how clearance steps and contraindication rules defined in code reach a
database (screening spec §6): `migrate` calls it after every run (a post_migrate handler in
ReferralsConfig), and the tests that flush the database call it through `seed_all`. It adds what
is missing and refreshes the wording of rows the clinic never edited; an edited row is never
overwritten. The older `seed_definitions` stays for the data migration that first used it.
"""

import hashlib
import json

from django.contrib.auth.management import create_permissions

from referrals.questionnaires import (
    CODE_VERSIONS_BY_LANGUAGE,
    DEFAULT_TEXTS,
    DEFAULT_VERSION,
    DEFAULT_VERSIONS,
)
from referrals.screening import CLEARANCE_STEPS, RULES

COORDINATOR = "Intake coordinator"
CLINICIAN = "Clinician"
CLINIC_ADMIN = "Clinic admin"
DEFINITION_MODELS = [
    "screeningpolicy",
    "contraindicationrule",
    "clearancestepdefinition",
    "questionnairetext",
]


# The clinic admin reads the audit trail and unlocks locked-out sign-ins (deleting an axes access
# attempt); nobody gets change or delete on the trail (migration 0004 granted these first).
CLINIC_ADMIN_OTHER_APPS = {
    "referrals": ["view_accessevent"],
    "auditlog": ["view_logentry"],
    "axes": ["view_accessattempt", "delete_accessattempt", "view_accesslog", "view_accessfailurelog"],
}


def seed_roles(apps) -> None:
    # Permissions are normally created after migrations; make sure they exist now.
    for label in ("auth", "referrals", "auditlog", "axes"):
        app_config = apps.get_app_config(label)
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(*codenames):
        return list(Permission.objects.filter(content_type__app_label="referrals", codename__in=codenames))

    review = ["review_referral", "view_referral", "change_referral"]
    coordinator, _ = Group.objects.get_or_create(name=COORDINATOR)
    # Entering a referral received by phone, fax or mail is queue work: not the clinic admin's.
    coordinator.permissions.add(*perms(*review, "enter_referral"))
    clinician, _ = Group.objects.get_or_create(name=CLINICIAN)
    clinician.permissions.add(*perms(*review, "enter_referral", "sign_clearance"))
    admin, _ = Group.objects.get_or_create(name=CLINIC_ADMIN)
    definition_perms = [
        f"{action}_{model}" for model in DEFINITION_MODELS for action in ("view", "add", "change")
    ]
    # Staff accounts only through the clinic's own staff pages (referrals/staff_accounts.py): no
    # permission on Django's user, group or authenticator-device models, so no way to set a flag,
    # a permission or a password, or to read someone else's authenticator key.
    admin.permissions.add(*perms(*review, *definition_perms, "manage_staff", "view_rolegrant"))
    for label, codenames in CLINIC_ADMIN_OTHER_APPS.items():
        admin.permissions.add(
            *Permission.objects.filter(content_type__app_label=label, codename__in=codenames)
        )
    clinician.permissions.add(*perms("view_rolegrant"))


def seed_definitions(apps) -> None:
    Step = apps.get_model("referrals", "ClearanceStepDefinition")
    Rule = apps.get_model("referrals", "ContraindicationRule")
    Policy = apps.get_model("referrals", "ScreeningPolicy")
    Wording = apps.get_model("referrals", "QuestionnaireText")
    for order, (step_id, title, help_text, gate, kind, condition) in enumerate(CLEARANCE_STEPS, start=1):
        Step.objects.get_or_create(
            step_id=step_id,
            defaults={
                "title": title,
                "help_text": help_text,
                "gate": gate,
                "kind": kind,
                "condition": condition,
                "order": order * 10,
            },
        )
    for code, title, severity_text, gate, help_text in RULES:
        Rule.objects.get_or_create(
            code=code,
            defaults={"title": title, "severity_text": severity_text, "gate": gate, "help_text": help_text},
        )
    if not Policy.objects.exists():
        Policy.objects.create(change_note="Clinic default policy (screening spec v4).")
    Wording.objects.get_or_create(
        version=DEFAULT_VERSION,
        defaults={"texts": DEFAULT_TEXTS, "change_note": "Plain-language default wording."},
    )


# The columns code defines for each row; the clinic may edit them (and `active`, `order`).
STEP_FIELDS = ("title", "help_text", "gate", "kind", "condition")
RULE_FIELDS = ("title", "severity_text", "gate", "help_text")


def code_steps() -> dict[str, dict]:
    """Every clearance step defined in code: step id -> its columns (and its default order)."""
    steps = {}
    for position, (step_id, title, help_text, gate, kind, condition) in enumerate(CLEARANCE_STEPS, start=1):
        values = dict(zip(STEP_FIELDS, (title, help_text, gate, kind, condition), strict=True))
        steps[step_id] = {**values, "order": position * 10}
    return steps


def code_rules() -> dict[str, dict]:
    """Every contraindication rule defined in code: code -> its columns."""
    return {
        code: dict(zip(RULE_FIELDS, (title, severity_text, gate, help_text), strict=True))
        for code, title, severity_text, gate, help_text in RULES
    }


def wording_hash(values: dict, fields: tuple[str, ...]) -> str:
    """A fingerprint of a row's code-defined columns (the same for a row and for its code default)."""
    payload = json.dumps([str(values[name]) for name in fields], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def _sync_rows(model, key: str, defined: dict[str, dict], fields: tuple[str, ...], using: str) -> dict:
    added, updated, kept, new_rows = [], [], [], []
    rows = {getattr(row, key): row for row in model.objects.using(using).all()}
    for ident, values in defined.items():
        default_hash = wording_hash(values, fields)
        row = rows.get(ident)
        if row is None:
            new_rows.append(model(**{key: ident}, **values, seeded_hash=default_hash))
            added.append(ident)
            continue
        current_hash = wording_hash({name: getattr(row, name) for name in fields}, fields)
        if current_hash == default_hash:
            if row.seeded_hash != default_hash:  # a row seeded before hashes were kept, never edited
                model.objects.using(using).filter(pk=row.pk).update(seeded_hash=default_hash)
        elif row.seeded_hash and current_hash == row.seeded_hash:
            # The clinic never edited it since it was seeded: take the new wording from code.
            changes = {name: values[name] for name in fields}
            model.objects.using(using).filter(pk=row.pk).update(**changes, seeded_hash=default_hash)
            updated.append(ident)
        else:
            kept.append(ident)  # edited by the clinic (or of unknown origin): never overwritten
    model.objects.using(using).bulk_create(new_rows)
    return {"added": added, "updated": updated, "kept_edited": kept}


def sync_definitions(apps=None, using: str = "default") -> dict:
    """Bring every clearance step and rule defined in code into the database (spec §6).

    Adds missing rows, refreshes the wording of rows still as they were seeded, never overwrites
    an edit, never deletes or deactivates a row. Also makes sure a screening policy and a
    questionnaire wording in each language exist. Returns what it did, per table, for the caller to report.
    """
    if apps is None:
        from django.apps import apps
    Step = apps.get_model("referrals", "ClearanceStepDefinition")
    Rule = apps.get_model("referrals", "ContraindicationRule")
    Policy = apps.get_model("referrals", "ScreeningPolicy")
    Wording = apps.get_model("referrals", "QuestionnaireText")
    report = {
        "steps": _sync_rows(Step, "step_id", code_steps(), STEP_FIELDS, using),
        "rules": _sync_rows(Rule, "code", code_rules(), RULE_FIELDS, using),
    }
    if not Policy.objects.using(using).exists():
        Policy.objects.using(using).create(change_note="Clinic default policy (screening spec v4).")
    report["wording"] = sync_wording(Wording, using)
    # Each other language's wording is reported apart ("wording_es"), as its own set of versions.
    for language in CODE_VERSIONS_BY_LANGUAGE:
        if language != "en":
            report[f"wording_{language}"] = sync_wording(Wording, using, language)
    return report


def sync_wording(Wording, using: str = "default", language: str = "en") -> dict:
    """Make the newest code wording of one language current, unless the clinic chose its own.

    The wording in use for a language is its newest row. When that row is a wording shipped in code
    (so the clinic has not replaced it), a newer code version is added as a new row: earlier rows
    stay as they were, and referrals keep the version they were answered with. When the clinic's
    own wording is in use, nothing is added (the clinic decides when to change its patients'
    wording). A language with no row yet gets its default.
    """
    code_versions = CODE_VERSIONS_BY_LANGUAGE[language]
    default_version = DEFAULT_VERSIONS[language]
    rows = Wording.objects.using(using)
    has_language = any(field.name == "language" for field in Wording._meta.fields)
    if has_language:
        rows = rows.filter(language=language)
    elif language != "en":
        return {"added": [], "updated": [], "kept_edited": []}  # a state before wording had languages
    current = rows.order_by("-id").values_list("version", flat=True).first()
    if current is None or (current in code_versions and current != default_version):
        # The version name is unique across languages: never add a name another row holds.
        if not Wording.objects.using(using).filter(version=default_version).exists():
            values = {"language": language} if has_language else {}
            Wording.objects.using(using).create(
                version=default_version,
                texts=code_versions[default_version],
                change_note=WORDING_NOTES[default_version],
                **values,
            )
            return {"added": [default_version], "updated": [], "kept_edited": []}
    if current is not None and current not in code_versions:
        return {"added": [], "updated": [], "kept_edited": [current]}  # the clinic's own wording
    return {"added": [], "updated": [], "kept_edited": []}


WORDING_NOTES = {
    "plain-2026.1": "Plain-language default wording.",
    "plain-2026.2": "Plain-language default wording; PC-PTSD-5 item 3 says constantly on guard, watchful or "
    "easily startled; each answer option keyed by its score.",
    "plain-es-2026.1": "Plain Spanish default wording: the clinic's own translation of plain-2026.2, item for "
    "item (not the licensed Spanish versions; see docs/spanish-questionnaires.md).",
}


def missing_definitions(using: str = "default") -> dict[str, list[str]]:
    """Steps and rules defined in code that the database lacks (for the system check)."""
    from referrals.models import ClearanceStepDefinition, ContraindicationRule

    have_steps = set(ClearanceStepDefinition.objects.using(using).values_list("step_id", flat=True))
    have_rules = set(ContraindicationRule.objects.using(using).values_list("code", flat=True))
    return {
        "steps": [step for step in code_steps() if step not in have_steps],
        "rules": [code for code in code_rules() if code not in have_rules],
    }


def seed_all() -> None:
    """Seed with the live app registry (after a test flushed the database)."""
    from django.apps import apps

    seed_roles(apps)
    sync_definitions(apps)
