"""Evaluates an expanded rpm `%if` expression (numbers, quoted strings, ! && || comparisons)."""

from __future__ import annotations

import operator
import re

_TOKEN = re.compile(
    r'\s*(?:(?P<num>\d+)|(?P<str>"[^"]*")|(?P<op>&&|\|\||==|!=|<=|>=|[()!<>+\-*/])|(?P<word>[^\s()!<>=&|"+\-*/]+))'
)

Value = int | str


def evaluate(expression: str) -> bool | None:
    """The truth of `expression`; None when it is not one rpm could evaluate either."""
    tokens = _tokens(expression)
    if not tokens:
        return None
    parser = _Parser(tokens)
    try:
        value = parser.logic()
    except (_Invalid, ZeroDivisionError, RecursionError):
        return None
    if parser.position != len(tokens):
        return None
    return bool(value)


class _Invalid(Exception):
    """The expression has a shape rpm rejects."""


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            return []
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent over rpm's precedence: || < && < comparisons < + - < * / < unary."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.position = 0

    def _peek(self) -> str | None:
        return self.tokens[self.position][1] if self.position < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise _Invalid
        token = self.tokens[self.position]
        self.position += 1
        return token

    def logic(self) -> Value:
        value = self.conjunction()
        while self._peek() == "||":
            self._take()
            right = self.conjunction()
            value = int(bool(value) or bool(right))
        return value

    def conjunction(self) -> Value:
        value = self.comparison()
        while self._peek() == "&&":
            self._take()
            right = self.comparison()
            value = int(bool(value) and bool(right))
        return value

    def comparison(self) -> Value:
        value = self.sum()
        while self._peek() in ("==", "!=", "<", ">", "<=", ">="):
            compare = _COMPARISONS[self._take()[1]]
            right = self.sum()
            if type(value) is not type(right):
                raise _Invalid
            value = int(compare(value, right))
        return value

    def sum(self) -> Value:
        value = self.product()
        while self._peek() in ("+", "-"):
            sign = self._take()[1]
            right = self.product()
            if not isinstance(value, int) or not isinstance(right, int):
                raise _Invalid
            value = value + right if sign == "+" else value - right
        return value

    def product(self) -> Value:
        value = self.unary()
        while self._peek() in ("*", "/"):
            sign = self._take()[1]
            right = self.unary()
            if not isinstance(value, int) or not isinstance(right, int):
                raise _Invalid
            value = value * right if sign == "*" else value // right
        return value

    def unary(self) -> Value:
        following = self._peek()
        if following == "!":
            self._take()
            return int(not self.unary())
        if following == "-":
            self._take()
            value = self.unary()
            if not isinstance(value, int):
                raise _Invalid
            return -value
        if following == "(":
            self._take()
            value = self.logic()
            if self._take()[1] != ")":
                raise _Invalid
            return value
        kind, text = self._take()
        if kind == "num":
            return int(text)
        if kind == "str":
            return text[1:-1]
        # A bare word (an unexpanded macro or a typo): rpm refuses it, so do we.
        raise _Invalid


_COMPARISONS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}
