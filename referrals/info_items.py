"""What staff may ask for in an information request, and the fields the reply page shows for each.

Staff tick items on the request form; the patient's (or referrer's) reply page asks only for those.
Keys are stored on the InfoRequest, so they never change meaning: add new keys, never reuse one.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class InfoItem:
    key: str
    staff_label: str  # what staff tick (staff work in English)
    heading: str  # what the person replying reads, in the reply page's language
    help_text: str
    audiences: tuple[str, ...] = ("patient", "referrer")


INFO_ITEMS: tuple[InfoItem, ...] = (
    InfoItem(
        "blood_pressure",
        "A recent blood pressure reading",
        _("A recent blood pressure reading"),
        _(
            "The top and bottom numbers, and the date it was taken. A reading from a pharmacy machine is fine."
        ),
    ),
    InfoItem(
        "medications",
        "The current medication list (names and doses)",
        _("Your current medicines"),
        _(
            "Every medicine you take, with the dose, including ones bought without a prescription and supplements."
        ),
    ),
    InfoItem(
        "diagnosis_history",
        "Diagnosis and treatment history",
        _("Diagnosis and treatments so far"),
        _("The diagnosis, and the treatments tried so far with roughly when and whether they helped."),
    ),
    InfoItem(
        "records_contact",
        "Where the medical records are held",
        _("Where your medical records are held"),
        _("The name, phone and fax number of the practice or hospital that holds the records we need."),
        ("patient",),
    ),
    InfoItem(
        "escort",
        "Who will take the patient home after an infusion",
        _("Who will take you home after an infusion"),
        _("An adult must take you home and you cannot drive until the next day. Tell us who it could be."),
        ("patient",),
    ),
    InfoItem(
        "insurance",
        "Insurance or self-pay details",
        _("Insurance or payment"),
        _("Your insurer, member ID and group number, or tell us you will pay for yourself."),
        ("patient",),
    ),
    InfoItem(
        "other",
        "Something else (explained in the message)",
        _("Your answer to our message"),
        _("Please answer what we asked in the message above."),
    ),
)
BY_KEY: dict[str, InfoItem] = {item.key: item for item in INFO_ITEMS}


def choices_for(audience: str | None = None) -> list[tuple[str, str]]:
    return [
        (item.key, item.staff_label) for item in INFO_ITEMS if audience is None or audience in item.audiences
    ]


def labels(keys) -> list[str]:
    return [BY_KEY[key].staff_label if key in BY_KEY else key for key in keys]
