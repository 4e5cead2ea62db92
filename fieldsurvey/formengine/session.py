"""One household being filled with a form: answers in, question states and the household document out.

`FormSession(form, document)` reads the answers a document already has, and keeps every question's state
(relevant, value, required, read-only, error, warning) up to date. After `set_answer` only what the change touches
is recomputed: values and relevance follow the form's dependency order (calculations update live), then the checks
(required, constraint, warning) of everything that reads a changed value. XLSForm's behaviour:

* an irrelevant question is hidden and its answer does not count (it reads as empty in expressions and is left out
  of `to_document()`; the answer is kept in memory, so it comes back if the question becomes relevant again);
* `required` blocks `is_complete()`, never a save;
* a failed `constraint` is a hard error with `constraint_message` in the current language;
* a failed `warning` (this engine's extra column, ignored by other tools) is a soft warning: the answer can be true,
  and `confirm(name, member)` accepts it — confirmations are kept in the document (`confirmed_warnings`).

How form names map onto the household document is in docs/forms.md (`location` and `interview_date` keys, the
`members` repeat, names starting with `_` kept out).
"""

from __future__ import annotations

import copy
import math
import re
import unicodedata
import uuid as uuidlib
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, time
from typing import Any, Iterable

from fieldsurvey.domain import fieldpaths, refdata
from fieldsurvey.domain.plausible import check_answer, fraction_of_dong
from fieldsurvey.domain.ranges import ranges
from fieldsurvey.errors import DocumentError
from fieldsurvey.formengine.expr import (Node, Nodeset, _children, datetime_text, evaluate, local_moment, to_bool,
                                       to_number, to_string)
from fieldsurvey.formengine.model import BUILTIN_LISTS, Choice, Form, Item
from fieldsurvey.i18n import format_date, format_money, format_number, t

LOCATION_KEYS = ("province_code", "commune_code", "commune_name", "village", "area")
TOP_KEYS = ("interview_date",)
MEMBERS = "members"

OK, EMPTY, REQUIRED, ERROR, WARNING = "ok", "empty", "required", "error", "warning"
_LABEL_REF = re.compile(r"\$\{([^}]*)\}")
_INTEGER = re.compile(r"-?[0-9]+", re.ASCII)
INT_MIN, INT_MAX = -2**31, 2**31 - 1   # ODK's integer is 32-bit: its widget refuses what lies beyond
UNASKED = ("calculate", "meta", "hidden")   # types that hold a value but are never asked
_DECIMAL = re.compile(r"-?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)", re.ASCII)
CATALOGUE_LANGS = ("vi", "en")   # the languages of the app's own messages (a form may speak others)
_PARSED_TYPES = ("integer", "decimal", "date", "time", "datetime", "geopoint")   # read from text by their type


def is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


@dataclass(slots=True)
class _State:
    relevant: bool = True
    value: Any = ""
    required: bool = False
    read_only: bool = False
    status: str = EMPTY        # ok | empty | required | error | warning
    problem: str = ""          # type | constraint | warning | required | choice (what the message is about)
    typed: Any = ""            # the value as expressions read it (see FormSession._typed)

    def key(self) -> tuple:
        v = self.value
        return (self.relevant, tuple(v) if isinstance(v, list) else v, self.required, self.read_only, self.status,
                self.problem)


@dataclass(frozen=True, slots=True)
class QuestionState:
    """What the GUI shows for one question (of one member, inside the roster)."""
    question: Item
    value: Any
    relevant: bool
    status: str                 # ok | empty | required | error | warning
    message: str = ""           # in the session's language ("" when ok)
    required: bool = False
    read_only: bool = False
    label: str = ""
    hint: str = ""
    confirmed: bool = False     # a warning the enumerator has accepted

    @property
    def visible(self) -> bool:
        return self.relevant


@dataclass(frozen=True, slots=True)
class Section:
    """A top-level group or repeat of the form: what the GUI shows as one page."""
    id: str
    questions: tuple[Item, ...]
    repeat: bool
    item: Item | None

    def label(self, lang: str) -> str:
        return self.item.label(lang) if self.item is not None else self.id


Path = tuple   # the instance numbers (0-based) of the repeats an item lies in, outermost first: () outside any


def _as_day(value: Any) -> date | None:
    """A date answer (kept as the document writes it, 2026-03-15) as a date; None when it is none."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def has_sheet_extras(form: Form) -> bool:
    """Whether a form asks what a household sheet prints apart (FormSession.sheet_extras): a rank question, or a
    repeat inside the roster's repeat."""
    return any((i.kind == "question" and i.type == "rank")
               or (i.kind == "repeat" and len(i.chain) > 1 and i.chain[0].name == MEMBERS) for i in form.items)


def _common(a: tuple, b: tuple) -> int:
    """How many repeats two chains share from the outside in."""
    n = 0
    for x, y in zip(a, b):
        if x is not y:
            break
        n += 1
    return n


class _Ctx:
    """The evaluation context: the item and the instance (path) being computed, and the form's nodes for XPath
    paths — ("D",) the document, ("R",) the root element, ("M", item, path) an answer, group or repeat instance."""
    __slots__ = ("s", "item", "path", "cur", "choice", "_today", "frames", "source")

    def __init__(self, session: "FormSession"):
        self.s = session
        self.item: Item | None = None
        self.path: Path = ()
        self.cur: Any = ""
        self.choice: Choice | None = None
        self._today = session.today_date
        self.frames: list = []
        self.source: tuple | None = None   # (repeat, path): the instance a select_one ${q}'s filter is testing

    def at(self, item: Item | None, path: Path) -> "_Ctx":
        self.item, self.path = item, path
        return self

    def _align(self, it: Item) -> tuple[tuple, Path]:
        """The repeats and instance numbers a ${name} is read in: the item's own (a repeat it shares is its own
        instance), or for a select_one ${q}'s filter, the instance being tested for the names inside it."""
        if self.source is not None and self.source[0] in it.chain:
            rep, path = self.source
            return rep.chain, path
        if self.item is None:
            return (), ()
        return self.item.chain[:len(self.path)], self.path

    def ref(self, name: str) -> Any:
        s = self.s
        it = s.form.by_name[name]
        if it.kind == "group":
            return ""
        if it.kind == "question" and self.source is None:   # (the usual cases, quickly: outside any repeat, or in
            mine = self.item.chain if self.item is not None else ()   # the repeat the expression stands in)
            if not it.chain or (it.chain == mine and len(self.path) >= len(mine)):
                st = s._states.get((name, self.path[:len(it.chain)]))
                return st.typed if st is not None and st.relevant else ""
        chain, path = self._align(it)
        if it.kind == "repeat":   # its instances beside the one the expression stands in (all of them outside)
            common = _common(it.chain[:-1], chain)
            paths = [p for p in s._paths(it.chain, path[:common])   # a hidden instance is left out, as in ODK
                     if (st := s._states.get((name, p))) is None or st.relevant]
            return Nodeset([s._inst_at(it.chain, p) for p in paths], [("M", it, p) for p in paths])
        common = _common(it.chain, chain)
        if common == len(it.chain):
            st = s._states.get((name, path[:common]))
            return st.typed if st is not None and st.relevant else ""
        values, nodes = [], []   # the question's nodes in every instance, as ODK makes them: a hidden one is left out
        for p in s._paths(it.chain, path[:common]):
            st = s._states.get((name, p))
            if st is not None and st.relevant:
                values.append(st.typed)
                nodes.append(("M", it, p))
        return Nodeset(values, nodes)

    def current(self) -> Any:
        return self.cur

    def position(self) -> int:
        return self.path[-1] + 1 if self.path else 0

    # --- the form's nodes, for XPath paths

    def node(self) -> tuple:
        if self.item is None:
            return ("R",)
        return ("M", self.item, self.path[:len(self.item.chain)])

    def root(self) -> tuple:
        return ("D",)

    def children(self, node: tuple, name: str) -> list[tuple]:
        s = self.s
        if node[0] == "D":
            return [("R",)]
        if node[0] == "R":
            kids, path = s.form.top, ()
        else:
            item, path = node[1], node[2]
            kids = item.children if item.kind in ("group", "repeat") else []
        out = []
        for kid in kids:
            if name != "*" and kid.xml_name != name:
                continue
            paths = [path + (k,) for k in range(len(s._list(kid, path)))] if kid.kind == "repeat" else [path]
            for p in paths:
                st = s._states.get((kid.name, p))
                if st is None or st.relevant:   # a hidden node is left out, as ODK leaves it out
                    out.append(("M", kid, p))
        return out

    def parent(self, node: tuple) -> tuple | None:
        if node[0] == "D":
            return None
        if node[0] == "R":
            return ("D",)
        item, path = node[1], node[2]
        up = path[:-1] if item.kind == "repeat" else path
        return ("M", item.parent, up) if item.parent is not None else ("R",)

    def node_value(self, node: tuple) -> Any:
        if node[0] != "M" or node[1].kind != "question":
            return ""
        st = self.s._states.get((node[1].name, node[2]))
        return st.typed if st is not None and st.relevant else ""

    def node_position(self, node: tuple) -> int:
        return node[2][-1] + 1 if node[0] == "M" and node[1].kind == "repeat" else 1

    def instance(self, name: str) -> Any:
        return self.s.form.instances.get(name)

    def children_of_repeat(self, rep: Item, prefix: Path) -> list[tuple]:
        """The shown instances of a repeat under the instance path `prefix` of the repeats around it."""
        out = []
        for p in self.s._paths(rep.chain, prefix):
            st = self.s._states.get((rep.name, p))
            if st is None or st.relevant:
                out.append(("M", rep, p))
        return out

    # ---

    def lookup(self, list_name: str, column: str, key_column: str, key: Any) -> Any:
        """pulldata(): a column of the row of a choice list, or of a file beside the form, whose key matches."""
        s = self.s
        if list_name in s.form.choices or list_name in BUILTIN_LISTS or list_name in s._extra_lists:
            for c in s.choice_list(list_name):
                if c.get(key_column) == key:
                    return c.get(column)
            return ""
        doc = s.form.instances.get(list_name)
        for root in doc.children if doc is not None else ():
            for item in root.children:
                fields = {c.name: c.value() for c in item.children}
                if fields.get(key_column) == key:
                    return fields.get(column, "")
        return ""

    def today(self) -> date:
        return self._today

    def now(self) -> datetime:
        """Now, on the session's day (a session opened on a given day keeps it)."""
        return datetime.combine(self._today, datetime.now().time())

    def choice_label(self, name: str, value: str) -> str:
        """jr:choice-name: the label of the choice `value` of question `name`'s list, in the session's language."""
        it = self.s.form.by_name.get(name)
        if it is None or not it.list_name:
            return ""
        for c in self.s.item_choices(it):
            if c.name == value:
                return c.label(self.s.lang, self.s.form.default_language)
        return ""

    def itext(self, text_id: str) -> str:
        """jr:itext(): a choice's label from its itextId ('LIST-n', as the choice instances hold it), or a question's
        label or hint ('/data/…/NAME:label'), in the session's language."""
        s = self.s
        if ":" in text_id:
            where, _, what = text_id.rpartition(":")
            it = s.form.by_name.get(where.rstrip("/").rsplit("/", 1)[-1])
            if it is None:
                return ""
            texts = it.hints if what == "hint" else it.labels
            return texts.get(s.lang) or texts.get(s.form.default_language) or ""
        list_name, _, n = text_id.rpartition("-")
        choices = s.form.choices.get(list_name) or []
        if n.isdigit() and int(n) < len(choices):
            return choices[int(n)].label(s.lang, s.form.default_language)
        return ""

    def indexed(self, name: str, where: dict[str, int]) -> Any:
        """indexed-repeat: the value of `name` in the instances numbered (from 1) for the repeats named; a repeat not
        named is the one the expression stands in."""
        s = self.s
        it = s.form.by_name.get(name)
        if it is None or not it.chain:
            return ""
        chain, path = self._align(it)
        common = _common(it.chain, chain)
        out: list[int] = []
        for i, rep in enumerate(it.chain):
            if rep.name in where:
                n = where[rep.name] - 1
            elif i < common:
                n = path[i]
            else:
                return ""
            if not 0 <= n < len(s._list(rep, tuple(out))):
                return ""
            out.append(n)
        st = s._states.get((name, tuple(out)))
        return st.typed if st is not None and st.relevant else ""

    def column(self, name: str) -> Any:
        return self.choice.get(name) if self.choice is not None else ""

    def last_saved(self, name: str) -> Any:
        return self.s._last_saved_value(name)


class FormSession:
    """One household filled with one form."""

    def __init__(self, form: Form, document: dict | None = None, *, lang: str | None = None,
                 villages: Iterable[str] = (), today: date | None = None,
                 extra_lists: dict[str, list[Choice]] | None = None, last_saved: dict | None = None):
        """`last_saved`: the household document saved last with this form (what ${last-saved#name} reads; none,
        as on a device where nothing was saved yet: empty)."""
        self.form = form
        self._last_saved = last_saved if isinstance(last_saved, dict) else None
        self.lang = lang or form.default_language
        self.today_date = today or date.today()
        self.villages = list(villages)
        self._extra_lists = dict(extra_lists or {})
        self._list_cache: dict[str, list[Choice]] = {}
        doc = copy.deepcopy(document) if document else {}
        self.document = doc
        doc.setdefault("document", "fieldsurvey/household")
        doc.setdefault("document_version", 1)
        doc.setdefault("uuid", str(uuidlib.uuid4()))
        doc["form"] = {"id": form.form_id, "version": form.version}
        if not isinstance(doc.get("household"), dict):
            doc["household"] = {}
        if not isinstance(doc.get("members"), list):
            doc["members"] = []
        doc["members"] = [m for m in doc["members"] if isinstance(m, dict)]
        if "location" in doc and not isinstance(doc["location"], dict):
            doc["location"] = {}
        self._values: dict[str, Any] = {}
        # the instances of each repeat outside any other (a repeat inside one keeps its instances, a list, under its
        # name in each instance of the outer one — as the household document holds them)
        self._instances: dict[str, list[dict]] = {r.name: [] for r in form.repeats() if len(r.chain) == 1}
        self._confirmed: set[tuple[str, str | None]] = set()
        self._ctx = _Ctx(self)
        self._states: dict[tuple[str, Path], _State] = {}
        self._later_defaults: list[Item] = []
        self._stored: dict[tuple[str, Path], Any] = {}   # calculations' values in the document (once())
        self._read_document(doc)
        self.sections = self._make_sections()
        self.recompute()
        if self._later_defaults:
            for item in self._later_defaults:
                value = self._default(item)
                if not is_empty(value):
                    self._values[item.name] = value
            self.recompute()

    # --- reading a document ---------------------------------------------------------------------------------------

    def _coerce_in(self, item: Item, value: Any) -> Any:
        if value is True:
            return "yes"
        if value is False:
            return "no"
        if isinstance(value, dict):
            return ""  # not an answer (the document checks refuse it too)
        if item.type in ("select_multiple", "rank"):   # a rank: its choices in the order given, as it is stored
            if isinstance(value, str):
                return value.split()
            if isinstance(value, list):
                return [str(v) for v in value if not isinstance(v, (dict, list))]
        elif isinstance(value, list):
            return " ".join(str(v) for v in value)  # a list for a single answer: kept as text, flagged
        return value

    def _read_document(self, doc: dict) -> None:
        form = self.form
        fresh = not doc["household"] and not doc["members"]
        for item in form.items:
            if item.kind != "question" or item.chain:
                continue
            name = item.name
            if name in LOCATION_KEYS:
                v = (doc.get("location") or {}).get(name)
            elif name in TOP_KEYS:
                v = doc.get(name)
            else:
                v = doc["household"].get(name)
            if is_empty(v) and fresh and item.default is not None and _holds_answer(item):
                if item.default_expr is not None and _reads_answers(item.default_expr):
                    self._later_defaults.append(item)  # it reads other answers: once they are computed
                    continue
                v = self._default(item)
            if item.type == "calculate" and item.calculation is not None:
                if not is_empty(v) and not isinstance(v, (dict, list)):
                    self._stored[(name, ())] = v
            elif not is_empty(v):
                v = self._coerce_in(item, v)
                if not is_empty(v):
                    self._values[name] = v
        for rep in form.repeats():
            if len(rep.chain) != 1:
                continue
            rows = doc["members"] if rep.name == MEMBERS else doc["household"].get(rep.name)
            if isinstance(rows, list):
                self._instances[rep.name] = [self._instance_in(rep, m) for m in rows if isinstance(m, dict)]
        for key in doc.get("confirmed_warnings") or ():
            parts = str(key).split(".")
            if parts[0] == "household" and len(parts) == 2:
                self._confirmed.add((parts[1], None))
            elif parts[0] == "members" and len(parts) == 3:
                self._confirmed.add((parts[2], parts[1]))

    def _last_saved_value(self, name: str) -> Any:
        """${last-saved#name}: the answer in the household saved last with this form, typed as an answer is (of a
        question in a repeat: every instance's, as ODK reads the last saved record's nodes)."""
        doc = self._last_saved
        item = self.form.by_name.get(name)
        if doc is None or item is None or item.kind != "question":
            return ""
        if not item.chain:
            where = doc.get("location") if name in LOCATION_KEYS else (doc if name in TOP_KEYS else
                                                                      doc.get("household"))
            value = where.get(name) if isinstance(where, dict) else None
            return "" if is_empty(value) else self._typed(item, self._coerce(item, self._coerce_in(item, value)))
        rows: list = [doc.get("members") if item.chain[0].name == MEMBERS else (doc.get("household") or {}).get(
            item.chain[0].name)]
        for rep in item.chain[1:]:
            rows = [r.get(rep.name) for rs in rows if isinstance(rs, list) for r in rs if isinstance(r, dict)]
        values = [self._typed(item, self._coerce(item, self._coerce_in(item, r.get(name))))
                  for rs in rows if isinstance(rs, list) for r in rs if isinstance(r, dict)
                  and not is_empty(r.get(name))]
        return Nodeset(values)

    def _instance_in(self, rep: Item, row: dict) -> dict:
        """A repeat instance from the document: its answers read as answers are, a repeat inside it as a list of
        instances (anything else under that name is no instance), the keys the form does not ask kept."""
        inst = dict(row)
        for k, v in list(inst.items()):
            it = self.form.by_name.get(k)
            if it is None:
                continue
            if it.kind == "repeat" and it.repeat is rep:
                inst[k] = [self._instance_in(it, x) for x in v if isinstance(x, dict)] if isinstance(v, list) else []
            elif it.kind == "question" and it.chain and it.chain[-1] is rep:
                inst[k] = self._coerce_in(it, v)
        return inst

    def _default(self, item: Item, path: Path = ()) -> Any:
        """A question's first value: its `default` as written, or the value of a default that is an expression
        (ODK evaluates it once: when the form is first opened, or when the repeat instance `path` is added)."""
        if item.default_expr is not None:
            ctx = self._ctx.at(item, path)
            ctx.cur = ""
            return self._coerce(item, _as_value(evaluate(item.default_expr, ctx)))
        d = item.default or ""
        if item.type == "date" and d.strip() in ("today()", "today"):
            return self.today_date.isoformat()
        value = self._coerce(item, d)
        if value != "" and item.type in _PARSED_TYPES and self._type_problem(item, value):
            return ""   # a default the type cannot read ('10-2' for an integer): ODK loads the form with none
        return value

    def _make_sections(self) -> list[Section]:
        out: list[Section] = []
        loose: list[Item] = []
        for item in self.form.top:
            if item.kind in ("group", "repeat"):
                if loose:
                    out.append(Section("main" if not out else f"main{len(out)}", tuple(loose), False, None))
                    loose = []
                qs = tuple(i for i in self._walk(item) if i.kind == "question" and i.type not in UNASKED and i.asked
                           and len(i.chain) <= 1)
                out.append(Section(item.name, qs, item.kind == "repeat" or any(i.repeat for i in qs), item))
            elif item.kind == "question" and item.type not in UNASKED and item.asked:
                loose.append(item)
        if loose:
            out.append(Section("main" if not out else f"main{len(out)}", tuple(loose), False, None))
        return out

    @staticmethod
    def _walk(item: Item) -> Iterable[Item]:
        """Everything inside `item`, in form order."""
        stack = list(reversed(item.children))
        while stack:
            child = stack.pop()
            yield child
            stack.extend(reversed(child.children))

    # --- choice lists -----------------------------------------------------------------------------------------------

    def choice_list(self, list_name: str) -> list[Choice]:
        if list_name in self._extra_lists:
            return self._extra_lists[list_name]
        if list_name in self.form.choices:
            return self.form.choices[list_name]
        if list_name not in self._list_cache:
            self._list_cache[list_name] = _builtin_list(list_name, self.villages)
        return self._list_cache[list_name]

    def item_choices(self, item: Item) -> list[Choice]:
        """The whole list a select question chooses from (a select_one_external's from the external_choices
        sheet)."""
        if item.list_source == "external":
            return self.form.external.get(item.list_name or "", [])
        return self.choice_list(item.list_name or "")

    def choices(self, list_name: str) -> tuple[str, ...]:
        """The names of a choice list (the builtin form session's shape)."""
        return tuple(c.name for c in self.choice_list(list_name))

    def options(self, name: str, member: int | tuple | None = None) -> list[tuple[str, str]]:
        """(name, label) of the choices a select question offers now (its choice_filter applied)."""
        item = self.form.by_name[name]
        if not item.list_name:
            return []
        path = self._path(item, member)
        if item.list_source == "repeat":
            return [(c.name, c.label(self.lang, self.form.default_language)) for c in self._repeat_choices(item, path)]
        items = self.item_choices(item)
        if item.choice_filter is not None:
            ctx = self._ctx.at(item, path)
            ctx.cur = self._typed(item, self._raw(item, path))
            kept = []
            for c in items:
                ctx.choice = c
                if to_bool(evaluate(item.choice_filter, ctx)):
                    kept.append(c)
            ctx.choice = None
            items = kept
        return [(c.name, c.label(self.lang, self.form.default_language)) for c in items]

    def _repeat_choices(self, item: Item, path: Path) -> list[Choice]:
        """The choices of a select_one ${q}: q's answers in the instances of its repeat beside the select's own
        (all of them when the select is outside that repeat), each its own label; the choice_filter tests each
        instance (${x} of that repeat is the tested instance's, position() its place, current() the select)."""
        source = self.form.by_name[item.list_name or ""]
        rep = source.repeat
        ctx = self._ctx.at(item, path)
        ctx.cur = self._typed(item, self._raw(item, path))
        nodes = ctx.children_of_repeat(rep, path[:_common(rep.chain[:-1], item.chain[:len(path)])])
        out: dict[str, Choice] = {}
        for i, node in enumerate(nodes, start=1):
            st = self._states.get((source.name, node[2]))
            value = to_string(st.value) if st is not None and st.relevant and not is_empty(st.value) else ""
            keep = bool(value)
            if keep and item.choice_filter is not None:
                ctx.frames.append((node, i, len(nodes)))
                ctx.source = (rep, node[2])
                try:
                    keep = to_bool(evaluate(item.choice_filter, ctx))
                finally:
                    ctx.frames.pop()
                    ctx.source = None
            if keep and value not in out:
                out[value] = Choice(value, {self.form.default_language: value}, {})
        return list(out.values())

    # --- answers ------------------------------------------------------------------------------------------------------

    def _path(self, item: Item, member: int | tuple | None) -> Path:
        """The instance path of `item` from the public `member`: None outside any repeat, an instance number in
        one repeat, a tuple of numbers (outermost first) in a repeat inside another."""
        depth = len(item.chain)
        if depth == 0:
            return ()
        if member is None:
            raise IndexError(f"'{item.name}' is asked of each instance of '{item.chain[-1].name}': give its index")
        path = (member,) if isinstance(member, int) else tuple(member)
        if len(path) < depth:
            raise IndexError(f"'{item.name}' lies in {depth} repeats: give {depth} instance numbers")
        return path[:depth]

    @staticmethod
    def _public(path: Path) -> int | tuple | None:
        return None if not path else (path[0] if len(path) == 1 else path)

    def _list(self, rep: Item, path: Path) -> list[dict]:
        """The instances of `rep` inside the instance `path` of the repeats around it."""
        if len(rep.chain) == 1:
            return self._instances.setdefault(rep.name, [])
        outer = self._inst_at(rep.chain[:-1], path)
        rows = outer.get(rep.name)
        if not isinstance(rows, list):
            rows = outer[rep.name] = []
        return rows

    def _inst_at(self, chain: tuple, path: Path) -> dict:
        """The instance (a dict of answers) at `path` of the innermost repeat of `chain`."""
        return self._list(chain[-1], path[:-1])[path[-1]]

    def _paths(self, chain: tuple, prefix: Path = ()) -> list[Path]:
        """Every instance path of the repeats `chain` that starts with `prefix`."""
        paths = [tuple(prefix)]
        for rep in chain[len(prefix):]:
            paths = [p + (k,) for p in paths for k in range(len(self._list(rep, p)))]
        return paths

    def _scope(self, item: Item, path: Path) -> dict:
        return self._inst_at(item.chain, path) if item.chain else self._values

    def _raw(self, item: Item, path: Path) -> Any:
        return self._scope(item, path).get(item.name, "")

    def value(self, name: str, member: int | tuple | None = None) -> Any:
        """The answer (or calculated value) as it counts now: empty when the question is not relevant."""
        item = self.form.by_name[name]
        st = self._states.get((name, self._path(item, member) if item.chain and member is not None else ()))
        if st is None or not st.relevant:
            return None
        return None if is_empty(st.value) else st.value

    def _coerce(self, item: Item, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            if not value.isascii():
                value = unicodedata.normalize("NFC", value)
        if value is None or value == "":
            return ""
        if item.type == "integer":
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str) and _INTEGER.fullmatch(value):
                return int(value)   # (only ASCII digits, as ODK's widget: not '1 000', '1_0', '１２' or '1,5')
        elif item.type == "decimal":
            if isinstance(value, str) and _DECIMAL.fullmatch(value):
                return float(value.replace(",", "."))   # a comma is read as the decimal point (documented)
        elif item.type == "select_multiple":
            if isinstance(value, str):
                return value.split()
            if isinstance(value, (list, tuple)):
                return [str(v) for v in value]
        elif item.type == "rank":
            if isinstance(value, str):
                return value.split()
            if isinstance(value, (list, tuple)):
                return [str(v) for v in value]
        elif item.type == "acknowledge":
            if value is True or (isinstance(value, (str, int)) and str(value).strip().lower() in ("ok", "1", "yes",
                                                                                                   "true")):
                return "OK"
            if value is False:
                return ""
        elif item.type == "time" and isinstance(value, str):
            moment = parse_time(value)
            return time_text(moment) if moment is not None else value
        elif item.type == "datetime" and isinstance(value, str):
            moment = parse_datetime(value)
            return datetime_text(moment) if moment is not None else value
        elif item.type == "geopoint":
            if isinstance(value, (list, tuple)):
                value = " ".join(str(v) for v in value)
            if isinstance(value, str):
                point = parse_geopoint(value.replace(",", " "))
                return " ".join(repr(x) for x in point) if point is not None else " ".join(value.split())
        elif item.type == "range":
            if isinstance(value, str) and _DECIMAL.fullmatch(value):
                number = float(value.replace(",", "."))
                return int(number) if number.is_integer() else number
            if isinstance(value, float) and value.is_integer():
                return int(value)
        elif item.type in ("select_one", "text", "date") and isinstance(value, bool):
            return "yes" if value else "no"
        return value

    def set_answer(self, name: str, value: Any, member: int | tuple | None = None) -> list[tuple[str, Any]]:
        """Record an answer and recompute what it touches. Returns the (question, member) whose state changed
        (member as given: None, an instance number, or a tuple of them in a repeat inside a repeat).
        An answer holding a control character — or a line break or a tab, but in a question whose appearance is
        `multiline` (the notes) — is refused (DocumentError naming the field: household.address,
        members[m2].name), and nothing is recorded (domain/plausible.py `check_answer`)."""
        return [(n, self._public(p)) for n, p in self._set_answer(name, value, member)]

    def _set_answer(self, name: str, value: Any, member: int | tuple | None) -> list[tuple[str, Path]]:
        item = self.form.by_name.get(name)
        if item is None or item.kind != "question":
            raise KeyError(f"the form has no question '{name}'")
        if item.type in ("calculate", "note", "meta", "hidden"):
            raise ValueError(f"'{name}' is a {item.type}: it is not answered")
        path = self._path(item, member)
        scope = self._scope(item, path)
        value = self._coerce(item, value)
        if value != "" and not (type(value) is str and value.isprintable()):
            check_answer(value, self._field_path(item, path),
                         multiline=item.type == "text" and "multiline" in item.appearance.split())
        was_empty = is_empty(scope.get(name))
        if value == "" or value is None:
            scope.pop(name, None)
        else:
            scope[name] = value
        self._unconfirm(name, path)
        if self.form.triggered.get(name) and not (was_empty and is_empty(value)):
            before = {k: v.key() for k, v in self._states.items()}
            self._propagate(item, path)
            self._fire_triggers(item, path)
            if any(self._touches_repeat_count(n) for n in [name, *(x.name for x in self.form.triggered[name])]):
                self.recompute()
            return [k for k, v in self._states.items() if before.get(k) != v.key()]
        if self._touches_repeat_count(name):
            before = {k: v.key() for k, v in self._states.items()}
            self.recompute()
            return [k for k, v in self._states.items() if before.get(k) != v.key()]
        return self._propagate(item, path)

    def _fire_triggers(self, source: Item, path: Path) -> None:
        """ODK's setvalue on a question's change (the `trigger` column): each value it triggers becomes its
        calculation's value computed now, in the same repeat instance (no calculation: the value is cleared)."""
        for target in self.form.triggered.get(source.name, ()):
            tpath = path[:len(target.chain)]
            value: Any = ""
            if target.trigger_value is not None:
                ctx = self._ctx.at(target, tpath)
                ctx.cur = self._typed(target, self._raw(target, tpath))
                value = self._coerce(target, _as_value(evaluate(target.trigger_value, ctx)))
            scope = self._scope(target, tpath)
            if is_empty(value):
                scope.pop(target.name, None)
            else:
                scope[target.name] = value
            self._propagate(target, tpath)   # (what reads it is up to date before the next value is computed)

    def _field_path(self, item: Item, path: Path) -> str:
        """How a refusal names the answer: household.address, location.village, members[m2].name."""
        if item.repeat is not None and item.repeat.name == MEMBERS and len(item.chain) == 1:
            return fieldpaths.member_path(self._member_key(path[:1]), item.name)
        if item.repeat is not None:   # another repeat's instance by its number (in a repeat inside one: 2/1)
            return f"{item.repeat.name}[{'/'.join(str(k + 1) for k in path[:len(item.chain)])}].{item.name}"
        if item.name in LOCATION_KEYS:
            return f"location.{item.name}"
        return item.name if item.name in TOP_KEYS else f"household.{item.name}"

    def _unconfirm(self, name: str, path: Path) -> None:
        key = (name, self._member_key(path))
        self._confirmed.discard(key)

    def _member_key(self, path: Path) -> str | None:
        """How a confirmation names the instance: a member by its member_id (kept when members move)."""
        if not path:
            return None
        if len(path) > 1:
            return "/".join(str(k) for k in path)
        idx = path[0]
        insts = self._instances.get(MEMBERS) or []
        if 0 <= idx < len(insts):
            return str(insts[idx].get("member_id") or idx)
        return str(idx)

    # --- computing ------------------------------------------------------------------------------------------------

    def _instances_of(self, item: Item) -> list[Path]:
        return self._paths(item.chain) if item.chain else [()]

    def _compute_value(self, item: Item, path: Path) -> _State:
        """Relevance and value of one item (one instance)."""
        ctx = self._ctx.at(item, path)
        st = self._states.get((item.name, path))
        if st is None:
            st = _State()
            self._states[(item.name, path)] = st
        parent = item.parent
        rel = True
        if parent is not None:
            pst = self._states.get((parent.name, path[:len(parent.chain)]))
            rel = pst.relevant if pst is not None else True
        if rel and item.relevant is not None:
            ctx.cur = self._typed(item, self._raw(item, path)) if item.kind == "question" else ""
            rel = to_bool(evaluate(item.relevant, ctx))
        st.relevant = rel
        if item.kind != "question":
            st.value = ""
        elif item.type == "meta":
            st.value = self.today_date.isoformat() if item.meta in ("start", "end", "today") else (
                f"uuid:{self.document.get('uuid')}" if item.meta == "instanceID" else "")
        elif item.type == "calculate" and item.calculation is None:
            st.value = self._raw(item, path) if rel else ""   # a calculation with only a default: that value
        elif item.type == "calculate":
            if rel:
                # '.' is the calculation's own value so far (once() keeps it): this session's, or the document's
                ctx.cur = st.typed if st.typed != "" else (
                    self._stored.get((item.name, ()), "") if not item.chain else self._raw(item, path))
                v = evaluate(item.calculation, ctx)
                if isinstance(v, Nodeset):
                    v = v[0] if v else ""
                if isinstance(v, dict):  # a repeat instance is not a value
                    v = ""
                if isinstance(v, float):  # NaN is no value; ±infinity stays (ODK keeps it), kept out of documents
                    v = "" if math.isnan(v) else (int(v) if v.is_integer() else v)
                st.value = v   # as ODK types it: a true/false stays a boolean, a date a date (see _out)
            else:
                st.value = ""
        elif item.calculation is not None and rel:
            # a calculation on a question fills it; while it yields nothing the answer given stands
            ctx.cur = self._typed(item, self._raw(item, path))
            v = evaluate(item.calculation, ctx)
            v = v[0] if isinstance(v, Nodeset) and v else v
            if isinstance(v, (dict, Nodeset)):
                v = ""
            if isinstance(v, float):
                v = "" if not math.isfinite(v) else (int(v) if v.is_integer() else v)
            if isinstance(v, (bool, date)):
                v = to_string(v)
            st.value = v if to_string(v) != "" else self._raw(item, path)
        else:
            st.value = self._raw(item, path)
        st.typed = self._typed(item, st.value)
        return st

    def _typed(self, item: Item, value: Any) -> Any:
        """A value as ODK's expressions read it: a date answer as a date, a number as a number, a calculation's
        true/false as a boolean; an answer of the wrong type (text in a number question, an impossible date) reads
        as empty — it is kept, and flagged, but nothing else counts it."""
        if is_empty(value) or item.kind != "question":
            return ""
        kind = item.type
        if kind == "integer":
            return value if _is_int32(value) else ""
        if kind == "decimal":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            return value if ok else ""
        if kind == "date" or (kind == "meta" and item.meta in ("start", "end", "today")):
            if isinstance(value, date):
                return value
            try:
                return date.fromisoformat(str(value))
            except ValueError:
                return ""
        if kind == "time":
            moment = parse_time(str(value))
            return datetime.combine(self.today_date, moment) if moment is not None else ""
        if kind == "datetime":
            return parse_datetime(str(value)) or ""
        if kind == "range":
            return value if not self._type_problem(item, value) else ""
        if kind in ("geopoint", "acknowledge", "rank") and self._type_problem(item, value):
            return ""
        if kind == "note":
            return ""
        return value

    def _compute_checks(self, item: Item, path: Path) -> None:
        st = self._states[(item.name, path)]
        if item.kind != "question" or item.type in ("note", "meta"):
            st.status, st.problem = OK, ""
            return
        ctx = self._ctx.at(item, path)
        value = st.value
        ctx.cur = st.typed
        req = item.required
        if not isinstance(req, bool):
            req = st.relevant and to_bool(evaluate(req, ctx))
        ro = item.read_only
        if not isinstance(ro, bool):
            ro = to_bool(evaluate(ro, ctx))
        st.required = bool(req) and item.type != "calculate"
        st.read_only = bool(ro)
        if not st.relevant:
            st.status, st.problem = OK, ""
            return
        if is_empty(value) or (isinstance(value, list) and not value and item.type != "select_multiple"):
            if st.required:
                st.status, st.problem = REQUIRED, "required"
            else:
                st.status, st.problem = EMPTY, ""
            return
        problem = self._type_problem(item, value, path)
        if problem:
            st.status, st.problem = ERROR, problem
            return
        if item.constraint is not None and not to_bool(evaluate(item.constraint, ctx)):
            st.status, st.problem = ERROR, "constraint"
            return
        if item.warning is not None and not to_bool(evaluate(item.warning, ctx)):
            st.status, st.problem = WARNING, "warning"
            return
        st.status, st.problem = OK, ""

    def _type_problem(self, item: Item, value: Any, path: Path | None = None) -> str:
        kind = item.type
        if item.list_source == "repeat" and kind in ("select_one", "select_multiple"):
            if path is None:
                return ""
            names = {c.name for c in self._repeat_choices(item, path)}
            given = value if isinstance(value, list) else [value]
            return "" if all(str(v) in names for v in given) else "choice"
        if kind == "integer":
            if not isinstance(value, int) or isinstance(value, bool):
                return "integer"
            return "" if _is_int32(value) else "integer_range"
        if kind == "decimal":
            if not (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)):
                return "decimal"
            # money in đồng has no fraction (the household's amounts: resources/values/household-values.toml)
            return "whole_dong" if item.repeat is None and fraction_of_dong(item.name, value) else ""
        if kind == "date":
            try:
                date.fromisoformat(str(value))
            except ValueError:
                return "date"
            return ""
        if kind == "select_one" and item.list_name:
            items = self.item_choices(item)
            if not items and item.list_name == "villages":
                return ""  # no village list known (a form filled outside a workspace): any village
            found = [c for c in items if c.name == str(value)]
            if not found:
                return "choice"
            if item.choice_filter is not None:  # only the chosen choice is tested, not the whole list
                ctx = self._ctx
                try:
                    for c in found:
                        ctx.choice = c
                        if to_bool(evaluate(item.choice_filter, ctx)):
                            return ""
                finally:
                    ctx.choice = None
                return "choice"
            return ""
        if kind == "select_multiple" and item.list_name:
            names = {c.name for c in self.item_choices(item)}
            return "" if all(str(v) in names for v in value) else "choice"
        if kind == "time":
            return "" if isinstance(value, str) and parse_time(value) is not None else "time"
        if kind == "datetime":
            return "" if isinstance(value, str) and parse_datetime(value) is not None else "datetime"
        if kind == "acknowledge":
            return "" if value == "OK" else "acknowledge"
        if kind == "geopoint":
            return "" if isinstance(value, str) and parse_geopoint(value) is not None else "geopoint"
        if kind == "range":
            if not isinstance(value, (int, float)) or isinstance(value, bool) or item.range is None:
                return "range"
            start, end, step = item.range   # (the end may be before the start, the step negative: reversed)
            steps = (value - start) / step
            on_step = math.isfinite(steps) and abs(steps - round(steps)) < 1e-9
            return "" if min(start, end) <= value <= max(start, end) and on_step else "range"
        if kind == "rank" and item.list_name:
            names = [c.name for c in self.item_choices(item)]
            given = [str(v) for v in value] if isinstance(value, list) else []
            return "" if sorted(given) == sorted(names) else "rank"
        return ""

    def recompute(self) -> None:
        """Everything, in dependency order (after a change to the roster, or on opening)."""
        live = set()
        for item in self.form.order:
            if item.kind == "repeat" and item.repeat_count is not None:
                self._sync_repeat_count(item)  # what it reads is computed: its instances, then each one's state
            for path in self._instances_of(item):
                self._compute_value(item, path)
                live.add((item.name, path))
        for item in self.form.items:
            for path in self._instances_of(item):
                self._compute_checks(item, path)
        for key in [k for k in self._states if k not in live]:
            del self._states[key]

    def _sync_repeat_count(self, rep: Item) -> None:
        """The instances of a repeat with a repeat_count, in each instance of the repeats around it."""
        for path in self._paths(rep.chain[:-1]):
            if rep.parent is not None:
                around = self._states.get((rep.parent.name, path[:len(rep.parent.chain)]))
                if around is not None and not around.relevant:
                    continue   # hidden, its count reads as empty: the instances are kept, as ODK keeps them
            ctx = self._ctx.at(rep.parent, path)
            ctx.cur = ""
            n = to_number(evaluate(rep.repeat_count, ctx))
            n = min(int(n), 500) if math.isfinite(n) and n > 0 else 0
            insts = self._list(rep, path)
            del insts[n:]
            while len(insts) < n:
                insts.append(self._new_instance(rep, path + (len(insts),)))

    def _touches_repeat_count(self, name: str) -> bool:
        for rep in self.form.repeats():
            if rep.repeat_count is not None and (name in rep.deps or
                                                 any(d.name == rep.name for d in self.form.dependents[name])):
                return True
        return False

    def _propagate(self, source: Item, path: Path) -> list[tuple[str, Path]]:
        form = self.form
        changed: list[tuple[str, Path]] = []
        dirty: dict[str, set] = {source.name: {path}}
        before_keys = {(source.name, path): self._states[(source.name, path)].key()}
        self._compute_value(source, path)
        # 1. values and relevance, dependencies first
        for item in form.dependents[source.name]:
            targets = self._targets(item, dirty)
            if not targets:
                continue
            hit = set()
            for j in targets:
                st = self._states.get((item.name, j))
                before = (st.relevant, _hashable(st.value)) if st is not None else None
                if st is not None:
                    before_keys.setdefault((item.name, j), st.key())
                st = self._compute_value(item, j)
                if before != (st.relevant, _hashable(st.value)):
                    hit.add(j)
            if hit:
                dirty[item.name] = hit
        # 2. the checks of what changed and of whatever reads it
        check: dict[str, set] = {n: set(v) for n, v in dirty.items()}
        for name in dirty:
            for reader in self._readers(name):
                targets = self._targets(reader, {name: dirty[name]}, checks=True)
                check.setdefault(reader.name, set()).update(targets)
        for name, targets in check.items():
            item = form.by_name[name]
            for j in targets:
                key = (name, j)
                st = self._states.get(key)
                if st is None:
                    continue
                before = before_keys.get(key) or st.key()
                self._compute_checks(item, j)
                if st.key() != before:
                    changed.append(key)
        return changed

    def _readers(self, name: str) -> list[Item]:
        return self.form.readers.get(name, [])

    def _targets(self, item: Item, dirty: dict[str, set], checks: bool = False) -> set:
        """The instances of `item` to recompute after the names in `dirty` changed in the instances given: those
        that share the changed instance's repeats (its own, when it lies in the same repeat; all of them when it
        lies outside, or when the item reads the name in any instance)."""
        out: set = set()
        for dep in (item.deps | item.check_deps) if checks else item.deps:
            hit = dirty.get(dep)
            if not hit:
                continue
            if not item.chain:
                return {()}
            d = self.form.by_name[dep]
            common = _common(item.chain, d.chain)
            if common == 0 or dep in item.anywhere:
                return set(self._instances_of(item))
            if common == len(item.chain):
                out |= {p[:common] for p in hit}
            else:
                starts = {p[:common] for p in hit}
                out |= {p for p in self._instances_of(item) if p[:common] in starts}
        return out

    # --- states for the GUI -------------------------------------------------------------------------------------

    def _message(self, item: Item, st: _State) -> str:
        lang, dl = self.lang, self.form.default_language
        own = lang if lang in CATALOGUE_LANGS else ("vi" if dl == "vi" else "en")   # the app's own words: vi or en
        if st.problem == "required":
            return item.required_message.get(lang) or item.required_message.get(dl) or t("forms.required", own)
        if st.problem == "constraint":
            return item.constraint_message.get(lang) or item.constraint_message.get(dl) \
                or t("forms.constraint", own)
        if st.problem == "warning":
            return item.warning_message.get(lang) or item.warning_message.get(dl) or t("forms.warning", own)
        if st.problem == "range" and item.range is not None:
            start, end, step = (to_string(x) for x in item.range)
            return t("forms.type.range", own, start=start, end=end, step=step)
        if st.problem == "integer_range":
            return t("forms.type.integer_range", own, min=format_number(INT_MIN, own), max=format_number(INT_MAX, own))
        if st.problem in ("integer", "decimal", "date", "choice", "time", "datetime", "geopoint", "rank",
                          "acknowledge", "whole_dong"):
            return t(f"forms.type.{st.problem}", own)
        return ""

    def state(self, question: Item | str, member: int | tuple | None = None) -> QuestionState:
        item = question if isinstance(question, Item) else self.form.by_name[question]
        path = self._path(item, member)
        st = self._states[(item.name, path)]
        confirmed = st.status == WARNING and (item.name, self._member_key(path)) in self._confirmed
        return QuestionState(item, None if is_empty(st.value) else st.value, st.relevant, st.status,
                             self._message(item, st), st.required, st.read_only, self.label(item, path),
                             self._interpolate(item.hints.get(self.lang) or item.hints.get(
                                 self.form.default_language) or "", item, path), confirmed)

    def label(self, item: Item | str, member: int | tuple | None = None) -> str:
        item = item if isinstance(item, Item) else self.form.by_name[item]
        path = self._path(item, member) if member is not None or not item.chain else ()
        return self._interpolate(item.label(self.lang, self.form.default_language) or item.name, item, path)

    def _interpolate(self, text: str, item: Item, path: Path) -> str:
        """${name} in a label or hint: the value as the item's own expressions would read it (in its instance)."""
        if "${" not in text:
            return text

        def sub(m: Any) -> str:
            name = m.group(1).strip()
            if name.startswith("last-saved#"):
                return to_string(self._last_saved_value(name.split("#", 1)[1].strip()))
            if name not in self.form.by_name:
                return m.group(0)
            return self._shown(self._ctx.at(item, path[:len(item.chain)]).ref(name))
        return _LABEL_REF.sub(sub, text)

    def _shown(self, value: Any) -> str:
        """A value read into a label as people read it: a whole number from 10 000 up with the language's thousands
        separator (2.340.750 / 2,340,750 — a year stays 2026), anything else as the form's expressions write it."""
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
                and value == int(value) and abs(value) >= 10_000:
            return format_number(value, self.lang)
        return to_string(value)

    def section_states(self, section: Section, member: int | None = None) -> list[QuestionState]:
        return [self.state(q, member if q.chain else None) for q in section.questions]

    def _all_questions(self, section: Section) -> list[Item]:
        """The questions a section asks, those of a repeat inside its repeat too (which the GUI does not show)."""
        if section.item is None:
            return list(section.questions)
        return [i for i in self._walk(section.item) if i.kind == "question" and i.type not in UNASKED and i.asked]

    def section_progress(self, section: Section) -> tuple[int, int, int]:
        """(answered, relevant questions, errors) — over every member for the roster."""
        states = []
        for q in self._all_questions(section):
            for path in self._instances_of(q):
                st = self._states[(q.name, path)]
                if st.relevant and q.type != "note":
                    states.append(st)
        answered = sum(1 for s in states if not is_empty(s.value))
        errors = sum(1 for s in states if s.status in (REQUIRED, ERROR))
        if section.repeat and section.item is not None and section.item.name == MEMBERS and not self.members():
            errors += 1
        return answered, len(states), errors

    def errors(self) -> list[tuple[str, int | tuple | None, str]]:
        """(section id, member index — a tuple of them in a repeat inside a repeat — or None, question name) of
        every hard error and empty required answer."""
        out = []
        for section in self.sections:
            for q in self._all_questions(section):
                for path in self._instances_of(q):
                    st = self._states[(q.name, path)]
                    if st.relevant and st.status in (REQUIRED, ERROR):
                        out.append((section.id, self._public(path), q.name))
        return out

    def warnings(self, unconfirmed_only: bool = True) -> list[tuple[str, int | tuple | None, str]]:
        out = []
        for section in self.sections:
            for q in self._all_questions(section):
                for path in self._instances_of(q):
                    st = self._states[(q.name, path)]
                    if st.relevant and st.status == WARNING:
                        if unconfirmed_only and (q.name, self._member_key(path)) in self._confirmed:
                            continue
                        out.append((section.id, self._public(path), q.name))
        return out

    def confirm(self, name: str, member: int | tuple | None = None) -> None:
        """Accept a soft warning: the answer is true as it stands."""
        item = self.form.by_name[name]
        self._confirmed.add((name, self._member_key(self._path(item, member))))

    def is_complete(self) -> bool:
        """Nothing required is missing, no hard error, every warning confirmed (and a roster, if the form has
        one)."""
        if MEMBERS in self._instances and not self._instances[MEMBERS]:
            return False
        return not self.errors() and not self.warnings()

    def set_language(self, lang: str) -> None:
        self.lang = lang

    # --- the roster -------------------------------------------------------------------------------------------------

    def members(self, repeat: str = MEMBERS, path: Path = ()) -> list[dict]:
        """The instances of a repeat (of a repeat inside another: in the outer instance `path`)."""
        rep = self.form.by_name.get(repeat)
        if rep is None or rep.kind != "repeat":
            return []
        return self._list(rep, tuple(path))

    def _new_instance(self, rep: Item, path: Path) -> dict:
        """The answers a new instance `path` of a repeat starts with: its questions' defaults (a repeat inside it
        starts with no instance)."""
        inst: dict[str, Any] = {}
        for item in self._own(rep):
            if item.kind == "question" and item.default is not None and _holds_answer(item):
                value = self._default(item, path)
                if not is_empty(value):
                    inst[item.name] = value
        return inst

    def _own(self, rep: Item) -> Iterable[Item]:
        """The items inside a repeat, those of a repeat inside it left out (that repeat itself included)."""
        stack = list(reversed(rep.children))
        while stack:
            child = stack.pop()
            yield child
            if child.kind != "repeat":
                stack.extend(reversed(child.children))

    def questions_of(self, rep: Item) -> list[Item]:
        """The questions asked in each instance of `rep` itself, in form order (not those of a repeat inside it)."""
        return [i for i in self._own(rep) if i.kind == "question" and i.type not in UNASKED and i.asked
                and i.chain == rep.chain]

    @staticmethod
    def repeats_in(item: Item) -> list[Item]:
        """The repeats directly inside `item` (a repeat or a group), in form order — not those inside them."""
        out, stack = [], list(reversed(item.children))
        while stack:
            child = stack.pop()
            if child.kind == "repeat":
                out.append(child)
            else:
                stack.extend(reversed(child.children))
        return out

    def add_member(self, repeat: str = MEMBERS, path: Path = ()) -> int:
        """Add an instance of `repeat` (inside the instance `path` of the repeats around it) at the end; returns its
        index. A household holds at most the members its plausible ranges allow
        (resources/values/household-values.toml): one more is refused (DocumentError), nothing added."""
        rep = self.form.by_name[repeat]
        insts = self._list(rep, tuple(path))
        if repeat == MEMBERS and len(rep.chain) == 1 and len(insts) >= ranges().max_members:
            raise DocumentError("values.error.members_too_many", "members", n=len(insts) + 1,
                                max=ranges().max_members)
        inst = self._new_instance(rep, tuple(path) + (len(insts),))
        if repeat == MEMBERS and len(rep.chain) == 1:
            used = {m.get("member_id") for m in insts}
            n = len(insts) + 1
            while f"m{n}" in used:
                n += 1
            inst = {"member_id": f"m{n}", **inst}
        insts.append(inst)
        self.recompute()
        return len(insts) - 1

    def remove_member(self, index: int, repeat: str = MEMBERS, path: Path = ()) -> None:
        del self._list(self.form.by_name[repeat], tuple(path))[index]
        self.recompute()

    def insert_member(self, answers: dict, index: int, repeat: str = MEMBERS, path: Path = ()) -> int:
        """A member put back at `index` with its answers (a removal undone); its index."""
        insts = self._list(self.form.by_name[repeat], tuple(path))
        index = max(0, min(index, len(insts)))
        insts.insert(index, dict(answers))
        self.recompute()
        return index

    def move_member(self, index: int, to: int, repeat: str = MEMBERS, path: Path = ()) -> None:
        ms = self._list(self.form.by_name[repeat], tuple(path))
        if 0 <= index < len(ms) and 0 <= to < len(ms):
            ms.insert(to, ms.pop(index))
            self.recompute()

    # --- out ------------------------------------------------------------------------------------------------------

    def _out(self, item: Item, st: _State) -> Any:
        """The value as the household document keeps it (docs/household-document.md): a calculation's true/false
        as "true"/"false", a date as YYYY-MM-DD; an infinite number (x div 0) is no value there (None)."""
        v = st.value
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            if not math.isfinite(v):
                return None
            if item.type == "integer" and v.is_integer():
                return int(v)
        if isinstance(v, datetime):
            return datetime_text(v)
        if isinstance(v, date):
            return v.isoformat()
        if isinstance(v, list):
            return list(v)
        return v

    def to_document(self) -> dict:
        """The household document: relevant answers only (a hidden question's answer does not count)."""
        form = self.form
        doc = copy.deepcopy({k: v for k, v in self.document.items() if k not in ("household", "members")})
        doc["form"] = {"id": form.form_id, "version": form.version}
        names = {i.name for i in form.items}
        household = {k: v for k, v in self.document["household"].items() if k not in names}
        location = dict(doc.get("location") or {})
        for item in form.items:
            if item.kind != "question" or item.chain or item.type in ("note", "meta"):
                continue
            if item.name.startswith("_"):
                continue
            st = self._states[(item.name, ())]
            value = self._out(item, st) if st.relevant and not is_empty(st.value) else None
            if item.name in LOCATION_KEYS:
                if value is not None:
                    location[item.name] = value
                elif item.type != "calculate":
                    location.pop(item.name, None)
            elif item.name in TOP_KEYS:
                doc[item.name] = value
            elif value is not None:
                household[item.name] = value
        if "commune_code" in form.by_name and not location.get("commune_code"):
            for key in ("commune_name", "area"):  # they follow the commune; an unknown (old) code keeps them
                location.pop(key, None)
        if location:
            doc["location"] = location
        members = form.by_name.get(MEMBERS)
        doc["members"] = self._rows_out(members, ()) if members is not None and members.kind == "repeat" \
            and len(members.chain) == 1 else []
        for rep in form.repeats():
            if rep.name == MEMBERS or len(rep.chain) != 1:
                continue
            rows = self._rows_out(rep, ())
            if rows:
                household[rep.name] = rows
        doc["household"] = household
        confirmed = []
        ids = {str(m.get("member_id")) for m in self._instances.get(MEMBERS, [])}
        for name, member in sorted(self._confirmed, key=lambda x: (x[1] or "", x[0])):
            if name not in form.by_name or (member is not None and member not in ids):
                continue  # a question this version lacks, or a member since removed
            confirmed.append(f"members.{member}.{name}" if member is not None else f"household.{name}")
        if confirmed:
            doc["confirmed_warnings"] = confirmed
        else:
            doc.pop("confirmed_warnings", None)
        return doc

    def _rows_out(self, rep: Item, path: Path) -> list[dict]:
        """The instances of a repeat as the document keeps them: the relevant answers (names starting with '_' and
        notes left out), a repeat inside as a list of its own; the members' keys the form does not ask are kept."""
        names = self.form.by_name
        rows = []
        for k, inst in enumerate(self._list(rep, path)):
            here = path + (k,)
            row = {key: v for key, v in inst.items() if key not in names} if rep.name == MEMBERS else {}
            for item in self._own(rep):
                if item.kind == "repeat":
                    inner = self._rows_out(item, here)
                    if inner:
                        row[item.name] = inner
                elif item.kind == "question" and item.type != "note" and not item.name.startswith("_"):
                    st = self._states[(item.name, here)]
                    value = self._out(item, st) if st.relevant and not is_empty(st.value) else None
                    if value is not None:
                        row[item.name] = value
            rows.append(row)
        return rows

    # --- for print and display ------------------------------------------------------------------------------------

    def display(self, item: Item | str, member: int | tuple | None = None) -> str:
        """The answer as a reader sees it: choice labels in the session's language, lists joined."""
        item = item if isinstance(item, Item) else self.form.by_name[item]
        value = self.value(item.name, member if item.chain else None)
        if value is None:
            return ""
        if item.list_name:
            labels = {c.name: c.label(self.lang, self.form.default_language)
                      for c in self.item_choices(item)} if item.list_source != "repeat" else {}
            if isinstance(value, list):
                return ", ".join(labels.get(str(v), str(v)) for v in value)
            return labels.get(str(value), str(value))
        return to_string(value)

    def printable(self) -> list[dict]:
        """The questionnaire as answered, section by section, with this form version's labels: what a printed
        household sheet shows. Roster sections list each member's relevant answers (those of a repeat inside the
        roster after them, numbered)."""
        out = []
        for section in self.sections:
            entry: dict[str, Any] = {"section": section.id, "label": section.label(self.lang)}

            def rows(member: int | None) -> list[dict]:
                found = []
                for q in self._all_questions(section):
                    if q.type == "note":
                        continue
                    prefix = (member,) if member is not None else ()
                    for path in self._paths(q.chain, prefix[:len(q.chain)]) if q.chain else [()]:
                        st = self._states[(q.name, path)]
                        if st.relevant:
                            label = self.label(q, path)
                            if len(path) > 1:
                                label += " " + " ".join(f"[{k + 1}]" for k in path[1:])
                            found.append({"name": q.name, "label": label, "value": self.display(q, path)})
                return found
            if section.repeat:
                entry["members"] = [{"member_id": m.get("member_id"), "answers": rows(i)}
                                    for i, m in enumerate(self.members(section.id) if section.id in self._instances
                                                          else self.members())]
            else:
                entry["answers"] = rows(None)
            out.append(entry)
        return out

    def sheet_extras(self) -> dict:
        """What a state-format household sheet has no place of its own for, as the questionnaire holds it, with this
        form version's labels: every rank answer — its choices' labels in the order given —, and each member's
        repeats inside the roster's repeat (a member's jobs), instance by instance, with their answers and the
        repeats inside them in turn. Only relevant questions answered; numbers grouped, amounts in đồng, dates
        dd/mm/yyyy, as the questionnaire shows them; only repeats with an instance, members with something to show.

        {"answers": [rank answers outside the roster],
         "members": [{"index", "name", "answers": [the member's own rank answers], "repeats": [repeat…]}]}
        answer: {"name", "label", "value" (as `display`), "order" (a rank's labels in order; None otherwise)}
        repeat: {"name", "label", "instances": [{"number" (1, 2, …), "answers", "repeats"}]}"""
        def answer(q: Item, path: Path) -> dict | None:
            st = self._states.get((q.name, path))
            if st is None or not st.relevant or is_empty(st.value):
                return None
            value, order = st.value, None
            if q.type == "rank":
                labels = {c.name: c.label(self.lang, self.form.default_language) for c in self.item_choices(q)}
                order = [labels.get(str(v), str(v)) for v in value] if isinstance(value, list) else None
            if isinstance(value, (int, float)) and not isinstance(value, bool) and not q.list_name:
                decimals = 0 if float(value).is_integer() else min(len(repr(float(value)).split(".")[1]), 2)
                text = format_money(value, self.lang) if "thousands-sep" in (q.appearance or "").split() \
                    else format_number(value, self.lang, decimals)   # an amount as the questionnaire shows it
            elif q.type == "date" and _as_day(value) is not None:
                text = format_date(_as_day(value), self.lang)   # 15/03/2026, as every date the app shows
            else:
                text = self.display(q, self._public(path))
            return {"name": q.name, "label": self.label(q, self._public(path)), "value": text, "order": order}

        def inner(rep: Item) -> list[Item]:
            return [i for i in self._own(rep) if i.kind == "repeat" and i is not rep]

        def repeat(rep: Item, path: Path) -> dict:
            instances = []
            for k in range(len(self._list(rep, path))):
                here = path + (k,)
                instances.append({"number": k + 1,
                                  "answers": [a for q in self.questions_of(rep) if q.type != "note"
                                              for a in [answer(q, here)] if a is not None],
                                  "repeats": [r for r in (repeat(r, here) for r in inner(rep)) if r["instances"]]})
            return {"name": rep.name, "label": rep.label(self.lang, self.form.default_language) or rep.name,
                    "instances": instances}

        roster = self.form.by_name.get(MEMBERS)
        roster = roster if roster is not None and roster.kind == "repeat" and len(roster.chain) == 1 else None
        ranks = [q for q in self.form.items if q.kind == "question" and q.type == "rank"]
        out: dict[str, list] = {"answers": [], "members": []}
        for q in ranks:
            if roster is None or not q.chain or q.chain[0] is not roster:
                for path in self._paths(q.chain):
                    a = answer(q, path)
                    if a is not None:    # in a repeat other than the roster: its instance numbered, as `printable`
                        a["label"] += "".join(f" [{k + 1}]" for k in path)
                        out["answers"].append(a)
        if roster is None:
            return out
        own_ranks = [q for q in self.questions_of(roster) if q.type == "rank"]
        for i, m in enumerate(self._list(roster, ())):
            answers = [a for q in own_ranks for a in [answer(q, (i,))] if a is not None]
            repeats = [r for r in (repeat(r, (i,)) for r in inner(roster)) if r["instances"]]
            if answers or repeats:
                out["members"].append({"index": i, "name": str(m.get("name") or ""), "answers": answers,
                                       "repeats": repeats})
        return out

    # --- the headless view ----------------------------------------------------------------------------------------

    def rows(self) -> list[dict]:
        """Every relevant question as ODK walks the form: in form order, a repeat instance by instance (all of
        members[1], then all of members[2]; a repeat inside one, instance by instance within it); path, name,
        instance, value and status (what `form fill` prints, and what the GUI would show)."""
        out: list[dict] = []
        walk: list[tuple[Item, Path]] = [(item, ()) for item in reversed(self.form.top)]
        while walk:
            item, path = walk.pop()
            if item.kind == "repeat":
                n = len(self._list(item, path))
                for j in reversed(range(n)):
                    walk.extend((child, path + (j,)) for child in reversed(item.children))
                continue
            if item.kind == "group":
                walk.extend((child, path) for child in reversed(item.children))
                continue
            if item.kind == "question":
                row = self._row(item, path)
                if row is not None:
                    out.append(row)
        return out

    def _row(self, item: Item, path: Path) -> dict | None:
        st = self._states.get((item.name, path))
        if st is None or not st.relevant:
            return None
        status_name = {OK: "ok", EMPTY: "empty", REQUIRED: "required but empty", WARNING: "warning",
                       ERROR: "constraint violated"}
        row = {"name": item.name, "type": item.type, "path": "/".join(item.path + [item.xml_name])}
        if path:
            row["instance"] = path[-1] + 1
            steps, k = [], 0
            for ancestor in self._ancestors(item):
                if ancestor.kind == "repeat":
                    steps.append(f"{ancestor.xml_name}[{path[k] + 1}]")
                    k += 1
                else:
                    steps.append(ancestor.xml_name)
            row["path"] = "/".join(steps + [item.xml_name])
        row["value"] = None if is_empty(st.value) else self._out(item, st)
        if isinstance(st.value, float) and math.isinf(st.value):
            row["value"] = to_string(st.value)   # "Infinity" / "-Infinity", as ODK shows it
        row["status"] = status_name[st.status]  # a wrong type (text for a number) violates too
        msg = self._message(item, st)
        if msg:
            row["message"] = msg
        return row

    @staticmethod
    def _ancestors(item: Item) -> list[Item]:
        out = []
        p = item.parent
        while p is not None:
            out.append(p)
            p = p.parent
        return list(reversed(out))


def parse_time(text: str) -> time | None:
    """'10:20', '10:20:30', '10:20:30.5', with an optional offset ('+07:00', 'Z') as ODK writes it."""
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*", text)
    if not m:
        return None
    hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second, int((m.group(4) or "0").ljust(6, "0")))


def time_text(moment: time) -> str:
    """A time of day as ODK writes one: to the millisecond, with this computer's offset ('14:34:00.000+07:00')."""
    local = datetime.combine(date.today(), moment).astimezone()
    return local.isoformat(timespec="milliseconds").split("T", 1)[1].replace("+00:00", "Z")


def parse_datetime(text: str) -> datetime | None:
    """'2026-11-20T10:20', '2026-11-20 10:20:30', with an offset ('+07:00', 'Z'): said in this computer's time."""
    text = text.strip().replace(" ", "T", 1) if "T" not in text else text.strip()
    if len(text) < 16:
        return None
    try:
        return local_moment(text)
    except ValueError:
        return None


def parse_geopoint(text: str) -> tuple[float, ...] | None:
    """'lat lon [altitude [accuracy]]' in degrees and metres; latitude within ±90, longitude within ±180."""
    parts = text.split()
    if not 2 <= len(parts) <= 4:
        return None
    try:
        numbers = tuple(float(p) for p in parts)
    except ValueError:
        return None
    if not all(math.isfinite(x) for x in numbers) or abs(numbers[0]) > 90 or abs(numbers[1]) > 180:
        return None
    if len(numbers) == 4 and numbers[3] < 0:
        return None
    return numbers


def _as_value(v: Any) -> Any:
    """An expression's result as an answer: one value, numbers whole when they are, dates as YYYY-MM-DD."""
    if isinstance(v, Nodeset):
        v = v[0] if v else ""
    if isinstance(v, dict):
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "" if not math.isfinite(v) else (int(v) if v.is_integer() else v)
    if isinstance(v, date):
        return v.isoformat()
    return v


def _reads_answers(node: Node) -> bool:
    """Whether an expression reads anything of the form (a ${name}, a path, '.', '..')."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n[0] in ("ref", "path", "parent", "self") or (n[0] == "call" and n[1] in ("current", "indexed-repeat")):
            return True
        stack += _children(n)
    return False


def _holds_answer(item: Item) -> bool:
    """Whether the item's value is kept as an answer is (its default is its first value): a question, or a
    calculation with only a default."""
    return item.type != "note" and (item.type != "calculate" or item.calculation is None)


def _hashable(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


def _builtin_list(list_name: str, villages: list[str]) -> list[Choice]:
    if list_name == "villages":
        return [Choice(v, {"vi": v, "en": v}, {}) for v in villages]
    if list_name in ("vn_provinces", "vn_communes"):
        return list(_reference_list(list_name))
    return []


@lru_cache(maxsize=2)
def _reference_list(list_name: str) -> tuple[Choice, ...]:
    """The provinces or the 3,321 communes as choices, made once (reference data shipped with the app, shared by
    every session as a form's own choices are: making the communes' list took half of opening a household)."""
    if list_name == "vn_provinces":
        return tuple(Choice(p.code, {"vi": p.name, "en": p.name}, {}) for p in refdata.provinces())
    return tuple(Choice(c.code, {"vi": c.name, "en": c.name},
                        {"province": c.province_code, "area": c.area.value, "kind": c.kind})
                 for p in refdata.provinces() for c in p.communes)


def _is_int32(value: Any) -> bool:
    """A whole number ODK's integer can hold (a 32-bit int: −2,147,483,648 to 2,147,483,647)."""
    return isinstance(value, int) and not isinstance(value, bool) and INT_MIN <= value <= INT_MAX


def fill(form: Form, answers: dict, *, lang: str | None = None, today: date | None = None,
         villages: Iterable[str] = ()) -> FormSession:
    """A session filled from plain answers: {name: value, repeat_name: [{name: value, inner_repeat: […]}, …]},
    in form order."""
    session = FormSession(form, {}, lang=lang, today=today, villages=villages)
    repeats = {r.name for r in form.repeats() if len(r.chain) == 1}
    for key, value in answers.items():
        if key in repeats:
            continue
        item = form.by_name.get(key)
        if item is None or item.kind != "question" or item.type in UNASKED or item.chain:
            raise KeyError(f"'{key}' is not a question at the top of the form")
        session.set_answer(key, value)
    for key in answers:
        if key in repeats:
            _fill_repeat(session, form.by_name[key], (), answers[key])
    return session


def _fill_repeat(session: FormSession, rep: Item, path: Path, rows: Any) -> None:
    counted = rep.repeat_count is not None
    for n, inst in enumerate(rows or []):
        if counted:  # the instances follow repeat_count
            if n >= len(session.members(rep.name, path)):
                raise KeyError(f"'{rep.name}' has {len(session.members(rep.name, path))} instance(s) by its "
                               "repeat_count")
            j = n
        else:
            j = session.add_member(rep.name, path)
        here = path + (j,)
        inner = []
        for name, value in inst.items():
            item = session.form.by_name.get(name)
            if item is not None and item.kind == "repeat" and item.repeat is rep:
                inner.append((item, value))
                continue
            if item is None or item.kind != "question" or not item.chain or item.chain[-1] is not rep:
                raise KeyError(f"'{name}' is not a question of the repeat '{rep.name}'")
            if item.type in UNASKED:
                raise KeyError(f"'{name}' is a {item.type}: it is not answered")
            session.set_answer(name, value, here)
        for item, value in inner:
            _fill_repeat(session, item, here, value)
