"""Reading a template's TOML file so that every refusal names the line it is about.

`tomllib` says where a syntax error is but keeps no positions for what it reads, so `DataFile` also scans the text
once and remembers the line of every table header, array-of-tables entry, key and (for arrays written over several
lines) array element, by its path: `title`, `header.number`, `block[2]`, `block[2].column[0].label`,
`block[3].rows[1]`. A check that finds something wrong asks for the line of the path it is looking at
(`line_of`), and the nearest enclosing entry answers when the exact one was not written on a line of its own.

    data = DataFile.read(path)                 # TemplateError "…/x.toml:7" for a syntax error on line 7
    data.fail("report.template.error.unknown_field", "block[2].column[1].field", field="x", known="…")
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from fieldsurvey.errors import TemplateError

_KEY = re.compile(r'\s*((?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\'))*)\s*=')
_HEADER = re.compile(r"\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def _segments(dotted: str) -> list[str]:
    return [s.strip().strip("\"'") for s in re.findall(r'"[^"]*"|\'[^\']*\'|[^.]+', dotted)]


def _scan_value(text: str, pos: int, state: dict) -> int:
    """Advance over one line's part of a value; `state` keeps the bracket depth and an open multi-line string
    across lines, and collects the offsets where a top-level array element starts ("starts")."""
    i = pos
    n = len(text)
    while i < n:
        quote = state.get("string")
        if quote:
            end = text.find(quote, i)
            if end < 0:
                return n
            if len(quote) == 1 and end > 0 and text[end - 1] == "\\" and quote == '"':
                i = end + 1
                continue
            state["string"] = None
            i = end + len(quote)
            continue
        c = text[i]
        if c == "#":
            return n
        if state["depth"] == 1 and state["array"] and not c.isspace() and c not in ",]" and state["expect"]:
            state["starts"].append(i)
            state["expect"] = False
        if text.startswith('"""', i) or text.startswith("'''", i):
            state["string"] = text[i:i + 3]
            i += 3
            continue
        if c in "\"'":
            state["string"] = c
            i += 1
            continue
        if c in "[{":
            if state["depth"] == 0:
                state["array"] = c == "["
                state["expect"] = True
            state["depth"] += 1
        elif c in "]}":
            state["depth"] -= 1
        elif c == "," and state["depth"] == 1:
            state["expect"] = True
        i += 1
    return n


def locate(text: str) -> dict[str, int]:
    """Path → line number (from 1) of every header, key and element written at the start of a line."""
    lines: dict[str, int] = {}
    arrays: dict[str, int] = {}        # array-of-tables path → entries seen so far
    current = ""
    pending: str | None = None         # the key whose value continues on the next lines
    state: dict = {"depth": 0, "string": None, "array": False, "expect": False, "starts": []}
    for number, line in enumerate(text.splitlines(), 1):
        if pending is not None:
            state["starts"] = []
            _scan_value(line, 0, state)
            for _ in state["starts"]:
                lines.setdefault(f"{pending}[{state['count']}]", number)
                state["count"] += 1
            if state["depth"] <= 0 and not state["string"]:
                pending = None
            continue
        m = _HEADER.match(line)
        if m and not _KEY.match(line):
            double = m.group(1) == "[["
            parts = _segments(m.group(2))
            path = ""
            for k, seg in enumerate(parts):
                path = f"{path}.{seg}" if path else seg
                last = k == len(parts) - 1
                if last and double:
                    index = arrays.get(path, 0)
                    arrays[path] = index + 1
                    _forget(arrays, path)
                    path = f"{path}[{index}]"
                elif path in arrays:
                    path = f"{path}[{arrays[path] - 1}]"
            current = path
            lines.setdefault(current, number)
            continue
        m = _KEY.match(line)
        if not m:
            continue
        key = ".".join(_segments(m.group(1)))
        path = f"{current}.{key}" if current else key
        lines.setdefault(path, number)
        state = {"depth": 0, "string": None, "array": False, "expect": False, "starts": [], "count": 0}
        _scan_value(line, m.end(), state)
        for _ in state["starts"]:
            lines.setdefault(f"{path}[{state['count']}]", number)
            state["count"] += 1
        if state["depth"] > 0 or state["string"]:
            pending = path
    return lines


def _forget(arrays: dict[str, int], parent: str) -> None:
    """A new entry of an array of tables starts its nested arrays afresh."""
    for key in [k for k in arrays if k.startswith(parent + ".")]:
        del arrays[key]


@dataclass
class DataFile:
    """A parsed TOML file, its name for messages and where each path was written."""

    name: str
    data: dict[str, Any]
    lines: dict[str, int]

    @classmethod
    def read(cls, path: Path | str, text: str | None = None) -> "DataFile":
        path = Path(path)
        if text is None:
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                raise TemplateError("report.template.error.no_file", str(path)) from None
            except UnicodeDecodeError as exc:
                line = path.read_bytes()[:exc.start].count(b"\n") + 1
                raise TemplateError("report.template.error.not_utf8", f"{path}:{line}") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"line (\d+)", str(exc))
            line = int(m.group(1)) if m else 1
            detail = re.sub(r"\s*\(at line \d+, column \d+\)|\s*\(at end of document\)", "", str(exc))
            raise TemplateError("report.template.error.syntax", f"{path}:{line}", detail=detail) from None
        return cls(str(path), data, locate(text))

    def line_of(self, path: str) -> int:
        """The line of `path`, or of the nearest enclosing entry that has one (1 when none does)."""
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return 1

    def where(self, path: str) -> str:
        return f"{self.name}:{self.line_of(path)}"

    def fail(self, key: str, path: str, **values: Any) -> NoReturn:
        raise TemplateError(key, self.where(path), **values)
