"""Errors the workflow raises; views turn them into messages, never into 500s."""


class WorkflowError(Exception):
    """Base class: the message is safe to show to staff."""


class InvalidTransitionError(WorkflowError):
    """The referral is not in a status that allows this move (or another reviewer moved it first)."""


class GateNotMetError(WorkflowError):
    """The checklist or findings do not allow this decision; `reasons` lists what is missing."""

    def __init__(self, message: str, reasons: list[str]):
        super().__init__(message)
        self.reasons = reasons


class WorkflowPermissionError(WorkflowError):
    """The acting user lacks the permission this move needs."""


class DuplicateSubmissionError(WorkflowError):
    """The same submission token was posted again; `referral` is the one already stored."""

    def __init__(self, referral):
        super().__init__("This form was already submitted.")
        self.referral = referral
