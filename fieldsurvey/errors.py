"""The few named exceptions. Each carries a location and a message fit to show a user."""

from __future__ import annotations


class FieldSurveyError(Exception):
    """Base class: `where` says what (file, key, field, row) and `message` says what is wrong."""

    def __init__(self, message: str, where: str | None = None):
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class DocumentError(FieldSurveyError):
    """A household document that does not fit the documented shape."""


class StandardError(FieldSurveyError):
    """A malformed poverty standard or point-table file."""


class FormError(FieldSurveyError):
    """A questionnaire definition that cannot be loaded."""


class WorkspaceError(FieldSurveyError):
    """A workspace file that cannot be opened or changed."""


class BundleError(FieldSurveyError):
    """A sync bundle that is refused."""
