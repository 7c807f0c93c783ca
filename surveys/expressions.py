"""`relevant` and `constraint` expressions: a small XLSForm subset, parsed into an AST, never eval'd.

Grammar (lowest precedence first)::

    expression := and_expr ("or" and_expr)*
    and_expr   := equality ("and" equality)*
    equality   := relation (("=" | "!=") relation)*
    relation   := operand (("<" | "<=" | ">" | ">=") operand)*
    operand    := NUMBER | "-" NUMBER | STRING | "${" NAME "}" | "." | FUNCTION "(" args ")"
                | "(" expression ")"

Functions: `not(x)`, `selected(${q}, 'choice')`, `count-selected(${q})`, `string-length(x)`.

Values follow XLSForm: an unanswered or skipped question reads as ''; a multiple selection reads
as its space-joined choice ids. Comparing '' (or any non-numeric string) with a number is false,
except `!=` which is true; a numeric string compared with a number is compared as a number;
two strings compare lexically.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from surveys.errors import SurveyError

# ---------------------------------------------------------------------------------------------- AST


@dataclass(frozen=True, slots=True)
class Literal:
    value: str | int | float
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Ref:
    """`${name}`: the answer to an earlier question."""

    name: str
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Current:
    """`.`: the answer being validated (constraints only)."""

    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Binary:
    """A comparison (`=`, `!=`, `<`, ...) or a logical `and`/`or`."""

    op: str
    left: Node
    right: Node
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Node, ...]
    position: int = field(default=0, compare=False)


Node = Literal | Ref | Current | Binary | Call

#: Function name → number of arguments.
FUNCTIONS: Mapping[str, int] = {"not": 1, "selected": 2, "count-selected": 1, "string-length": 1}
COMPARISONS = frozenset({"=", "!=", "<", "<=", ">", ">="})


class ExpressionError(SurveyError):
    """A syntax error; `position` is the 0-based offset in the expression text."""

    def __init__(self, message: str, position: int) -> None:
        self.message = message
        self.position = position
        super().__init__(f"{message} (at column {position + 1})")


@dataclass(frozen=True, slots=True)
class Expression:
    """A parsed expression. Equality ignores spacing: it compares the AST."""

    source: str = field(compare=False)
    node: Node

    @property
    def canonical(self) -> str:
        """A normalised rendering, used for structure keys."""
        return unparse(self.node)

    def walk(self) -> Iterator[Node]:
        return walk(self.node)

    @property
    def references(self) -> tuple[Ref, ...]:
        return tuple(node for node in self.walk() if isinstance(node, Ref))

    @property
    def uses_current(self) -> bool:
        return any(isinstance(node, Current) for node in self.walk())


def walk(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, Binary):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, Call):
        for arg in node.args:
            yield from walk(arg)


def unparse(node: Node) -> str:
    if isinstance(node, Literal):
        if isinstance(node.value, str):
            quote = "'" if "'" not in node.value else '"'
            return f"{quote}{node.value}{quote}"
        return repr(node.value)
    if isinstance(node, Ref):
        return f"${{{node.name}}}"
    if isinstance(node, Current):
        return "."
    if isinstance(node, Binary):
        return f"({unparse(node.left)} {node.op} {unparse(node.right)})"
    return f"{node.name}({', '.join(unparse(arg) for arg in node.args)})"


# ----------------------------------------------------------------------------------------- tokenizer

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<ref>\$\{(?P<refname>[^}]*)\})
  | (?P<number>\d+(?:\.\d+)?|\.\d+)
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<op><=|>=|!=|=|<|>)
  | (?P<name>[A-Za-z][A-Za-z0-9_-]*)
  | (?P<punct>[(),.\-])
    """,
    re.VERBOSE,
)
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # ref, number, string, op, name, punct, end
    text: str
    position: int


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            char = source[position]
            if char in "'\"":
                raise ExpressionError("unterminated string", position)
            if source.startswith("${", position):
                raise ExpressionError("unterminated reference, expected '}'", position)
            raise ExpressionError(f"unexpected character {char!r}", position)
        kind = match.lastgroup  # for ${...} this is the outer group, "ref"
        assert kind is not None
        if kind == "ref":
            name = match.group("refname").strip()
            if not _IDENTIFIER.match(name):
                raise ExpressionError(f"invalid question reference ${{{name}}}", position)
            tokens.append(_Token("ref", name, position))
        elif kind != "space":
            tokens.append(_Token(kind, match.group(), position))
        position = match.end()
    tokens.append(_Token("end", "", len(source)))
    return tokens


# -------------------------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = _tokenize(source)
        self.index = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, text: str) -> _Token:
        if self.token.text != text or self.token.kind not in ("punct", "op"):
            raise ExpressionError(f"expected '{text}', found {_describe(self.token)}", self.token.position)
        return self.advance()

    def parse(self) -> Node:
        node = self.logical("or", self.and_expr)
        if self.token.kind != "end":
            raise ExpressionError(f"unexpected {_describe(self.token)}", self.token.position)
        return node

    def and_expr(self) -> Node:
        return self.logical("and", self.equality)

    def logical(self, keyword: str, operand: Callable[[], Node]) -> Node:
        node = operand()
        while self.token.kind == "name" and self.token.text == keyword:
            position = self.advance().position
            node = Binary(keyword, node, operand(), position)
        return node

    def equality(self) -> Node:
        return self.comparison(("=", "!="), self.relation)

    def relation(self) -> Node:
        return self.comparison(("<", "<=", ">", ">="), self.operand)

    def comparison(self, ops: tuple[str, ...], operand: Callable[[], Node]) -> Node:
        node = operand()
        while self.token.kind == "op" and self.token.text in ops:
            token = self.advance()
            node = Binary(token.text, node, operand(), token.position)
        return node

    def operand(self) -> Node:
        token = self.advance()
        if token.kind == "number":
            return Literal(_number(token.text), token.position)
        if token.kind == "punct" and token.text == "-" and self.token.kind == "number":
            return Literal(-_number(self.advance().text), token.position)
        if token.kind == "string":
            return Literal(token.text[1:-1], token.position)
        if token.kind == "ref":
            return Ref(token.text, token.position)
        if token.kind == "punct" and token.text == ".":
            return Current(token.position)
        if token.kind == "punct" and token.text == "(":
            node = self.logical("or", self.and_expr)
            self.expect(")")
            return node
        if token.kind == "name":
            return self.call(token)
        raise ExpressionError(f"unexpected {_describe(token)}", token.position)

    def call(self, token: _Token) -> Node:
        if self.token.text != "(":
            if token.text in ("and", "or"):
                raise ExpressionError(f"'{token.text}' needs something on its left", token.position)
            raise ExpressionError(
                f"unexpected name '{token.text}' (a question reference is written ${{{token.text}}}, "
                f"a text is written between quotes: '{token.text}')",
                token.position,
            )
        if token.text not in FUNCTIONS:
            raise ExpressionError(f"unknown function '{token.text}'", token.position)
        self.advance()
        args: list[Node] = []
        if self.token.text != ")":
            args.append(self.logical("or", self.and_expr))
            while self.token.text == ",":
                self.advance()
                args.append(self.logical("or", self.and_expr))
        self.expect(")")
        expected = FUNCTIONS[token.text]
        if len(args) != expected:
            plural = "s" if expected != 1 else ""
            raise ExpressionError(
                f"function '{token.text}' takes {expected} argument{plural}, got {len(args)}", token.position
            )
        return Call(token.text, tuple(args), token.position)


def _describe(token: _Token) -> str:
    return "end of expression" if token.kind == "end" else f"'{token.text}'"


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def parse_expression(source: str) -> Expression:
    """Parse `source`; raises ExpressionError with the 0-based position of the mistake."""
    if not source.strip():
        raise ExpressionError("empty expression", 0)
    return Expression(source, _Parser(source).parse())


# ---------------------------------------------------------------------------------------- evaluation

#: What an expression computes: a string, a number, a boolean, or a multiple selection.
Value = str | int | float | bool | tuple[str, ...]
_NUMERIC = re.compile(r"\s*-?(?:\d+(?:\.\d*)?|\.\d+)\s*\Z")


def evaluate(
    expression: Expression,
    answers: Mapping[str, object],
    current: object = None,
    current_id: str | None = None,
) -> bool:
    """Evaluate to a boolean. Never raises: every value has a defined meaning.

    `current` is the answer bound to `.`; a reference to `current_id` also reads it.
    """
    return _truthy(_Evaluator(answers, current, current_id).value(expression.node))


class _Evaluator:
    def __init__(self, answers: Mapping[str, object], current: object, current_id: str | None) -> None:
        self.answers = answers
        self.current = current
        self.current_id = current_id

    def value(self, node: Node) -> Value:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Current):
            return _from_answer(self.current)
        if isinstance(node, Ref):
            if node.name == self.current_id:
                return _from_answer(self.current)
            return _from_answer(self.answers.get(node.name))
        if isinstance(node, Binary):
            if node.op == "and":
                return _truthy(self.value(node.left)) and _truthy(self.value(node.right))
            if node.op == "or":
                return _truthy(self.value(node.left)) or _truthy(self.value(node.right))
            return _compare(node.op, self.value(node.left), self.value(node.right))
        return self.call(node)

    def call(self, node: Call) -> Value:
        args = [self.value(arg) for arg in node.args]
        if node.name == "not":
            return not _truthy(args[0])
        if node.name == "selected":
            return _as_string(args[1]) in _selection(args[0])
        if node.name == "count-selected":
            return len(_selection(args[0]))
        return len(_as_string(args[0]))  # string-length


def _from_answer(answer: object) -> Value:
    if answer is None or isinstance(answer, bool):
        return ""
    if isinstance(answer, str | int | float):
        return answer
    if isinstance(answer, list | tuple):
        return tuple(str(item) for item in answer)
    if isinstance(answer, dict):  # a voice message reads as its file id: answered, not empty
        return str(answer.get("voice", ""))
    return ""


def _selection(value: Value) -> tuple[str, ...]:
    if isinstance(value, tuple):
        return value
    return tuple(_as_string(value).split())


def _as_string(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return " ".join(value)
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError:  # more digits than Python will print; only garbage gets here
            return "inf"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return value


def _as_number(value: Value) -> float | int | None:
    """The numeric value, or None for text that isn't a number (XPath's NaN)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    text = _as_string(value)
    return float(text) if _NUMERIC.match(text) else None


def _truthy(value: Value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0 and not (isinstance(value, float) and math.isnan(value))
    return len(value) > 0


def _compare(op: str, left: Value, right: Value) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        if op in ("=", "!="):
            return (_truthy(left) == _truthy(right)) == (op == "=")
        return _ordered(op, _as_number(left), _as_number(right))
    if isinstance(left, int | float) or isinstance(right, int | float):
        return _ordered(op, _as_number(left), _as_number(right))
    a, b = _as_string(left), _as_string(right)
    return {"=": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _ordered(op: str, a: float | int | None, b: float | int | None) -> bool:
    if a is None or b is None:
        return op == "!="
    return {"=": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
