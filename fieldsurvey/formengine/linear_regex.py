"""Regular expressions for XLSForm's `regex(value, pattern)`, matched in linear time.

ODK evaluates `regex()` with Java's engine. Python's `re` backtracks: `regex(., '^(a+)+$')` against forty "a"s and a
"!" runs for hours, so an enumerator's answer could freeze the app. Here a pattern is compiled to a small program
and run as a Pike VM (Thompson's construction, all alternatives advanced together): the time is at most the
answer's length times the program's size, whatever the pattern.

The syntax is Java's as forms use it: literals and escapes (`\\d \\D \\w \\W \\s \\S \\t \\n \\r \\f \\xhh \\uhhhh`,
an escaped metacharacter), `.`, classes `[a-z0-9_]` and `[^…]` (escapes inside), `\\p{L}`-style Unicode classes
(L, Lu, Ll, Lt, Lm, Lo, N, Nd, P, S, Z and `Is…`/`In…` spellings of them), anchors `^ $ \\A \\z \\Z \\b \\B`, groups
`(…)`, `(?:…)`, `(?<name>…)`, alternation `|`, quantifiers `* + ? {n} {n,} {n,m}` (lazy `?` and possessive `+`
suffixes are read and match as greedy: only whether the pattern matches is asked), and the flag `(?i)`.
As in Java, `\\d`, `\\w`, `\\s` and `\\b` are ASCII, and `.` stops at a line end. Not supported, refused as
`PatternError`: back-references, look-ahead and look-behind, class intersections, other inline flags.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Callable

MAX_PROGRAM = 20_000    # instructions (a counted repetition is written out: 'a{1000}' is 1,000 of them)
MAX_COUNT = 1_000       # the largest n in {n} / {n,m}

_LINE_ENDS = "\n\r\u0085\u2028\u2029"
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_DIGIT = frozenset("0123456789")
_SPACE = frozenset(" \t\n\x0b\f\r")
_CATEGORIES = {"L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "N", "Nd", "Nl", "No", "P", "S", "Z", "C"}


class PatternError(ValueError):
    """A pattern that does not parse ('malformed'), uses what this engine does not run ('unsupported'), or is too
    long once written out ('too_long'); `pos` is where in the pattern (1-based) and the first argument says what,
    for a developer (the form's messages come from the catalogues by `kind`)."""

    def __init__(self, detail: str, kind: str = "malformed", pos: int = 0):
        super().__init__(detail)
        self.kind = kind
        self.pos = pos


Matcher = Callable[[str], bool]


# --- parsing into a tree ----------------------------------------------------------------------------------------
# ("set", matcher) ("cat", [nodes]) ("alt", [nodes]) ("rep", node, min, max|None) ("assert", kind) ("empty",)

class _Parser:
    def __init__(self, pattern: str):
        self.p = pattern
        self.i = 0
        self.icase = False

    def more(self) -> bool:
        return self.i < len(self.p)

    def peek(self) -> str:
        return self.p[self.i] if self.i < len(self.p) else ""

    def take(self) -> str:
        c = self.p[self.i]
        self.i += 1
        return c

    def parse(self) -> tuple:
        if self.p.startswith("(?i)"):
            self.icase = True
            self.i = 4
        node = self.alternation()
        if self.more():
            raise PatternError(f"unbalanced ')' at {self.i + 1}", "malformed", self.i + 1)
        return node

    def alternation(self) -> tuple:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.take()
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else ("alt", branches)

    def sequence(self) -> tuple:
        items = []
        while self.more() and self.peek() not in "|)":
            atom = self.atom()
            items.append(self.quantified(atom))
        if not items:
            return ("empty",)
        return items[0] if len(items) == 1 else ("cat", items)

    def quantified(self, atom: tuple) -> tuple:
        while self.more():
            c = self.peek()
            if c == "*":
                low, high = 0, None
            elif c == "+":
                low, high = 1, None
            elif c == "?":
                low, high = 0, 1
            elif c == "{" and self._counted():
                self.take()
                low, high = self._count()
                self._suffix()
                atom = self._rep(atom, low, high)
                continue
            else:
                return atom
            self.take()
            self._suffix()
            atom = self._rep(atom, low, high)
        return atom

    def _rep(self, atom: tuple, low: int, high: int | None) -> tuple:
        if atom[0] == "assert":
            return atom  # a quantified anchor is the anchor (or nothing): matching is the same or looser
        return ("rep", atom, low, high)

    def _suffix(self) -> None:
        if self.peek() in ("?", "+"):  # lazy or possessive: the same answer to "does it match"
            self.take()

    def _counted(self) -> bool:
        j = self.i + 1
        k = j
        while k < len(self.p) and (self.p[k].isdigit() or self.p[k] == ","):
            k += 1
        body = self.p[j:k]
        return k < len(self.p) and self.p[k] == "}" and body[:1].isdigit() and body.count(",") <= 1

    def _count(self) -> tuple[int, int | None]:
        start = self.i  # (just after the '{': its position counted from 1)
        end = self.p.index("}", self.i)
        body = self.p[self.i:end]
        self.i = end + 1
        low_text, comma, high_text = body.partition(",")
        low = int(low_text)
        high = int(high_text) if high_text else (None if comma else low)
        if low > MAX_COUNT or (high is not None and high > MAX_COUNT):
            raise PatternError(f"a repetition count above {MAX_COUNT}", "malformed", start)
        if high is not None and high < low:
            raise PatternError(f"the repetition {{{body}}} counts down", "malformed", start)
        return low, high

    def atom(self) -> tuple:
        c = self.take()
        if c == "(":
            return self.group()
        if c == "[":
            return ("set", self.klass())
        if c == ".":
            return ("set", lambda ch: ch not in _LINE_ENDS)
        if c == "^":
            return ("assert", "start")
        if c == "$":
            return ("assert", "end_or_line")
        if c == "\\":
            node = self.escape(in_class=False)
            return ("set", self._literal(node[1])) if node[0] == "lit" else node
        if c in "*+?":
            raise PatternError(f"nothing to repeat at {self.i}", "malformed", self.i)
        if c == "{" and self._counted_at(self.i - 1):
            raise PatternError(f"nothing to repeat at {self.i}", "malformed", self.i)
        return ("set", self._literal(c))

    def _counted_at(self, j: int) -> bool:
        keep = self.i
        self.i = j
        try:
            return self._counted()
        finally:
            self.i = keep

    def _literal(self, c: str) -> Matcher:
        if self.icase and c.lower() != c.upper():
            low, up = c.lower(), c.upper()
            return lambda ch: ch == low or ch == up or ch.lower() == low
        return lambda ch: ch == c

    def group(self) -> tuple:
        start = self.i  # (just after the '(': its position counted from 1)
        if self.peek() == "?":
            self.take()
            kind = self.take() if self.more() else ""
            if kind == ":":
                pass
            elif kind == "<" and self.peek() not in ("=", "!"):
                while self.more() and self.peek() != ">":
                    self.take()
                if not self.more():
                    raise PatternError("an unfinished group name", "malformed", start)
                self.take()
            elif kind in ("=", "!") or (kind == "<" and self.peek() in ("=", "!")):
                raise PatternError("look-ahead and look-behind are not supported", "unsupported", start)
            else:
                raise PatternError(f"the group '(?{kind}' is not supported", "unsupported", start)
        node = self.alternation()
        if self.peek() != ")":
            raise PatternError("a '(' without its ')'", "malformed", start)
        self.take()
        return node

    def escape(self, in_class: bool) -> tuple:
        """('set', matcher) for a class (\\d, \\p{L}), ('lit', char) for one character, ('assert', kind) for an
        anchor."""
        start = self.i  # (just after the backslash: its position counted from 1)
        if not self.more():
            raise PatternError("a pattern ending in '\\'", "malformed", start)
        c = self.take()
        classes = {"d": lambda ch: ch in _DIGIT, "D": lambda ch: ch not in _DIGIT,
                   "w": lambda ch: ch in _WORD, "W": lambda ch: ch not in _WORD,
                   "s": lambda ch: ch in _SPACE, "S": lambda ch: ch not in _SPACE}
        if c in classes:
            return ("set", classes[c])
        if c in ("p", "P"):
            match = self._property(start)
            return ("set", match if c == "p" else (lambda ch: not match(ch)))
        if not in_class:
            anchors = {"b": "word", "B": "not_word", "A": "start", "z": "end", "Z": "end_or_line"}
            if c in anchors:
                return ("assert", anchors[c])
        if c.isdigit() and c != "0":
            raise PatternError("back-references are not supported", "unsupported", start)
        simple = {"t": "\t", "n": "\n", "r": "\r", "f": "\f", "a": "\a", "e": "\x1b"}
        if c in simple:
            return ("lit", simple[c])
        if c in ("x", "u"):
            width = 2 if c == "x" else 4
            digits = self.p[self.i:self.i + width]
            if len(digits) != width or any(d not in "0123456789abcdefABCDEF" for d in digits):
                raise PatternError(f"'\\{c}' needs {width} hexadecimal digits", "malformed", start)
            self.i += width
            return ("lit", chr(int(digits, 16)))
        if c == "0":
            digits = ""
            while len(digits) < 3 and self.more() and self.peek() in "01234567":
                digits += self.take()
            if not digits:
                raise PatternError("'\\0' needs an octal number", "malformed", start)
            return ("lit", chr(int(digits, 8)))
        if c.isalnum():
            raise PatternError(f"'\\{c}' is not supported", "unsupported", start)
        return ("lit", c)

    def _property(self, start: int) -> Matcher:
        if self.peek() == "{":
            end = self.p.find("}", self.i)
            if end < 0:
                raise PatternError("an unfinished '\\p{'", "malformed", start)
            name = self.p[self.i + 1:end]
            self.i = end + 1
        else:
            name = self.take() if self.more() else ""
        for prefix in ("Is", "In"):
            if name.startswith(prefix) and name[len(prefix):] in _CATEGORIES:
                name = name[len(prefix):]
        aliases = {"Alpha": "L", "Alphabetic": "L", "IsAlphabetic": "L", "Digit": "Nd", "IsDigit": "Nd",
                   "Letter": "L", "IsLetter": "L", "Punct": "P", "Upper": "Lu", "Lower": "Ll"}
        name = aliases.get(name, name)
        if name not in _CATEGORIES:
            raise PatternError(f"the class '\\p{{{name}}}' is not supported", "unsupported", start)
        if len(name) == 1:
            return lambda ch: unicodedata.category(ch)[0] == name
        return lambda ch: unicodedata.category(ch) == name

    def klass(self) -> Matcher:
        start = self.i  # (just after the '[': its position counted from 1)
        negated = False
        if self.peek() == "^":
            self.take()
            negated = True
        singles: set[str] = set()
        ranges: list[tuple[str, str]] = []
        tests: list[Matcher] = []
        first = True
        while True:
            if not self.more():
                raise PatternError("a '[' without its ']'", "malformed", start)
            c = self.take()
            if c == "]" and not first:
                break
            first = False
            if c == "[" or (c == "&" and self.peek() == "&"):
                raise PatternError("nested classes and class intersections are not supported", "unsupported", start)
            if c == "\\":
                node = self.escape(in_class=True)
                if node[0] == "set":
                    tests.append(node[1])
                    continue
                c = node[1]
            if self.peek() == "-" and self.i + 1 < len(self.p) and self.p[self.i + 1] != "]":
                self.take()
                end = self.take()
                if end == "\\":
                    node = self.escape(in_class=True)
                    if node[0] != "lit":
                        raise PatternError("a range ending in a class", "malformed", start)
                    end = node[1]
                if end < c:
                    raise PatternError(f"the range {c}-{end} runs backwards", "malformed", start)
                ranges.append((c, end))
            else:
                singles.add(c)
        icase = self.icase
        frozen = frozenset(singles)
        pairs = tuple(ranges)
        checks = tuple(tests)

        def member(ch: str) -> bool:
            if ch in frozen or any(a <= ch <= b for a, b in pairs) or any(t(ch) for t in checks):
                return True
            if icase:
                for other in {ch.lower(), ch.upper()} - {ch}:
                    if other in frozen or any(a <= other <= b for a, b in pairs):
                        return True
            return False
        return (lambda ch: not member(ch)) if negated else member


# --- compiling and running ----------------------------------------------------------------------------------------
# Instructions: ("char", matcher) ("split", a, b) ("jmp", a) ("assert", kind) ("match",)

def _emit(node: tuple, prog: list) -> None:
    if len(prog) > MAX_PROGRAM:
        raise PatternError(f"the pattern is longer than {MAX_PROGRAM} steps once its repetitions are written out",
                           "too_long")
    kind = node[0]
    if kind == "set":
        prog.append(("char", node[1]))
    elif kind == "empty":
        pass
    elif kind == "assert":
        prog.append(("assert", node[1]))
    elif kind == "cat":
        for n in node[1]:
            _emit(n, prog)
    elif kind == "alt":
        jumps = []
        branches = node[1]
        for k, branch in enumerate(branches):
            if k < len(branches) - 1:
                split = len(prog)
                prog.append(None)
                _emit(branch, prog)
                jumps.append(len(prog))
                prog.append(None)
                prog[split] = ("split", split + 1, len(prog))
            else:
                _emit(branch, prog)
        for j in jumps:
            prog[j] = ("jmp", len(prog))
    elif kind == "rep":
        _, sub, low, high = node
        for _ in range(low):
            _emit(sub, prog)
        if high is None:
            start = len(prog)
            prog.append(None)
            _emit(sub, prog)
            prog.append(("jmp", start))
            prog[start] = ("split", start + 1, len(prog))
        else:
            splits = []
            for _ in range(high - low):
                splits.append(len(prog))
                prog.append(None)
                _emit(sub, prog)
            for s in splits:
                prog[s] = ("split", s + 1, len(prog))
    else:  # pragma: no cover - the parser makes no other node
        raise PatternError(f"cannot compile {kind}")


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> tuple:
    """The program of a pattern (cached); PatternError when it cannot be run here."""
    parser = _Parser(pattern)
    tree = parser.parse()
    prog: list = []
    _emit(tree, prog)
    prog.append(("match",))
    if len(prog) > MAX_PROGRAM:
        raise PatternError(f"the pattern is longer than {MAX_PROGRAM} steps once its repetitions are written out",
                           "too_long")
    return tuple(prog)


def _holds(kind: str, text: str, pos: int) -> bool:
    n = len(text)
    if kind == "start":
        return pos == 0
    if kind == "end":
        return pos == n
    if kind == "end_or_line":  # Java's $ without MULTILINE: the end, or before a line end that ends the text
        if pos == n:
            return True
        rest = text[pos:]
        return rest in ("\n", "\r\n", "\r", "\u0085", "\u2028", "\u2029")
    before = pos > 0 and text[pos - 1] in _WORD
    after = pos < n and text[pos] in _WORD
    return (before != after) if kind == "word" else (before == after)


def search(pattern: str, text: str) -> bool:
    """True when `pattern` matches somewhere in `text` (Java's Matcher.find()); PatternError for a bad pattern.
    Time: at most len(text) × the program's length."""
    return _run(pattern, text, anywhere=True)


def fullmatch(pattern: str, text: str) -> bool:
    """True when `pattern` matches the whole of `text` (Java's Matcher.matches(): what XForms' regex() asks)."""
    return _run(pattern, text, anywhere=False)


def _run(pattern: str, text: str, anywhere: bool) -> bool:
    prog = compile_pattern(pattern)
    n = len(text)

    def closure(starts: list[int], pos: int, out: list[int], seen: set[int]) -> bool:
        """Follow jumps, splits and anchors from `starts` at `pos`: the character steps reached go to `out`;
        True when the program's end is reached (at the text's end, when the whole text must match)."""
        stack = list(reversed(starts))
        done = False
        while stack:
            pc = stack.pop()
            if pc in seen:
                continue
            seen.add(pc)
            ins = prog[pc]
            op = ins[0]
            if op == "char":
                out.append(pc)
            elif op == "match":
                if anywhere or pos == n:
                    return True
            elif op == "jmp":
                stack.append(ins[1])
            elif op == "split":
                stack.append(ins[2])
                stack.append(ins[1])
            elif op == "assert":
                if _holds(ins[1], text, pos):
                    stack.append(pc + 1)
        return done

    current: list[int] = []
    if closure([0], 0, current, set()):
        return True
    for pos in range(n):
        ch = text[pos]
        following = [pc + 1 for pc in current if prog[pc][1](ch)]
        if anywhere:
            following.append(0)  # a match may also start at the next position
        current = []
        if closure(following, pos + 1, current, set()):
            return True
        if not current and not anywhere:
            return False
    return False
