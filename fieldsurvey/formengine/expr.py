"""XLSForm expressions: a tokenizer, a recursive-descent parser into a small tree, and a safe evaluator.

Form text is never handed to Python's eval/exec: `parse` builds `Node` tuples, `evaluate` walks them with a
`Context` that answers `${name}` references, `.` (the current question's value), `position(..)`, `count()` and
`sum()` over a repeat, and the `pulldata()` look-ups in the form's choice lists. The operators and functions are
those of XPath 1.0 as ODK uses them (precedence: or < and < = != < relational < + - < * div mod < unary minus).
"""

from __future__ import annotations

import base64
import hashlib
import math
import random
import re
import secrets
import uuid as uuidlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any, Callable, Protocol

from fieldsurvey.domain.results import Message
from fieldsurvey.errors import FormError
from fieldsurvey.formengine import linear_regex

_EPOCH = date(1970, 1, 1)


class ExpressionError(FormError):
    """An expression that cannot be parsed: a catalogue key, and the values that say what was found at which
    position of which expression (the form's loader puts the sheet, row and column around it)."""


# --- tokens -------------------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<ref>\$\{(?P<refname>[^}]*)\})
  | (?P<num>\d+(?:\.\d*)?|\.\d+)
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<op><=|>=|!=|\.\.|//|::|[-+*=<>(),./|\[\]@])
  | (?P<name>[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)
""", re.X)

KEYWORDS = {"and", "or", "div", "mod"}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str   # num | str | ref | op | name | end
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    i = 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if m is None:
            raise ExpressionError("forms.error.expr_character", None, char=repr(text[i]), pos=i + 1, expr=repr(text))
        kind = m.lastgroup
        if kind == "refname":
            kind = "ref"
        if kind == "ref":
            name = m.group("refname").strip()
            last = re.fullmatch(r"last-saved#\s*([A-Za-z_][\w.\-]*)", name)
            if last:   # ${last-saved#name}: the answer in the household saved last with this form
                out.append(Token("lastsaved", last.group(1), i))
                i = m.end()
                continue
            if not re.fullmatch(r"[A-Za-z_][\w.\-]*", name or ""):
                raise ExpressionError("forms.error.expr_not_a_name", None, name=name, pos=i + 1, expr=repr(text))
            out.append(Token("ref", name, i))
        elif kind == "num":
            out.append(Token("num", m.group(), i))
        elif kind == "str":
            out.append(Token("str", m.group()[1:-1], i))
        elif kind == "op":
            out.append(Token("op", m.group(), i))
        elif kind == "name":
            out.append(Token("name", m.group(), i))
        i = m.end()
    out.append(Token("end", "", len(text)))
    return out


# --- the tree -----------------------------------------------------------------------------------------------------
# Nodes are tuples: ("num", float) ("str", s) ("ref", name) ("self",) ("parent",) ("neg", x)
# ("bin", op, a, b) ("call", name, (args...)), and for three operands or more of one precedence level
# ("chain", first, ((op, operand), …)) — evaluated left to right in a loop, so a 3,000-term sum is one flat node,
# not a tree 3,000 deep. XPath paths: ("path", start, steps) where start is ("root",) for '/…', ("ctx",) for a
# relative path, or ("expr", node, predicates) for ${name}, current(), instance('…') or (…) followed by predicates
# or steps; each step is ("child", name, predicates), ("self", None, predicates) or ("parent", None, ()). A union
# ('a | b') and a wildcard step ('*') are refused: ODK's engine stops on them.

Node = tuple

# How deeply parentheses, function calls and unary minus may nest: far beyond any real form, well within what the
# parser and the evaluator can walk (an expression nested deeper is refused, located, when the form loads).
MAX_DEPTH = 60


class _Parser:
    def __init__(self, text: str, columns: bool = False):
        self.text = text
        self.columns = columns
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError("forms.error.expr_too_deep", None, limit=MAX_DEPTH, pos=self.peek().pos + 1)

    def peek(self) -> Token:
        return self.tokens[self.i]

    def ahead(self) -> Token:
        """The token after the next one (the end when there is none)."""
        return self.tokens[min(self.i + 1, len(self.tokens) - 1)]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def error(self, key: str, **values: Any) -> ExpressionError:
        """`key` says what was expected; the message adds what was found, and where."""
        tok = self.peek()
        found = Message("forms.word.the_end") if tok.kind == "end" else repr(tok.text)
        return ExpressionError(key, None, found=found, pos=tok.pos + 1, expr=repr(self.text), **values)

    def is_op(self, *ops: str) -> bool:
        tok = self.peek()
        return (tok.kind == "op" and tok.text in ops) or (tok.kind == "name" and tok.text in ops)

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise self.error("forms.error.expr_empty")
        node = self.or_()
        if self.peek().kind != "end":
            raise self.error("forms.error.expr_expected_operator")
        return node

    def _binary(self, ops: tuple[str, ...], sub: Callable[[], Node]) -> Node:
        first = sub()
        rest: list[tuple[str, Node]] = []
        while self.is_op(*ops):
            op = self.take().text
            rest.append((op, sub()))
        if not rest:
            return first
        if len(rest) == 1:
            return ("bin", rest[0][0], first, rest[0][1])
        return ("chain", first, tuple(rest))

    def or_(self) -> Node:
        return self._binary(("or",), self.and_)

    def and_(self) -> Node:
        return self._binary(("and",), self.eq)

    def eq(self) -> Node:
        return self._binary(("=", "!="), self.rel)

    def rel(self) -> Node:
        return self._binary(("<", "<=", ">", ">="), self.add)

    def add(self) -> Node:
        return self._binary(("+", "-"), self.mul)

    def mul(self) -> Node:
        return self._binary(("*", "div", "mod"), self.unary)

    def unary(self) -> Node:
        if self.is_op("-"):
            self.take()
            self.deeper()
            node = ("neg", self.unary())
            self.depth -= 1
            return node
        node = self.path()
        if self.is_op("|"):   # JavaRosa cannot evaluate a union ("unsupported construct"): ODK stops the form
            tok = self.peek()
            raise ExpressionError("forms.error.expr_union", None, pos=tok.pos + 1, expr=repr(self.text))
        return node

    # --- XPath location paths: '/data/x', '../x', './x', 'name', 'current()/../x', "instance('l')/root/item[…]"

    def _starts_step(self) -> bool:
        tok = self.peek()
        if tok.kind == "op":
            return tok.text in (".", "..", "*", "@")
        if tok.kind == "name" and tok.text not in KEYWORDS:
            nxt = self.ahead()
            return not (nxt.kind == "op" and nxt.text in ("(", "::"))
        return False

    def path(self) -> Node:
        tok = self.peek()
        if (tok.kind == "op" and tok.text in ("//", "@")) or self.ahead().text == "::":
            raise self.unsupported_path(tok)
        if tok.kind == "op" and tok.text == "/":
            self.take()
            steps = self.steps() if self._starts_step() else ()
            return ("path", ("root",), steps)
        if self._starts_step():
            if tok.kind == "name" and self.columns:
                nxt = self.ahead()
                if not (nxt.kind == "op" and nxt.text in ("/", "[")):
                    self.take()
                    return ("col", tok.text)   # a bare name in a choice_filter: the choice's column
            steps = self.steps()
            if steps in ((("self", None, ()),),):
                return ("self",)
            if steps == (("parent", None, ()),):
                return ("parent",)
            return ("path", ("ctx",), steps)
        node = self.primary()
        preds = self.predicates()
        if self.is_op("/", "//"):
            if self.peek().text == "//":
                raise self.unsupported_path(self.peek())
            self.take()
            return ("path", ("expr", node, preds), self.steps())
        if preds:
            return ("path", ("expr", node, preds), ())
        return node

    def steps(self) -> tuple:
        out = [self.step()]
        while self.is_op("/", "//"):
            if self.peek().text == "//":
                raise self.unsupported_path(self.peek())
            self.take()
            out.append(self.step())
        return tuple(out)

    def step(self) -> tuple:
        tok = self.peek()
        if tok.kind == "op" and tok.text == ".":
            self.take()
            return ("self", None, self.predicates())
        if tok.kind == "op" and tok.text == "..":
            self.take()
            return ("parent", None, ())
        if tok.kind == "op" and tok.text == "*":   # JavaRosa stops on it ("Unexpected multiplicity mismatch")
            raise ExpressionError("forms.error.expr_wildcard", None, pos=tok.pos + 1, expr=repr(self.text))
        if tok.kind == "name" and tok.text not in KEYWORDS:
            nxt = self.ahead()
            if not (nxt.kind == "op" and nxt.text in ("(", "::")):
                self.take()
                return ("child", tok.text, self.predicates())
        if tok.kind == "op" and tok.text == "@" or (tok.kind == "name" and self.ahead().text == "::"):
            raise self.unsupported_path(tok)
        raise self.error("forms.error.expr_expected_step")

    def predicates(self) -> tuple:
        out = []
        while self.is_op("["):
            self.take()
            self.deeper()
            out.append(self.or_())
            if not self.is_op("]"):
                raise self.error("forms.error.expr_expected_bracket")
            self.take()
            self.depth -= 1
        return tuple(out)

    def unsupported_path(self, tok: Token) -> ExpressionError:
        return ExpressionError("forms.error.expr_path", None, name=tok.text, pos=tok.pos + 1, expr=repr(self.text))

    def primary(self) -> Node:
        tok = self.peek()
        if tok.kind == "num":
            self.take()
            return ("num", float(tok.text))
        if tok.kind == "str":
            self.take()
            return ("str", tok.text)
        if tok.kind == "ref":
            self.take()
            return ("ref", tok.text)
        if tok.kind == "lastsaved":
            self.take()
            return ("last_saved", tok.text)
        if tok.kind == "op" and tok.text == "(":
            self.take()
            self.deeper()
            node = self.or_()
            if not self.is_op(")"):
                raise self.error("forms.error.expr_expected_close")
            self.take()
            self.depth -= 1
            return node
        if tok.kind == "name" and tok.text not in KEYWORDS and self.ahead().text == "(":
            self.take()
            self.take()
            self.deeper()
            args: list[Node] = []
            if not self.is_op(")"):
                args.append(self.or_())
                while self.is_op(","):
                    self.take()
                    args.append(self.or_())
            if not self.is_op(")"):
                raise self.error("forms.error.expr_expected_comma", name=tok.text)
            self.take()
            self.depth -= 1
            name = tok.text
            if name not in FUNCTIONS:
                raise ExpressionError("forms.error.expr_unknown_function", None, name=name, pos=tok.pos + 1,
                                      expr=repr(self.text))
            low, high = FUNCTIONS[name][1]
            if len(args) < low or (high is not None and len(args) > high):
                raise ExpressionError("forms.error.expr_arity", None, name=name, arity=_arity(low, high),
                                      found=len(args), expr=repr(self.text))
            return ("call", name, tuple(args))
        raise self.error("forms.error.expr_expected_value")


def _arity(low: int, high: int | None) -> Message:
    if high is None:
        return Message("forms.word.at_least", {"n": low})
    return Message("forms.word.exactly", {"n": low}) if low == high \
        else Message("forms.word.between", {"low": low, "high": high})


def parse(text: str, columns: bool = False) -> Node:
    """The tree of an expression; raises ExpressionError naming the position of what does not parse.
    With `columns` (a choice_filter), a bare name is a column of the choice being filtered."""
    return _Parser(str(text), columns).parse()


def references(node: Node) -> set[str]:
    """The ${names} an expression reads ('.' is the question itself and not listed)."""
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        kind = n[0]
        if kind == "ref":
            out.add(n[1])
        elif kind == "neg":
            stack.append(n[1])
        else:
            stack += _children(n)
    return out


def _children(n: Node) -> list[Node]:
    kind = n[0]
    if kind == "neg":
        return [n[1]]
    if kind == "bin":
        return [n[2], n[3]]
    if kind == "chain":
        return [n[1], *(x for _, x in n[2])]
    if kind == "call":
        return list(n[2])
    if kind == "path":
        out = [n[1][1], *n[1][2]] if n[1][0] == "expr" else []
        for _, _, predicates in n[2]:
            out.extend(predicates)
        return out
    return []


def last_saved_names(node: Node) -> set[str]:
    """The names an expression reads as ${last-saved#name}."""
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n[0] == "last_saved":
            out.add(n[1])
        stack += _children(n)
    return out


def regex_patterns(node: Node) -> list[str]:
    """The patterns written as text in the expression's regex() calls (checked when the form loads)."""
    out = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n[0] == "call" and n[1] == "regex" and len(n[2]) == 2 and n[2][1][0] == "str":
            out.append(n[2][1][1])
        stack += _children(n)
    return out


def uses_position(node: Node) -> bool:
    """True when the expression depends on where the repeat instance stands (position(), ..)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n[0] == "parent" or (n[0] == "call" and n[1] == "position"):
            return True
        stack += _children(n)
    return False


# --- values -------------------------------------------------------------------------------------------------------

class Nodeset(list):
    """The values of a question across the instances of a repeat (what ${name} means outside the repeat), or of
    the nodes an XPath path reaches; `nodes` holds those nodes, in the same order, when they are known."""

    def __init__(self, values: Any = (), nodes: list | None = None):
        super().__init__(values)
        self.nodes = nodes


class XNode:
    """A node of a secondary instance (a choice list, a CSV or XML file beside the form): an element with a name,
    its text, its children and its parent."""
    __slots__ = ("name", "text", "children", "parent", "index", "choice")

    def __init__(self, name: str, text: str = "", parent: "XNode | None" = None):
        self.name = name
        self.text = text
        self.children: list[XNode] = []
        self.parent = parent
        self.index = 1          # the position among the parent's children of the same name (1-based)
        self.choice: Any = None   # the Choice an `item` of a choice list stands for

    def add(self, name: str, text: str = "") -> "XNode":
        child = XNode(name, text, self)
        child.index = 1 + sum(1 for c in self.children if c.name == name)
        self.children.append(child)
        return child

    def value(self) -> str:
        if not self.children:
            return self.text
        return "".join(c.value() for c in self.children)


def document(root: XNode) -> XNode:
    """The document node above an instance's root element (what instance('…') returns)."""
    doc = XNode("#document")
    doc.children.append(root)
    root.parent = doc
    return doc


class Context(Protocol):
    def ref(self, name: str) -> Any: ...          # a value, or a Nodeset for a question in another repeat
    def current(self) -> Any: ...                 # the value of '.'
    def position(self) -> int: ...                # 1-based instance number of the current repeat (0 outside)
    def lookup(self, list_name: str, column: str, key_column: str, key: Any) -> Any: ...
    def today(self) -> date: ...
    def column(self, name: str) -> Any: ...       # a column of the choice a choice_filter is testing


def _scalar(v: Any) -> Any:
    if isinstance(v, Nodeset):
        return v[0] if v else ""
    return v


def to_number(v: Any) -> float:
    v = _scalar(v)
    if v is None:
        return math.nan
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, dict):
        return math.nan
    if isinstance(v, int):
        return _int_to_float(v)
    if isinstance(v, float):
        return v
    if isinstance(v, datetime):  # whole days since 1970-01-01, as JavaRosa counts a moment (decimal-date-time()
        return float((v.replace(tzinfo=None) - datetime(1970, 1, 1)).days)   # gives the time of day as well)
    if isinstance(v, date):
        return float((v - _EPOCH).days)
    if isinstance(v, list):
        return math.nan
    return _text_to_number(str(v))


# A number written as ODK reads one (JavaRosa): digits with an optional point, a comma read as the point, an
# optional leading minus, spaces around. Not '+3', '1e3', '1_0', '１２', 'Infinity', nor a date: those are NaN.
_NUMBER = re.compile(r"\s*(-?(?:[0-9]+\.?[0-9]*|\.[0-9]+))\s*", re.ASCII)


def _text_to_number(text: str) -> float:
    m = _NUMBER.fullmatch(text.replace(",", "."))
    return float(m.group(1)) if m else math.nan


def to_string(v: Any) -> str:
    v = _scalar(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        v = _int_to_float(v)
    if isinstance(v, float):
        return _java_number(v)
    if isinstance(v, list):
        return " ".join(to_string(x) for x in v)
    if isinstance(v, datetime):   # string() of a moment is its date, as ODK writes it
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def datetime_text(v: datetime) -> str:
    """A moment as ODK writes one: local time to the millisecond with this computer's offset."""
    try:
        local = v.astimezone() if v.tzinfo is None else v
    except (OverflowError, ValueError):
        local = v
    text = local.isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def local_moment(text: str) -> datetime | None:
    """An ISO moment ('2026-11-20T10:20:30', with an offset — '+07:00', 'Z' for UTC — or none) said in this
    computer's time, without an offset; None when this computer cannot say it (beyond its calendar). ValueError:
    `text` is no ISO moment."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        return moment
    try:
        return moment.astimezone().replace(tzinfo=None)
    except (OverflowError, ValueError):
        return None


def to_bool(v: Any) -> bool:
    if isinstance(v, Nodeset):
        return len(v) > 0
    if v is None:
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return not (v == 0 or math.isnan(v))
    if isinstance(v, list):
        return len(v) > 0
    return str(v) != ""


def _java_number(v: float) -> str:
    """A number as ODK's string() writes it: a whole number within 32 bits as an integer, else as Java's
    Double.toString does (1.0E20, 1.0E-4, 1.23456785E7; 0.001 and 1234567.5 as they are)."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v.is_integer() and -2**31 <= v < 2**31:
        return str(int(v))
    if v == 0:
        return "0.0"
    if 1e-3 <= abs(v) < 1e7:
        text = repr(v)
        return text if "." in text else text + ".0"
    digits, exponent = f"{v:.16e}".split("e")
    shortest = repr(v)   # Python's shortest digits, written again in Java's form d.dddE±n
    mantissa = shortest.split("e")[0] if "e" in shortest else None
    if mantissa is None:
        sign = "-" if v < 0 else ""
        plain = shortest.lstrip("-").replace(".", "").lstrip("0").rstrip("0") or "0"
        exp = int(exponent)
        mantissa = sign + plain[0] + "." + (plain[1:] or "0")
    else:
        exp = int(shortest.split("e")[1])
        if "." not in mantissa:
            mantissa += ".0"
    return f"{mantissa}E{exp}"


def _int_to_float(v: int) -> float:
    try:
        return float(v)
    except OverflowError:  # an integer beyond a float's range (10**400)
        return math.inf if v > 0 else -math.inf


# The days from 1970-01-01 that the calendar holds (0001-01-01 … 9999-12-31); a number outside is no date.
_FIRST_DAY = date.min.toordinal() - _EPOCH.toordinal()
_LAST_DAY = date.max.toordinal() - _EPOCH.toordinal()


def _as_date(v: Any) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        v = to_number(v)
        days = math.floor(v) if math.isfinite(v) else None
        if days is None or not _FIRST_DAY <= days <= _LAST_DAY:
            return None
        return _EPOCH + timedelta(days=int(days))
    s = to_string(v).strip()
    if len(s) >= 10:
        try:
            return date.fromisoformat(s[:10])
        except ValueError:
            return None
    return None


def _as_datetime(v: Any) -> datetime | None:
    """A moment from a date (midnight), a datetime, a number of days since 1970-01-01 (the fraction is the time
    of day), or text in ISO form ('2026-01-02', '2026-01-02T10:20:30.5+07:00': a time with an offset is said in
    this computer's time zone)."""
    if isinstance(v, datetime):
        return v
    if isinstance(v, date):
        return datetime(v.year, v.month, v.day)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        day = _as_date(v)
        if day is None:
            return None
        seconds = round((to_number(v) - math.floor(to_number(v))) * 86400, 3)
        return datetime(day.year, day.month, day.day) + timedelta(seconds=seconds)
    text = to_string(v).strip()
    if len(text) < 10:
        return None
    try:
        return local_moment(text)
    except ValueError:
        day = _as_date(text)
        return datetime(day.year, day.month, day.day) if day else None


def _is_numeric(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _compare(op: str, a: Any, b: Any) -> bool:
    if isinstance(a, Nodeset) or isinstance(b, Nodeset):  # XPath: true when any pair compares true
        left = a if isinstance(a, Nodeset) else [a]
        right = b if isinstance(b, Nodeset) else [b]
        return any(_compare(op, x, y) for x in left for y in right)
    if op in ("=", "!="):
        if isinstance(a, bool) or isinstance(b, bool):
            same = to_bool(a) == to_bool(b)
        elif _is_numeric(a) or _is_numeric(b):
            x, y = to_number(a), to_number(b)
            same = x == y
        else:
            same = to_string(a) == to_string(b)
        return same if op == "=" else not same
    x, y = to_number(a), to_number(b)
    if math.isnan(x) or math.isnan(y):
        return False
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def _apply(op: str, a: Any, b: Any) -> Any:
    if op in ("=", "!=", "<", "<=", ">", ">="):
        return _compare(op, a, b)
    x, y = to_number(a), to_number(b)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "div":
        if y == 0:
            return math.nan if x == 0 or math.isnan(x) else math.copysign(math.inf, x) * math.copysign(1, y)
        return x / y
    if op == "mod":
        return math.fmod(x, y) if y != 0 and math.isfinite(x) else math.nan
    raise ExpressionError("forms.error.expr_cannot_evaluate", None, kind=op)


def evaluate(node: Node, ctx: Context) -> Any:
    kind = node[0]
    if kind == "num" or kind == "str":
        return node[1]
    if kind == "ref":
        return ctx.ref(node[1])
    if kind == "last_saved":
        last = getattr(ctx, "last_saved", None)
        return last(node[1]) if last is not None else ""
    if kind == "self":
        frame = _frame(ctx)   # in a condition in brackets, '.' is the node it tests (${sex}[. = 'female'])
        return _node_value(ctx, frame[0]) if frame is not None else ctx.current()
    if kind == "col":
        return ctx.column(node[1])
    if kind == "parent":
        node = _parent_of(ctx, _context_node(ctx))
        return Nodeset([_node_value(ctx, node)], [node]) if node is not None else Nodeset()
    if kind == "path":
        return _eval_path(node, ctx)
    if kind == "neg":
        return -to_number(evaluate(node[1], ctx))
    if kind == "bin":
        op = node[1]
        if op == "and":
            return to_bool(evaluate(node[2], ctx)) and to_bool(evaluate(node[3], ctx))
        if op == "or":
            return to_bool(evaluate(node[2], ctx)) or to_bool(evaluate(node[3], ctx))
        return _apply(op, evaluate(node[2], ctx), evaluate(node[3], ctx))
    if kind == "chain":
        rest = node[2]
        if rest[0][0] in ("and", "or"):  # one level holds one operator: all 'and', or all 'or'
            want = rest[0][0] == "or"
            if to_bool(evaluate(node[1], ctx)) == want:
                return want
            for _, x in rest:
                if to_bool(evaluate(x, ctx)) == want:
                    return want
            return not want
        value = evaluate(node[1], ctx)
        for op, x in rest:
            value = _apply(op, value, evaluate(x, ctx))
        return value
    if kind == "call":
        fn = FUNCTIONS[node[1]][0]
        return fn(ctx, node[2])
    raise ExpressionError("forms.error.expr_cannot_evaluate", None, kind=kind)


# --- functions ----------------------------------------------------------------------------------------------------
# Each takes (context, argument nodes) so if() and coalesce() evaluate only what they need.

def _args(ctx: Context, args: tuple) -> list[Any]:
    return [evaluate(a, ctx) for a in args]


def _selected(ctx: Context, args: tuple) -> bool:
    value, wanted = _args(ctx, args)
    value = _scalar(value)
    items = value if isinstance(value, list) else to_string(value).split()
    return to_string(wanted).strip() in [to_string(i) for i in items]


def _count_selected(ctx: Context, args: tuple) -> float:
    value = _scalar(evaluate(args[0], ctx))
    return float(len(value) if isinstance(value, list) else len(to_string(value).split()))


def _count(ctx: Context, args: tuple) -> float:
    value = evaluate(args[0], ctx)
    if isinstance(value, Nodeset):
        return float(len(value))
    return 0.0 if value in (None, "") else 1.0


def _nodes(value: Any) -> list[Any]:
    return list(value) if isinstance(value, Nodeset) else ([] if value in (None, "") else [value])


def _sum(ctx: Context, args: tuple) -> float:
    total = 0.0
    for v in _nodes(evaluate(args[0], ctx)):
        if v != "":  # an unanswered (or hidden) instance adds nothing
            total += to_number(v)
    return total


def _numbers(ctx: Context, args: tuple) -> list[float]:
    """The numbers among the arguments' values: as ODK's max() and min(), an empty or non-numeric value is
    passed over."""
    values = (to_number(v) for a in args for v in _nodes(evaluate(a, ctx)) if v != "")
    return [v for v in values if not math.isnan(v)]


def _max(ctx: Context, args: tuple) -> float:
    values = _numbers(ctx, args)
    return max(values) if values else math.nan


def _min(ctx: Context, args: tuple) -> float:
    values = _numbers(ctx, args)
    return min(values) if values else math.nan


def _if(ctx: Context, args: tuple) -> Any:
    return evaluate(args[1] if to_bool(evaluate(args[0], ctx)) else args[2], ctx)


def _coalesce(ctx: Context, args: tuple) -> Any:
    for a in args:
        v = _scalar(evaluate(a, ctx))
        if to_string(v) != "":
            return v
    return ""


def _regex(ctx: Context, args: tuple) -> bool:
    """Whether the pattern matches the whole value, as ODK asks it (Java's matches()), in linear time
    (linear_regex): an answer cannot make it run without end. A pattern that cannot be run (one written in the
    form is refused when the form loads) matches nothing."""
    value, pattern = (to_string(v) for v in _args(ctx, args))
    try:
        return linear_regex.fullmatch(pattern, value)
    except linear_regex.PatternError:
        return False


def _int(ctx: Context, args: tuple) -> float:
    x = to_number(evaluate(args[0], ctx))
    return float(math.trunc(x)) if math.isfinite(x) else x


def _round(ctx: Context, args: tuple) -> float:
    x = to_number(evaluate(args[0], ctx))
    d = to_number(evaluate(args[1], ctx)) if len(args) > 1 else 0.0
    if not math.isfinite(x) or not math.isfinite(d):
        return x if math.isfinite(d) else math.nan
    digits = max(-300, min(300, int(d)))
    # XPath rounds half up (towards +∞: round(-2.5) = -2), and ODK does it on the decimal digits Java writes for
    # the number (round(1.005, 2) = 1.01, where the binary 1.00499… would give 1.0).
    exact = Decimal(repr(x)).scaleb(digits) + Decimal("0.5")
    return float(exact.to_integral_value(rounding=ROUND_FLOOR).scaleb(-digits))


def _today(ctx: Context, args: tuple) -> date:
    return ctx.today()


def _date(ctx: Context, args: tuple) -> Any:
    d = _as_date(_scalar(evaluate(args[0], ctx)))
    return d if d else ""


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _format_date(ctx: Context, args: tuple) -> str:
    """ODK's format-date / format-date-time codes: %Y %y %m %n %b %d %e %a, and for the time %H %h %M %S %3.
    An unknown code stays as written (ODK stops the form with an error)."""
    value, fmt = _args(ctx, args)
    moment = _as_datetime(_scalar(value))
    if moment is None:
        return ""
    m = moment
    codes = {"Y": f"{m.year:04d}", "y": f"{m.year % 100:02d}", "m": f"{m.month:02d}", "n": str(m.month),
             "b": _MONTHS[m.month - 1], "d": f"{m.day:02d}", "e": str(m.day), "a": _DAYS[m.weekday()],
             "H": f"{m.hour:02d}", "h": str(m.hour), "M": f"{m.minute:02d}", "S": f"{m.second:02d}",
             "3": f"{m.microsecond // 1000:03d}"}
    return re.sub(r"%(.)", lambda c: codes.get(c.group(1), c.group(0)), to_string(fmt))


def _position(ctx: Context, args: tuple) -> float:
    """position(): the place of the node being tested in a predicate; position(node): the node's place among its
    siblings of the same name (a repeat instance's number: position(..) in a repeat)."""
    if not args:
        frame = _frame(ctx)
        if frame is not None:
            return float(frame[1])
    else:
        value = evaluate(args[0], ctx)
        nodes = getattr(value, "nodes", None)
        if nodes:
            return float(_node_position(ctx, nodes[0]))
        if isinstance(value, Nodeset) and nodes is not None:
            return math.nan
    return float(ctx.position())


def _current(ctx: Context, args: tuple) -> Nodeset:
    """current(): the node whose expression this is (in a choice_filter, the question, not the choice)."""
    node = _context_node(ctx, outermost=True)
    return Nodeset([ctx.current()], [node] if node is not None else [])


def _instance(ctx: Context, args: tuple) -> Nodeset:
    """instance('id'): the document node of a secondary instance (its root element is the first step after)."""
    find = getattr(ctx, "instance", None)
    doc = find(to_string(evaluate(args[0], ctx))) if find is not None else None
    return Nodeset([""], [doc]) if doc is not None else Nodeset([], [])


# --- paths ----------------------------------------------------------------------------------------------------------
# Nodes are XNode (secondary instances) or whatever the context gives for the form's own answers (main instance);
# the context navigates those: root(), node(), children(node, name), parent(node), node_value(node),
# node_position(node), and chain() — the main-instance nodes from the document down to the node being computed.

def _frame(ctx: Context) -> tuple | None:
    frames = getattr(ctx, "frames", None)
    return frames[-1] if frames else None


def _context_node(ctx: Context, outermost: bool = False) -> Any:
    frame = None if outermost else _frame(ctx)
    if frame is not None:
        return frame[0]
    get = getattr(ctx, "node", None)
    return get() if get is not None else None


def _children_of(ctx: Context, node: Any, name: str) -> list:
    if isinstance(node, XNode):
        return [c for c in node.children if name == "*" or c.name == name]
    get = getattr(ctx, "children", None)
    return get(node, name) if get is not None and node is not None else []


def _parent_of(ctx: Context, node: Any) -> Any:
    if isinstance(node, XNode):
        return node.parent
    get = getattr(ctx, "parent", None)
    return get(node) if get is not None and node is not None else None


def _node_value(ctx: Context, node: Any) -> Any:
    if isinstance(node, XNode):
        return node.value()
    get = getattr(ctx, "node_value", None)
    return get(node) if get is not None and node is not None else ""


def _node_position(ctx: Context, node: Any) -> int:
    if isinstance(node, XNode):
        return node.index
    get = getattr(ctx, "node_position", None)
    return get(node) if get is not None else ctx.position()


def _filter(ctx: Context, nodes: list, predicates: tuple) -> list:
    """The nodes each predicate keeps: a number keeps the node at that place, anything else when it is true."""
    for predicate in predicates:
        frames = getattr(ctx, "frames", None)
        if frames is None:
            frames = []
            ctx.frames = frames   # (a context that has none yet)
        kept = []
        size = len(nodes)
        for i, n in enumerate(nodes, start=1):
            frames.append((n, i, size))
            try:
                v = evaluate(predicate, ctx)
            finally:
                frames.pop()
            if _is_numeric(v):
                if v == i:
                    kept.append(n)
            elif to_bool(v):
                kept.append(n)
        nodes = kept
    return nodes


def _eval_path(node: Node, ctx: Context) -> Nodeset:
    start, steps = node[1], node[2]
    chain: list = []
    if start[0] == "root":
        get = getattr(ctx, "root", None)
        nodes = [get()] if get is not None else []
        chain = _chain(ctx, _context_node(ctx)) if get is not None else []
    elif start[0] == "ctx":
        here = _context_node(ctx)
        nodes = [here] if here is not None else []
    else:
        value = evaluate(start[1], ctx)
        nodes = list(getattr(value, "nodes", None) or [])
        nodes = _filter(ctx, nodes, start[2])
    aligned = bool(chain)
    for depth, (axis, name, predicates) in enumerate(steps, start=1):
        found: list = []
        for n in nodes:
            if axis == "self":
                candidates = [n]
            elif axis == "parent":
                p = _parent_of(ctx, n)
                candidates = [p] if p is not None else []
            elif aligned and not predicates and depth < len(chain) and _named(ctx, chain[depth], name):
                # as JavaRosa contextualises an absolute path: a repeat the node being computed lies in is that
                # node's own instance ('/data/rep/x' inside rep[2] is rep[2]/x)
                candidates = [chain[depth]]
            else:
                candidates = _children_of(ctx, n, name)
            found.extend(_filter(ctx, candidates, predicates))
        if axis != "child" or predicates or not (depth < len(chain) and found == [chain[depth]]):
            aligned = False
        nodes = list(dict.fromkeys(found)) if len(found) > 1 else found
    return Nodeset([_node_value(ctx, n) for n in nodes], nodes)


def _chain(ctx: Context, node: Any) -> list:
    """The nodes from the document down to `node` (none for a secondary instance's node): what an absolute path
    is contextualised against, as JavaRosa does — the node being computed, or in a condition the node it tests."""
    if node is None or isinstance(node, XNode):
        return []
    out = [node]
    while True:
        node = _parent_of(ctx, node)
        if node is None:
            return list(reversed(out))
        out.append(node)


def _named(ctx: Context, node: Any, name: str) -> bool:
    return name == "*" or node in _children_of(ctx, _parent_of(ctx, node), name)


def _pulldata(ctx: Context, args: tuple) -> Any:
    list_name, column, key_column, key = _args(ctx, args)
    return ctx.lookup(to_string(list_name), to_string(column), to_string(key_column), to_string(key))


def _concat(ctx: Context, args: tuple) -> str:
    if len(args) == 1:   # concat(${q}) of a repeat's question: every instance's value, as ODK joins them
        return "".join(to_string(v) for v in _all_values(ctx, args))
    return "".join(to_string(v) for v in _args(ctx, args))


def _substr(ctx: Context, args: tuple) -> str:
    vals = _args(ctx, args)
    s = to_string(vals[0])
    start, end = to_number(vals[1]), to_number(vals[2]) if len(vals) > 2 else math.inf
    if math.isnan(start) or math.isnan(end):
        return ""
    first = max(0, int(start)) if math.isfinite(start) else (0 if start < 0 else len(s))
    last = int(end) if math.isfinite(end) else (len(s) if end > 0 else 0)
    return s[first:last]


def _translate_bool(fn: Callable[[Any], Any]) -> Callable[[Context, tuple], Any]:
    return lambda ctx, args: fn(evaluate(args[0], ctx))


def _one(ctx: Context, args: tuple, n: int) -> Any:
    return evaluate(args[n], ctx)


def _text(ctx: Context, args: tuple, n: int) -> str:
    return to_string(evaluate(args[n], ctx))


def _num(ctx: Context, args: tuple, n: int) -> float:
    return to_number(evaluate(args[n], ctx))


def _all_values(ctx: Context, args: tuple) -> list[Any]:
    """The arguments' values, a nodeset's one by one."""
    out: list[Any] = []
    for a in args:
        v = evaluate(a, ctx)
        out.extend(v if isinstance(v, Nodeset) else [v])
    return out


def _math(fn: Callable[..., float], arity: int = 1) -> Callable[[Context, tuple], float]:
    """A math function as Java's Math gives it: NaN where it has no value (sqrt(-1), log(-1)), ±Infinity at the
    poles (log(0)), never an exception."""
    def call(ctx: Context, args: tuple) -> float:
        xs = [_num(ctx, args, i) for i in range(arity)]
        try:
            return fn(*xs)
        except ValueError:
            if fn in (math.log, math.log10) and xs[0] == 0:
                return -math.inf
            return math.nan
        except OverflowError:
            return math.inf
    return call


def _pow(ctx: Context, args: tuple) -> float:
    x, y = _num(ctx, args, 0), _num(ctx, args, 1)
    try:
        result = math.pow(x, y)
    except ValueError:
        return math.nan
    except OverflowError:
        return math.inf if x > 0 or float(y).is_integer() and int(y) % 2 == 0 else -math.inf
    return result


def _count_non_empty(ctx: Context, args: tuple) -> float:
    return float(sum(1 for v in _all_values(ctx, args) if to_string(v) != ""))


def _selected_at(ctx: Context, args: tuple) -> str:
    value = _scalar(_one(ctx, args, 0))
    items = value if isinstance(value, list) else to_string(value).split()
    n = _num(ctx, args, 1)
    return to_string(items[int(n)]) if math.isfinite(n) and 0 <= n < len(items) else ""


def _choice_name(ctx: Context, args: tuple) -> str:
    """jr:choice-name(value, '${question}'): the label of that choice of the question's list, in the language the
    form is shown in."""
    value = to_string(_scalar(_one(ctx, args, 0)))
    where = _text(ctx, args, 1)
    m = re.search(r"\$\{\s*([^}\s]+)\s*\}", where)
    name = m.group(1) if m else where.rstrip("/").split("/")[-1]
    label = getattr(ctx, "choice_label", None)
    return label(name, value) if label is not None and value != "" else ""


def _indexed_repeat(ctx: Context, args: tuple) -> Any:
    """indexed-repeat(${question}, ${repeat}, n[, ${inner repeat}, m[, …]]): the question's value in the n-th
    instance of the repeat (and the m-th of the repeat inside it…); a repeat not named is the one the expression
    stands in."""
    node = args[0]
    indexed = getattr(ctx, "indexed", None)
    if node[0] != "ref" or indexed is None or len(args) % 2 == 0:
        return ""
    where = {}
    for rep, n in zip(args[1::2], args[2::2]):
        number = to_number(evaluate(n, ctx))
        if rep[0] != "ref" or not math.isfinite(number):
            return ""
        where[rep[1]] = int(number)
    return indexed(node[1], where)


def _join(ctx: Context, args: tuple) -> str:
    sep = _text(ctx, args, 0)
    return sep.join(to_string(v) for v in _all_values(ctx, args[1:]))


def _once(ctx: Context, args: tuple) -> Any:
    """The value the question already has, or the expression's when it has none (evaluated once, as ODK)."""
    current = ctx.current()
    return current if to_string(current) != "" else _one(ctx, args, 0)


def _uuid(ctx: Context, args: tuple) -> str:
    if not args:
        return str(uuidlib.uuid4())
    n = _num(ctx, args, 0)
    length = int(n) if math.isfinite(n) and 0 < n <= 1000 else 0
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


_DIGESTS = {"md5": "md5", "sha-1": "sha1", "sha-256": "sha256", "sha-384": "sha384", "sha-512": "sha512"}


def _digest(ctx: Context, args: tuple) -> str:
    message, algorithm = _text(ctx, args, 0), _text(ctx, args, 1).lower()
    encoding = _text(ctx, args, 2).lower() if len(args) > 2 else "base64"
    if algorithm not in _DIGESTS or encoding not in ("base64", "hex"):
        return ""
    raw = hashlib.new(_DIGESTS[algorithm], message.encode("utf-8")).digest()
    return raw.hex() if encoding == "hex" else base64.b64encode(raw).decode("ascii")


def _base64_decode(ctx: Context, args: tuple) -> str:
    try:
        return base64.b64decode(_text(ctx, args, 0), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return ""


def _now(ctx: Context, args: tuple) -> datetime:
    now = getattr(ctx, "now", None)
    return now() if now is not None else datetime.now()


def _date_time(ctx: Context, args: tuple) -> Any:
    moment = _as_datetime(_scalar(_one(ctx, args, 0)))
    return moment if moment is not None else ""


def _decimal_date_time(ctx: Context, args: tuple) -> float:
    moment = _as_datetime(_scalar(_one(ctx, args, 0)))
    if moment is None:
        return math.nan
    since = moment.replace(tzinfo=None) - datetime(1970, 1, 1)   # days since 1970-01-01, the time as the fraction
    return since.days + since.seconds / 86400 + since.microseconds / 86_400_000_000


def _decimal_time(ctx: Context, args: tuple) -> float:
    moment = _as_datetime(_scalar(_one(ctx, args, 0)))
    if moment is None:
        return math.nan
    return (moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6) / 86400


def _checklist(ctx: Context, args: tuple) -> bool:
    """checklist(min, max, v…): how many of the values are true lies between min and max (-1: no bound)."""
    low, high = _num(ctx, args, 0), _num(ctx, args, 1)
    count = sum(1 for v in _all_values(ctx, args[2:]) if to_bool(v))
    return (low < 0 or count >= low) and (high < 0 or count <= high)


def _weighted_checklist(ctx: Context, args: tuple) -> bool:
    low, high = _num(ctx, args, 0), _num(ctx, args, 1)
    rest = args[2:]
    total = 0.0
    for i in range(0, len(rest) - 1, 2):
        if to_bool(evaluate(rest[i], ctx)):
            total += to_number(evaluate(rest[i + 1], ctx))
    return (low < 0 or total >= low) and (high < 0 or total <= high)


def _substring_before(ctx: Context, args: tuple) -> str:
    s, t = _text(ctx, args, 0), _text(ctx, args, 1)
    i = s.find(t)
    return s[:i] if i >= 0 and t else ""


def _substring_after(ctx: Context, args: tuple) -> str:
    s, t = _text(ctx, args, 0), _text(ctx, args, 1)
    i = s.find(t)
    return s[i + len(t):] if i >= 0 else ""


def _translate(ctx: Context, args: tuple) -> str:
    s, source, target = _text(ctx, args, 0), _text(ctx, args, 1), _text(ctx, args, 2)
    table: dict[str, str | None] = {}
    for i, c in enumerate(source):
        table.setdefault(c, target[i] if i < len(target) else None)
    return "".join(c if c not in table else (table[c] or "") for c in s)


def _itext(ctx: Context, args: tuple) -> str:
    """jr:itext(id): a translated text by its id (a choice's label in a translated list) in the language shown."""
    find = getattr(ctx, "itext", None)
    return find(_text(ctx, args, 0)) if find is not None else ""


def _boolean_from_string(ctx: Context, args: tuple) -> bool:
    return _text(ctx, args, 0).strip() in ("true", "1")


FUNCTIONS: dict[str, tuple[Callable[[Context, tuple], Any], tuple[int, int | None]]] = {
    "if": (_if, (3, 3)),
    "selected": (_selected, (2, 2)),
    "count-selected": (_count_selected, (1, 1)),
    "count": (_count, (1, 1)),
    "sum": (_sum, (1, 1)),
    "max": (_max, (1, None)),
    "min": (_min, (1, None)),
    "string-length": (lambda ctx, a: float(len(to_string(evaluate(a[0], ctx)))), (1, 1)),
    "regex": (_regex, (2, 2)),
    "today": (_today, (0, 0)),
    "date": (_date, (1, 1)),
    "format-date": (_format_date, (2, 2)),
    "int": (_int, (1, 1)),
    "round": (_round, (1, 2)),
    "coalesce": (_coalesce, (2, None)),
    "position": (_position, (0, 1)),
    "current": (_current, (0, 0)),
    "instance": (_instance, (1, 1)),
    "not": (lambda ctx, a: not to_bool(evaluate(a[0], ctx)), (1, 1)),
    "true": (lambda ctx, a: True, (0, 0)),
    "false": (lambda ctx, a: False, (0, 0)),
    "boolean": (_translate_bool(to_bool), (1, 1)),
    "number": (_translate_bool(to_number), (1, 1)),
    "string": (_translate_bool(to_string), (1, 1)),
    "concat": (_concat, (1, None)),
    "contains": (lambda ctx, a: to_string(evaluate(a[1], ctx)) in to_string(evaluate(a[0], ctx)), (2, 2)),
    "starts-with": (lambda ctx, a: to_string(evaluate(a[0], ctx)).startswith(to_string(evaluate(a[1], ctx))),
                    (2, 2)),
    "substr": (_substr, (2, 3)),
    "abs": (lambda ctx, a: abs(to_number(evaluate(a[0], ctx))), (1, 1)),
    "pulldata": (_pulldata, (4, 4)),
    "now": (_now, (0, 0)),
    "ends-with": (lambda ctx, a: _text(ctx, a, 0).endswith(_text(ctx, a, 1)), (2, 2)),
    "substring-before": (_substring_before, (2, 2)),
    "substring-after": (_substring_after, (2, 2)),
    "translate": (_translate, (3, 3)),
    "normalize-space": (lambda ctx, a: " ".join(_text(ctx, a, 0).split()), (1, 1)),
    "count-non-empty": (_count_non_empty, (1, 1)),
    "selected-at": (_selected_at, (2, 2)),
    "jr:choice-name": (_choice_name, (2, 2)),
    "jr:itext": (_itext, (1, 1)),
    "indexed-repeat": (_indexed_repeat, (3, 7)),
    "join": (_join, (2, None)),
    "once": (_once, (1, 1)),
    "uuid": (_uuid, (0, 1)),
    "digest": (_digest, (2, 3)),
    "base64-decode": (_base64_decode, (1, 1)),
    "random": (lambda ctx, a: random.random(), (0, 0)),
    "boolean-from-string": (_boolean_from_string, (1, 1)),
    "date-time": (_date_time, (1, 1)),
    "decimal-date-time": (_decimal_date_time, (1, 1)),
    "decimal-time": (_decimal_time, (1, 1)),
    "format-date-time": (_format_date, (2, 2)),
    "checklist": (_checklist, (2, None)),
    "weighted-checklist": (_weighted_checklist, (2, None)),
    "pow": (_pow, (2, 2)),
    "log": (_math(math.log), (1, 1)),
    "log10": (_math(math.log10), (1, 1)),
    "exp": (_math(math.exp), (1, 1)),
    "exp10": (_math(lambda x: math.pow(10, x)), (1, 1)),
    "sqrt": (_math(math.sqrt), (1, 1)),
    "sin": (_math(math.sin), (1, 1)),
    "cos": (_math(math.cos), (1, 1)),
    "tan": (_math(math.tan), (1, 1)),
    "asin": (_math(math.asin), (1, 1)),
    "acos": (_math(math.acos), (1, 1)),
    "atan": (_math(math.atan), (1, 1)),
    "atan2": (_math(math.atan2, 2), (2, 2)),
    "pi": (lambda ctx, a: math.pi, (0, 0)),
}
