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
from datetime import date, datetime, time
from typing import Any, Iterable

from fieldsurvey.domain import fieldpaths, refdata
from fieldsurvey.domain.plausible import check_answer
from fieldsurvey.domain.ranges import ranges
from fieldsurvey.errors import DocumentError
from fieldsurvey.formengine.expr import (Nodeset, datetime_text, evaluate, references, to_bool, to_number,
                                         to_string)
from fieldsurvey.formengine.model import BUILTIN_LISTS, Choice, Form, Item
from fieldsurvey.i18n import t

LOCATION_KEYS = ("province_code", "commune_code", "commune_name", "village", "area")
TOP_KEYS = ("interview_date",)
MEMBERS = "members"

OK, EMPTY, REQUIRED, ERROR, WARNING = "ok", "empty", "required", "error", "warning"
_LABEL_REF = re.compile(r"\$\{([^}]*)\}")
_INTEGER = re.compile(r"-?[0-9]+", re.ASCII)
UNASKED = ("calculate", "meta", "hidden")   # types that hold a value but are never asked
_DECIMAL = re.compile(r"-?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)", re.ASCII)


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


class _Ctx:
    """The evaluation context: answers to ${name} for the item and instance being computed."""
    __slots__ = ("s", "item", "idx", "cur", "choice", "_today")

    def __init__(self, session: "FormSession"):
        self.s = session
        self.item: Item | None = None
        self.idx: int | None = None
        self.cur: Any = ""
        self.choice: Choice | None = None
        self._today = session.today_date

    def ref(self, name: str) -> Any:
        s = self.s
        it = s.form.by_name[name]
        if it.kind == "repeat":
            return Nodeset(s._instances.get(name, ()))
        if it.kind == "group":
            return ""
        rep = it.repeat
        if rep is None:
            st = s._states[(name, None)]
            return st.typed if st.relevant else ""
        if self.idx is not None and self.item is not None and self.item.repeat is rep:
            st = s._states.get((name, self.idx))
            return st.typed if st is not None and st.relevant else ""
        out = Nodeset()   # the question's nodes in every instance, as ODK makes them: a hidden one is left out
        for j in range(len(s._instances.get(rep.name, ()))):
            st = s._states.get((name, j))
            if st is not None and st.relevant:
                out.append(st.typed)
        return out

    def current(self) -> Any:
        return self.cur

    def position(self) -> int:
        return 0 if self.idx is None else self.idx + 1

    def lookup(self, list_name: str, column: str, key_column: str, key: Any) -> Any:
        for c in self.s.choice_list(list_name):
            if c.get(key_column) == key:
                return c.get(column)
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
        for c in self.s.choice_list(it.list_name):
            if c.name == value:
                return c.label(self.s.lang, self.s.form.default_language)
        return ""

    def indexed(self, name: str, n: int) -> Any:
        """indexed-repeat: the value of `name` in the n-th (1-based) instance of its repeat."""
        it = self.s.form.by_name.get(name)
        if it is None or it.repeat is None or n < 1:
            return ""
        st = self.s._states.get((name, n - 1))
        return st.typed if st is not None and st.relevant else ""

    def column(self, name: str) -> Any:
        return self.choice.get(name) if self.choice is not None else ""


class FormSession:
    """One household filled with one form."""

    def __init__(self, form: Form, document: dict | None = None, *, lang: str | None = None,
                 villages: Iterable[str] = (), today: date | None = None,
                 extra_lists: dict[str, list[Choice]] | None = None):
        self.form = form
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
        self._instances: dict[str, list[dict]] = {r.name: [] for r in form.repeats()}
        self._confirmed: set[tuple[str, str | None]] = set()
        self._ctx = _Ctx(self)
        self._states: dict[tuple[str, int | None], _State] = {}
        self._later_defaults: list[Item] = []
        self._stored: dict[tuple[str, int | None], Any] = {}   # calculations' values in the document (once())
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
        if item.type == "select_multiple":
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
            if item.kind != "question" or item.repeat is not None:
                continue
            name = item.name
            if name in LOCATION_KEYS:
                v = (doc.get("location") or {}).get(name)
            elif name in TOP_KEYS:
                v = doc.get(name)
            else:
                v = doc["household"].get(name)
            if is_empty(v) and fresh and item.default is not None and item.type != "calculate":
                if item.default_expr is not None and references(item.default_expr):
                    self._later_defaults.append(item)  # it reads other answers: once they are computed
                    continue
                v = self._default(item)
            if item.type == "calculate":
                if not is_empty(v) and not isinstance(v, (dict, list)):
                    self._stored[(name, None)] = v
            elif not is_empty(v):
                v = self._coerce_in(item, v)
                if not is_empty(v):
                    self._values[name] = v
        members = self._instances.get(MEMBERS)
        if members is not None:
            for m in doc["members"]:
                inst = {k: v for k, v in m.items()}
                for k, v in list(inst.items()):
                    it = form.by_name.get(k)
                    if it is not None and it.repeat is not None and it.repeat.name == MEMBERS:
                        inst[k] = self._coerce_in(it, v)
                members.append(inst)
        for rep in form.repeats():
            if rep.name != MEMBERS and isinstance(doc["household"].get(rep.name), list):
                self._instances[rep.name] = [dict(x) for x in doc["household"][rep.name] if isinstance(x, dict)]
        for key in doc.get("confirmed_warnings") or ():
            parts = str(key).split(".")
            if parts[0] == "household" and len(parts) == 2:
                self._confirmed.add((parts[1], None))
            elif parts[0] == "members" and len(parts) == 3:
                self._confirmed.add((parts[2], parts[1]))

    def _default(self, item: Item, idx: int | None = None) -> Any:
        """A question's first value: its `default` as written, or the value of a default that is an expression
        (ODK evaluates it once: when the form is first opened, or when the repeat instance `idx` is added)."""
        if item.default_expr is not None:
            ctx = self._ctx
            ctx.item, ctx.idx, ctx.cur = item, idx, ""
            return self._coerce(item, _as_value(evaluate(item.default_expr, ctx)))
        d = item.default or ""
        if item.type == "date" and d.strip() in ("today()", "today"):
            return self.today_date.isoformat()
        return self._coerce(item, d)

    def _make_sections(self) -> list[Section]:
        out: list[Section] = []
        loose: list[Item] = []
        for item in self.form.top:
            if item.kind in ("group", "repeat"):
                if loose:
                    out.append(Section("main" if not out else f"main{len(out)}", tuple(loose), False, None))
                    loose = []
                qs = tuple(i for i in self._walk(item) if i.kind == "question" and i.type not in UNASKED)
                out.append(Section(item.name, qs, item.kind == "repeat" or any(i.repeat for i in qs), item))
            elif item.kind == "question" and item.type not in UNASKED:
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

    def choices(self, list_name: str) -> tuple[str, ...]:
        """The names of a choice list (the builtin form session's shape)."""
        return tuple(c.name for c in self.choice_list(list_name))

    def options(self, name: str, member: int | None = None) -> list[tuple[str, str]]:
        """(name, label) of the choices a select question offers now (its choice_filter applied)."""
        item = self.form.by_name[name]
        if not item.list_name:
            return []
        items = self.choice_list(item.list_name)
        if item.choice_filter is not None:
            ctx = self._ctx
            ctx.item, ctx.idx, ctx.cur = item, member, self._typed(item, self._raw(item, member))
            kept = []
            for c in items:
                ctx.choice = c
                if to_bool(evaluate(item.choice_filter, ctx)):
                    kept.append(c)
            ctx.choice = None
            items = kept
        return [(c.name, c.label(self.lang, self.form.default_language)) for c in items]

    # --- answers ------------------------------------------------------------------------------------------------------

    def _scope(self, item: Item, member: int | None) -> dict:
        if item.repeat is None:
            return self._values
        if member is None:
            raise IndexError(f"'{item.name}' is asked of each instance of '{item.repeat.name}': give its index")
        return self._instances[item.repeat.name][member]

    def _raw(self, item: Item, member: int | None) -> Any:
        if item.repeat is None:
            return self._values.get(item.name, "")
        return self._instances[item.repeat.name][member].get(item.name, "")

    def value(self, name: str, member: int | None = None) -> Any:
        """The answer (or calculated value) as it counts now: empty when the question is not relevant."""
        item = self.form.by_name[name]
        st = self._states.get((name, member if item.repeat is not None else None))
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

    def set_answer(self, name: str, value: Any, member: int | None = None) -> list[tuple[str, int | None]]:
        """Record an answer and recompute what it touches. Returns the (question, member) whose state changed.
        An answer holding a control character — or a line break or a tab, but in a question whose appearance is
        `multiline` (the notes) — is refused (DocumentError naming the field: household.address,
        members[m2].name), and nothing is recorded (domain/plausible.py `check_answer`)."""
        item = self.form.by_name.get(name)
        if item is None or item.kind != "question":
            raise KeyError(f"the form has no question '{name}'")
        if item.type in ("calculate", "note", "meta", "hidden"):
            raise ValueError(f"'{name}' is a {item.type}: it is not answered")
        scope = self._scope(item, member)
        value = self._coerce(item, value)
        if value != "" and not (type(value) is str and value.isprintable()):
            check_answer(value, self._path(item, member),
                         multiline=item.type == "text" and "multiline" in item.appearance.split())
        if value == "" or value is None:
            scope.pop(name, None)
        else:
            scope[name] = value
        idx = member if item.repeat is not None else None
        self._unconfirm(name, idx)
        if self._touches_repeat_count(name):
            before = {k: v.key() for k, v in self._states.items()}
            self.recompute()
            return [k for k, v in self._states.items() if before.get(k) != v.key()]
        return self._propagate(item, idx)

    def _path(self, item: Item, member: int | None) -> str:
        """How a refusal names the answer: household.address, location.village, members[m2].name."""
        if item.repeat is not None:
            key = self._member_key(member)
            return fieldpaths.member_path(key, item.name) if item.repeat.name == MEMBERS else \
                f"{item.repeat.name}[{key}].{item.name}"
        if item.name in LOCATION_KEYS:
            return f"location.{item.name}"
        return item.name if item.name in TOP_KEYS else f"household.{item.name}"

    def _unconfirm(self, name: str, idx: int | None) -> None:
        key = (name, self._member_key(idx))
        self._confirmed.discard(key)

    def _member_key(self, idx: int | None) -> str | None:
        if idx is None:
            return None
        insts = self._instances.get(MEMBERS) or []
        if 0 <= idx < len(insts):
            return str(insts[idx].get("member_id") or idx)
        return str(idx)

    # --- computing ------------------------------------------------------------------------------------------------

    def _instances_of(self, item: Item) -> range | list[None]:
        if item.repeat is None:
            return [None]
        return range(len(self._instances[item.repeat.name]))

    def _compute_value(self, item: Item, idx: int | None) -> _State:
        """Relevance and value of one item (one instance)."""
        ctx = self._ctx
        ctx.item, ctx.idx = item, idx
        st = self._states.get((item.name, idx))
        if st is None:
            st = _State()
            self._states[(item.name, idx)] = st
        parent = item.parent
        rel = True
        if parent is not None:
            pst = self._states.get((parent.name, idx if parent.repeat is not None else None))
            rel = pst.relevant if pst is not None else True
        if rel and item.relevant is not None:
            ctx.cur = self._typed(item, self._raw(item, idx)) if item.kind == "question" else ""
            rel = to_bool(evaluate(item.relevant, ctx))
        st.relevant = rel
        if item.kind != "question":
            st.value = ""
        elif item.type == "meta":
            st.value = self.today_date.isoformat() if item.meta in ("start", "end", "today") else ""
        elif item.type == "calculate":
            if rel:
                # '.' is the calculation's own value so far (once() keeps it): this session's, or the document's
                ctx.cur = st.typed if st.typed != "" else (
                    self._stored.get((item.name, None), "") if item.repeat is None
                    else self._instances[item.repeat.name][idx].get(item.name, ""))
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
            ctx.cur = self._typed(item, self._raw(item, idx))
            v = evaluate(item.calculation, ctx)
            v = v[0] if isinstance(v, Nodeset) and v else v
            if isinstance(v, (dict, Nodeset)):
                v = ""
            if isinstance(v, float):
                v = "" if not math.isfinite(v) else (int(v) if v.is_integer() else v)
            if isinstance(v, (bool, date)):
                v = to_string(v)
            st.value = v if to_string(v) != "" else self._raw(item, idx)
        else:
            st.value = self._raw(item, idx)
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
            return value if isinstance(value, int) and not isinstance(value, bool) else ""
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
            return datetime.combine(date(1970, 1, 1), moment) if moment is not None else ""
        if kind == "datetime":
            return parse_datetime(str(value)) or ""
        if kind == "range":
            return value if not self._type_problem(item, value) else ""
        if kind in ("geopoint", "acknowledge", "rank") and self._type_problem(item, value):
            return ""
        if kind == "note":
            return ""
        return value

    def _compute_checks(self, item: Item, idx: int | None) -> None:
        st = self._states[(item.name, idx)]
        if item.kind != "question" or item.type in ("note", "meta"):
            st.status, st.problem = OK, ""
            return
        ctx = self._ctx
        ctx.item, ctx.idx = item, idx
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
        problem = self._type_problem(item, value)
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

    def _type_problem(self, item: Item, value: Any) -> str:
        kind = item.type
        if kind == "integer":
            return "" if isinstance(value, int) and not isinstance(value, bool) else "integer"
        if kind == "decimal":
            return "" if isinstance(value, (int, float)) and not isinstance(value, bool) \
                and math.isfinite(value) else "decimal"
        if kind == "date":
            try:
                date.fromisoformat(str(value))
            except ValueError:
                return "date"
            return ""
        if kind == "select_one" and item.list_name:
            items = self.choice_list(item.list_name)
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
            names = {c.name for c in self.choice_list(item.list_name)}
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
            start, end, step = item.range
            steps = (value - start) / step
            on_step = math.isfinite(steps) and abs(steps - round(steps)) < 1e-9
            return "" if start <= value <= end and on_step else "range"
        if kind == "rank" and item.list_name:
            names = [c.name for c in self.choice_list(item.list_name)]
            given = [str(v) for v in value] if isinstance(value, list) else []
            return "" if sorted(given) == sorted(names) else "rank"
        return ""

    def recompute(self) -> None:
        """Everything, in dependency order (after a change to the roster, or on opening)."""
        live = set()
        for item in self.form.order:
            for idx in self._instances_of(item):
                self._compute_value(item, idx)
                live.add((item.name, idx))
            if item.kind == "repeat" and item.repeat_count is not None:
                self._sync_repeat_count(item)  # what it reads is computed; what it holds comes after
        for item in self.form.items:
            for idx in self._instances_of(item):
                self._compute_checks(item, idx)
        for key in [k for k in self._states if k not in live]:
            del self._states[key]

    def _sync_repeat_count(self, rep: Item) -> None:
        ctx = self._ctx
        ctx.item, ctx.idx, ctx.cur = rep, None, ""
        n = to_number(evaluate(rep.repeat_count, ctx))
        n = min(int(n), 500) if math.isfinite(n) and n > 0 else 0
        insts = self._instances[rep.name]
        del insts[n:]
        while len(insts) < n:
            insts.append(self._new_instance(rep, len(insts)))

    def _touches_repeat_count(self, name: str) -> bool:
        for rep in self.form.repeats():
            if rep.repeat_count is not None and (name in rep.deps or
                                                 any(d.name == rep.name for d in self.form.dependents[name])):
                return True
        return False

    def _propagate(self, source: Item, idx: int | None) -> list[tuple[str, int | None]]:
        form = self.form
        changed: list[tuple[str, int | None]] = []
        dirty: dict[str, set] = {source.name: {idx}}
        before_keys = {(source.name, idx): self._states[(source.name, idx)].key()}
        self._compute_value(source, idx)
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
        out: set = set()
        for dep in (item.deps | item.check_deps) if checks else item.deps:
            hit = dirty.get(dep)
            if not hit:
                continue
            d = self.form.by_name[dep]
            if item.repeat is None:
                return {None}
            if d.repeat is item.repeat and None not in hit:
                out |= hit
            else:
                return set(self._instances_of(item))
        return out

    # --- states for the GUI -------------------------------------------------------------------------------------

    def _message(self, item: Item, st: _State) -> str:
        lang, dl = self.lang, self.form.default_language
        if st.problem == "required":
            return item.required_message.get(lang) or item.required_message.get(dl) or t("forms.required", lang)
        if st.problem == "constraint":
            return item.constraint_message.get(lang) or item.constraint_message.get(dl) \
                or t("forms.constraint", lang)
        if st.problem == "warning":
            return item.warning_message.get(lang) or item.warning_message.get(dl) or t("forms.warning", lang)
        if st.problem == "range" and item.range is not None:
            start, end, step = (to_string(x) for x in item.range)
            return t("forms.type.range", lang, start=start, end=end, step=step)
        if st.problem in ("integer", "decimal", "date", "choice", "time", "datetime", "geopoint", "rank",
                          "acknowledge"):
            return t(f"forms.type.{st.problem}", lang)
        return ""

    def state(self, question: Item | str, member: int | None = None) -> QuestionState:
        item = question if isinstance(question, Item) else self.form.by_name[question]
        idx = member if item.repeat is not None else None
        st = self._states[(item.name, idx)]
        confirmed = st.status == WARNING and (item.name, self._member_key(idx)) in self._confirmed
        return QuestionState(item, None if is_empty(st.value) else st.value, st.relevant, st.status,
                             self._message(item, st), st.required, st.read_only, self.label(item, idx),
                             self._interpolate(item.hints.get(self.lang) or item.hints.get(
                                 self.form.default_language) or "", idx), confirmed)

    def label(self, item: Item | str, member: int | None = None) -> str:
        item = item if isinstance(item, Item) else self.form.by_name[item]
        return self._interpolate(item.label(self.lang, self.form.default_language) or item.name, member)

    def _interpolate(self, text: str, member: int | None) -> str:
        if "${" not in text:
            return text
        ctx = self._ctx

        def sub(m: Any) -> str:
            name = m.group(1).strip()
            if name not in self.form.by_name:
                return m.group(0)
            ctx.item, ctx.idx = None, None
            it = self.form.by_name[name]
            if it.repeat is not None and member is not None:
                st = self._states.get((name, member))
                return to_string(st.value) if st and st.relevant else ""
            return to_string(ctx.ref(name))
        return _LABEL_REF.sub(sub, text)

    def section_states(self, section: Section, member: int | None = None) -> list[QuestionState]:
        idx = member if section.repeat else None
        return [self.state(q, idx if q.repeat is not None else None) for q in section.questions]

    def section_progress(self, section: Section) -> tuple[int, int, int]:
        """(answered, relevant questions, errors) — over every member for the roster."""
        states = []
        for q in section.questions:
            for idx in self._instances_of(q):
                st = self._states[(q.name, idx)]
                if st.relevant and q.type != "note":
                    states.append(st)
        answered = sum(1 for s in states if not is_empty(s.value))
        errors = sum(1 for s in states if s.status in (REQUIRED, ERROR))
        if section.repeat and section.item is not None and section.item.name == MEMBERS and not self.members():
            errors += 1
        return answered, len(states), errors

    def errors(self) -> list[tuple[str, int | None, str]]:
        """(section id, member index or None, question name) of every hard error and empty required answer."""
        out = []
        for section in self.sections:
            for q in section.questions:
                for idx in self._instances_of(q):
                    st = self._states[(q.name, idx)]
                    if st.relevant and st.status in (REQUIRED, ERROR):
                        out.append((section.id, idx, q.name))
        return out

    def warnings(self, unconfirmed_only: bool = True) -> list[tuple[str, int | None, str]]:
        out = []
        for section in self.sections:
            for q in section.questions:
                for idx in self._instances_of(q):
                    st = self._states[(q.name, idx)]
                    if st.relevant and st.status == WARNING:
                        if unconfirmed_only and (q.name, self._member_key(idx)) in self._confirmed:
                            continue
                        out.append((section.id, idx, q.name))
        return out

    def confirm(self, name: str, member: int | None = None) -> None:
        """Accept a soft warning: the answer is true as it stands."""
        item = self.form.by_name[name]
        idx = member if item.repeat is not None else None
        self._confirmed.add((name, self._member_key(idx)))

    def is_complete(self) -> bool:
        """Nothing required is missing, no hard error, every warning confirmed (and a roster, if the form has
        one)."""
        if MEMBERS in self._instances and not self._instances[MEMBERS]:
            return False
        return not self.errors() and not self.warnings()

    def set_language(self, lang: str) -> None:
        self.lang = lang

    # --- the roster -------------------------------------------------------------------------------------------------

    def members(self, repeat: str = MEMBERS) -> list[dict]:
        return self._instances.get(repeat, [])

    def _new_instance(self, rep: Item, idx: int) -> dict:
        """The answers a new instance `idx` of a repeat starts with: its questions' defaults."""
        inst: dict[str, Any] = {}
        for item in self._walk(rep):
            if item.kind == "question" and item.default is not None and item.type not in ("calculate", "note"):
                value = self._default(item, idx)
                if not is_empty(value):
                    inst[item.name] = value
        return inst

    def add_member(self, repeat: str = MEMBERS) -> int:
        """Add a member (an instance of `repeat`) at the end; returns its index. A household holds at most the
        members its plausible ranges allow (resources/values/household-values.toml): one more is refused
        (DocumentError), nothing added."""
        rep = self.form.by_name[repeat]
        insts = self._instances[repeat]
        if repeat == MEMBERS and len(insts) >= ranges().max_members:
            raise DocumentError("values.error.members_too_many", "members", n=len(insts) + 1,
                                max=ranges().max_members)
        inst = self._new_instance(rep, len(insts))
        if repeat == MEMBERS:
            used = {m.get("member_id") for m in insts}
            n = len(insts) + 1
            while f"m{n}" in used:
                n += 1
            inst = {"member_id": f"m{n}", **inst}
        insts.append(inst)
        self.recompute()
        return len(insts) - 1

    def remove_member(self, index: int, repeat: str = MEMBERS) -> None:
        del self._instances[repeat][index]
        self.recompute()

    def move_member(self, index: int, to: int, repeat: str = MEMBERS) -> None:
        ms = self._instances[repeat]
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
            if item.kind != "question" or item.repeat is not None or item.type in ("note", "meta"):
                continue
            if item.name.startswith("_"):
                continue
            st = self._states[(item.name, None)]
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
        members = []
        for j, inst in enumerate(self._instances.get(MEMBERS, [])):
            m = {k: v for k, v in inst.items() if k not in names}
            for item in form.items:
                if item.kind != "question" or item.repeat is None or item.repeat.name != MEMBERS \
                        or item.type == "note" or item.name.startswith("_"):
                    continue
                st = self._states[(item.name, j)]
                value = self._out(item, st) if st.relevant and not is_empty(st.value) else None
                if value is not None:
                    m[item.name] = value
            members.append(m)
        doc["members"] = members
        for rep in form.repeats():
            if rep.name == MEMBERS:
                continue
            rows = []
            for j, inst in enumerate(self._instances[rep.name]):
                row = {}
                for item in self._walk(rep):
                    if item.kind == "question" and item.type != "note" and not item.name.startswith("_"):
                        st = self._states[(item.name, j)]
                        value = self._out(item, st) if st.relevant and not is_empty(st.value) else None
                        if value is not None:
                            row[item.name] = value
                rows.append(row)
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

    # --- for print and display ------------------------------------------------------------------------------------

    def display(self, item: Item | str, member: int | None = None) -> str:
        """The answer as a reader sees it: choice labels in the session's language, lists joined."""
        item = item if isinstance(item, Item) else self.form.by_name[item]
        value = self.value(item.name, member if item.repeat is not None else None)
        if value is None:
            return ""
        if item.list_name:
            labels = {c.name: c.label(self.lang, self.form.default_language)
                      for c in self.choice_list(item.list_name)}
            if isinstance(value, list):
                return ", ".join(labels.get(str(v), str(v)) for v in value)
            return labels.get(str(value), str(value))
        return to_string(value)

    def printable(self) -> list[dict]:
        """The questionnaire as answered, section by section, with this form version's labels: what a printed
        household sheet shows. Roster sections list each member's relevant answers."""
        out = []
        for section in self.sections:
            entry: dict[str, Any] = {"section": section.id, "label": section.label(self.lang)}

            def rows(member: int | None) -> list[dict]:
                found = []
                for q in section.questions:
                    idx = member if q.repeat is not None else None
                    st = self._states[(q.name, idx)]
                    if st.relevant and q.type != "note":
                        found.append({"name": q.name, "label": self.label(q, idx), "value": self.display(q, idx)})
                return found
            if section.repeat:
                entry["members"] = [{"member_id": m.get("member_id"), "answers": rows(i)}
                                    for i, m in enumerate(self.members(section.id) if section.id in self._instances
                                                          else self.members())]
            else:
                entry["answers"] = rows(None)
            out.append(entry)
        return out

    # --- the headless view ----------------------------------------------------------------------------------------

    def rows(self) -> list[dict]:
        """Every relevant question as ODK walks the form: in form order, a repeat instance by instance (all of
        members[1], then all of members[2]); path, name, instance, value and status (what `form fill` prints, and
        what the GUI would show)."""
        out: list[dict] = []
        walk: list[tuple[Item, int | None]] = [(item, None) for item in reversed(self.form.top)]
        while walk:
            item, idx = walk.pop()
            if item.kind == "repeat":
                n = len(self._instances.get(item.name, ()))
                for j in reversed(range(n)):
                    walk.extend((child, j) for child in reversed(item.children))
                continue
            if item.kind == "group":
                walk.extend((child, idx) for child in reversed(item.children))
                continue
            if item.kind == "question":
                row = self._row(item, idx if item.repeat is not None else None)
                if row is not None:
                    out.append(row)
        return out

    def _row(self, item: Item, idx: int | None) -> dict | None:
        st = self._states.get((item.name, idx))
        if st is None or not st.relevant:
            return None
        status_name = {OK: "ok", EMPTY: "empty", REQUIRED: "required but empty", WARNING: "warning",
                       ERROR: "constraint violated"}
        row = {"name": item.name, "type": item.type, "path": "/".join(item.path + [item.name])}
        if idx is not None:
            row["instance"] = idx + 1
            row["path"] = "/".join(
                f"{p}[{idx + 1}]" if p == item.repeat.name else p for p in item.path) + "/" + item.name
        row["value"] = None if is_empty(st.value) else self._out(item, st)
        if isinstance(st.value, float) and math.isinf(st.value):
            row["value"] = to_string(st.value)   # "Infinity" / "-Infinity", as ODK shows it
        row["status"] = status_name[st.status]  # a wrong type (text for a number) violates too
        msg = self._message(item, st)
        if msg:
            row["message"] = msg
        return row


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
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone().replace(tzinfo=None)
        except (OverflowError, ValueError):
            return None
    return moment


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


def _hashable(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


def _builtin_list(list_name: str, villages: list[str]) -> list[Choice]:
    if list_name == "villages":
        return [Choice(v, {"vi": v, "en": v}, {}) for v in villages]
    if list_name in ("vn_provinces", "vn_communes"):
        if list_name == "vn_provinces":
            return [Choice(p.code, {"vi": p.name, "en": p.name}, {}) for p in refdata.provinces()]
        return [Choice(c.code, {"vi": c.name, "en": c.name},
                       {"province": c.province_code, "area": c.area.value, "kind": c.kind})
                for p in refdata.provinces() for c in p.communes]
    return []


def fill(form: Form, answers: dict, *, lang: str | None = None, today: date | None = None,
         villages: Iterable[str] = ()) -> FormSession:
    """A session filled from plain answers: {name: value, repeat_name: [{name: value}, …]} in form order."""
    session = FormSession(form, {}, lang=lang, today=today, villages=villages)
    repeats = {r.name for r in form.repeats()}
    for key, value in answers.items():
        if key in repeats:
            continue
        item = form.by_name.get(key)
        if item is None or item.kind != "question" or item.type in UNASKED or item.repeat is not None:
            raise KeyError(f"'{key}' is not a question at the top of the form")
        session.set_answer(key, value)
    for key in answers:
        if key in repeats:
            counted = form.by_name[key].repeat_count is not None
            for n, inst in enumerate(answers[key] or []):
                if counted:  # the instances follow repeat_count
                    if n >= len(session.members(key)):
                        raise KeyError(f"'{key}' has {len(session.members(key))} instance(s) by its repeat_count")
                    j = n
                else:
                    j = session.add_member(key)
                for name, value in inst.items():
                    item = form.by_name.get(name)
                    if item is None or item.repeat is None or item.repeat.name != key:
                        raise KeyError(f"'{name}' is not a question of the repeat '{key}'")
                    if item.type in UNASKED:
                        raise KeyError(f"'{name}' is a {item.type}: it is not answered")
                    session.set_answer(name, value, j)
    return session
