"""File fields and the optional documents step of the intake; the checks live in referrals.documents."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from referrals import documents
from referrals.forms.intake import StepForm
from referrals.models import Document


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files; each is checked by the form (UploadFormMixin), not here."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": documents.ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = list(data) if isinstance(data, list | tuple) else ([data] if data else [])
        files = [f for f in files if f]
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        return files


def file_field(label, *, help_text="", multiple=True, required_message=None):
    field_class = MultipleFileField if multiple else forms.FileField
    widget = MultipleFileInput if multiple else forms.FileInput
    return field_class(
        label=label,
        required=False,  # "required" is decided by UploadFormMixin, which knows the files kept so far
        help_text=help_text,
        widget=widget(attrs={"accept": documents.ACCEPT}),
        error_messages={
            "required": required_message or _("Choose a file"),
            "invalid": _("Choose a file again: that one did not arrive"),
            "missing": _("Choose a file again: that one did not arrive"),
            "empty": _("That file is empty. Choose the file again, or a different file."),
        },
    )


class UploadFormMixin:
    """Checks the files of `upload_fields`, keeps the good ones for `save_uploads`.

    `owner` (documents.UploadOwner) says which files this form already holds: they count toward
    the limit of 5, and a form's required letter may already be among them. `remove` lists the
    pending documents the user ticked to remove in this post.
    """

    upload_fields: dict[str, str] = {}
    required_kinds: dict[str, str] = {}  # field -> message when no such document is held

    def init_uploads(self, owner, remove=()):
        self.owner = owner or documents.UploadOwner(key="")
        self.remove_ids = {int(pk) for pk in remove if str(pk).isdigit()}
        self.checked: dict[str, list[documents.CheckedFile]] = {}

    def held_documents(self) -> list[Document]:
        if "_held" not in self.__dict__:
            self.__dict__["_held"] = self.owner.documents()
        return self.__dict__["_held"]

    def kept_documents(self) -> list[Document]:
        return [d for d in self.held_documents() if not (d.referral_id is None and d.pk in self.remove_ids)]

    def clean_uploads(self, cleaned):
        kept = self.kept_documents()
        total = len(kept)
        limit = documents.max_files()
        for name, kind in self.upload_fields.items():
            value = cleaned.get(name)
            files = value if isinstance(value, list) else ([value] if value else [])
            good, problems = [], []
            for upload in files:
                try:
                    good.append(documents.check_upload(upload))
                except ValidationError as error:
                    problems.extend(error.messages)
            if total + len(good) > limit:
                if total:
                    message = gettext(
                        "You can attach up to %(limit)s files in all and %(total)s are attached already. "
                        "Remove one, or choose fewer files."
                    )
                else:
                    message = gettext(
                        "You can attach up to %(limit)s files in all. Remove one, or choose fewer files."
                    )
                problems.append(message % {"limit": limit, "total": total})
                good = []
            for problem in problems:
                self.add_error(name, problem)
            self.checked[name] = good
            total += len(good)
            if name in self.required_kinds and not good and not self.has_error(name):
                if not any(d.kind == kind for d in kept):
                    self.add_error(name, self.required_kinds[name])
        return cleaned

    def save_uploads(self) -> list[Document]:
        """Remove what was ticked; store every file that passed its checks (even if other fields failed)."""
        if self.remove_ids:
            documents.remove_pending(self.owner, self.remove_ids)
        stored = []
        for name, kind in self.upload_fields.items():
            for checked in self.checked.get(name, []):
                stored.append(documents.store(checked, owner=self.owner, kind=kind))
        self.checked = {}
        self.__dict__.pop("_held", None)
        return stored


class DocumentsForm(UploadFormMixin, StepForm):
    """The optional documents step of the intake; files are stored at once (see IntakeWizard.process_step)."""

    title = _("Documents (optional)")
    upload_fields = {"files": Document.Kind.RECORDS}

    files = file_field(
        _("Add documents"),
        help_text=_(
            "For example a letter from your doctor, test results or your insurance card. "
            "PDF, JPEG or PNG files, up to 10 MB each and 5 in all."
        ),
    )

    def __init__(self, *args, owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        remove = self.data.getlist(self.add_prefix("remove")) if hasattr(self.data, "getlist") else ()
        self.init_uploads(owner, remove)

    def clean(self):
        cleaned = self.clean_uploads(super().clean())
        # What the check-your-answers page shows for this step: the files kept and being added.
        names = [d.original_name for d in self.kept_documents()]
        names += [c.display_name for c in self.checked.get("files", [])]
        cleaned["files"] = "; ".join(names) if names else gettext("None")
        return cleaned
