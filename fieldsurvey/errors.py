"""The few named exceptions. Each carries a location and a message fit to show a user.

Every message is written once, in the catalogues (resources/i18n/<lang>/*.json): an error names its catalogue
`key`, where it happened, and the `values` that fill the text. `exc.text(lang)` says it in Vietnamese or English;
`exc.message` is the English text and `str(exc)` the English text after `where` as it is (what the CLI prints and
the logs keep). A value that is itself
a FieldSurveyError, a Message or a Choice (anything with a `text(lang)` method) is rendered in the same language.

    raise WorkspaceError("storage.error.no_such_file", str(path))
    exc.text("vi")  # '/x/a.fsdb: Không tìm thấy tệp này'
    str(exc)        # '/x/a.fsdb: no such file'
"""

from __future__ import annotations

import string
from typing import Any

from fieldsurvey.i18n import catalogue, has, t


class FieldSurveyError(Exception):
    """Base class: `key` names the message in the catalogues, `where` says what (file, key, field, row) and
    `values` fill the message's placeholders."""

    def __init__(self, key: str, where: str | None = None, /, **values: Any):
        self.key = key
        self.where = where
        self.values = values
        super().__init__(key, where)

    def __reduce__(self) -> tuple:
        return _rebuild, (type(self), self.key, self.where, self.values)

    def __str__(self) -> str:
        body = self.body("en", plain=True)
        return f"{self.where}: {body}" if self.where else body

    @property
    def message(self) -> str:
        """The English text, without `where`."""
        return self.body("en", plain=True)

    def body(self, lang: str = "vi", plain: bool = False) -> str:
        """The message in `lang`, without `where`. A key the catalogue lacks, or a placeholder without its value,
        shows the key and the values as they are (a gap shows; it never crashes). `plain`: an error among the values
        is said as str() says it (its `where` as it is), as the CLI and the logs show it."""
        if has(self.key, lang) or has(self.key, "en"):
            template = catalogue(lang).get(self.key) or catalogue("en")[self.key]
            wanted = {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template)
                      if name}
            if wanted <= set(self.values):
                return t(self.key, lang if has(self.key, lang) else "en",
                         **{k: _render(v, lang, plain) for k, v in self.values.items()})
        shown = ", ".join(f"{k}={_render(v, lang, plain)}" for k, v in self.values.items())
        return f"{self.key} ({shown})" if shown else self.key

    def text(self, lang: str = "vi") -> str:
        """The message in `lang`, prefixed with `where` (a field name such as `enumerator` or `--year` is itself
        translated when the catalogue has `where.<name>`)."""
        body = self.body(lang)
        if not self.where:
            return body
        where = self.where
        where_key = "where." + where.lstrip("-")
        if has(where_key, lang):
            where = t(where_key, lang)
        return f"{where}: {body}"


def _rebuild(cls: type, key: str, where: str | None, values: dict[str, Any]) -> FieldSurveyError:
    return cls(key, where, **values)


def _render(value: Any, lang: str, plain: bool = False) -> Any:
    if plain and isinstance(value, FieldSurveyError):
        return str(value)
    text = getattr(value, "text", None)
    if callable(text) and not isinstance(value, str):
        try:
            return text(lang)
        except TypeError:
            return value
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return "; ".join(str(_render(v, lang, plain)) for v in value)
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


class TemplateError(FieldSurveyError):
    """A document template (or the state format) that cannot be loaded: `where` names the file and the line."""
