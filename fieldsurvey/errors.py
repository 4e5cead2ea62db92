"""The few named exceptions. Each carries a location and a message fit to show a user.

`message` is English: it is what `str(exc)`, the CLI and the logs show. An error that a user of the desktop app
may meet also carries a catalogue `key` and the `values` to fill it with, and `exc.text(lang)` gives the same
message in Vietnamese or English (the app shows that). A value that is itself a FieldSurveyError, a Message or a
Choice (anything with a `text(lang)` method) is rendered in the same language.

    raise WorkspaceError("no such file", str(path), key="storage.error.no_such_file")
    exc.text("vi")  # '/x/a.fsdb: không có tệp này'
"""

from __future__ import annotations

import string
from typing import Any


class FieldSurveyError(Exception):
    """Base class: `where` says what (file, key, field, row) and `message` says what is wrong (in English);
    `key` and `values` say it again through the catalogues, for `text(lang)`."""

    def __init__(self, message: str, where: str | None = None, *, key: str | None = None, **values: Any):
        self.message = message
        self.where = where
        self.key = key
        self.values = values
        super().__init__(f"{where}: {message}" if where else message)

    def text(self, lang: str = "vi") -> str:
        """The message in `lang`, prefixed with `where` like str() (a field name such as `enumerator` or `--year`
        is itself translated when the catalogue has `where.<name>`). Falls back to the English `message` when
        there is no key, the catalogue lacks it, or a placeholder has no value."""
        from fieldsurvey.i18n import catalogue, has, t

        body = self.message
        if self.key is not None and has(self.key, lang):
            wanted = {name.split(".")[0].split("[")[0]
                      for _, name, _, _ in string.Formatter().parse(catalogue(lang)[self.key]) if name}
            if wanted <= set(self.values):
                body = t(self.key, lang, **{k: _render(v, lang) for k, v in self.values.items()})
        if not self.where:
            return body
        where = self.where
        where_key = "where." + where.lstrip("-")
        if has(where_key, lang):
            where = t(where_key, lang)
        return f"{where}: {body}"


def _render(value: Any, lang: str) -> Any:
    text = getattr(value, "text", None)
    if callable(text) and not isinstance(value, str):
        try:
            return text(lang)
        except TypeError:
            return value
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return "; ".join(str(_render(v, lang)) for v in value)
    return value


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
