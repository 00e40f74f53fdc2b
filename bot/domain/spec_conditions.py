"""Evaluates RPM `%if` conditions that depend only on distribution macros; the rest stay unknown."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

#: Conditional directives that open a block.
OPENERS = ("%if", "%ifarch", "%ifnarch", "%ifos", "%ifnos")
#: Directives that switch to the next branch of the current block.
SWITCHERS = ("%elif", "%elifarch", "%elifos", "%else")

_DIRECTIVE = re.compile(
    r"^\s*(%(?:if|ifarch|ifnarch|ifos|ifnos|elif|elifarch|elifos|else|endif))\b(.*)$"
)
_EXISTS = re.compile(r"%\{(!?)\?([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]*))?\}")
_PLAIN = re.compile(r"%\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
_COMPARISON = re.compile(r"^\s*(-?\d+)\s*(==|!=|>=|<=|>|<)\s*(-?\d+)\s*$")


@dataclass(frozen=True, slots=True)
class Condition:
    """One enclosing conditional of a line: the directive, its expression, and which branch."""

    directive: str
    expression: str
    line: int
    negated: bool  # True when the line sits in an %else / later %elif branch

    def mentions(self, macro: str) -> bool:
        return re.search(rf"%\{{!?\??{re.escape(macro)}\b", self.expression) is not None


def directive_of(line: str) -> tuple[str, str] | None:
    """The conditional directive a spec line holds and its argument, if any."""
    match = _DIRECTIVE.match(line)
    if not match:
        return None
    argument = match.group(2).split("#", 1)[0].strip()
    return match.group(1), argument


def expand_existence(expression: str, defined: Mapping[str, str]) -> str | None:
    """Expand `%{?x}`, `%{!?x}`, `%{?x:y}`, `%{!?x:y}`; None when another macro remains.

    `%{!?x}` without a body expands to nothing whether or not x is defined, exactly as rpm
    does; specs that write `0%{!?almalinux}` therefore test a constant 0.
    """

    def replace(match: re.Match[str]) -> str:
        negate, name, body = match.group(1) == "!", match.group(2), match.group(3)
        exists = name in defined
        if negate == exists:
            return ""
        if body is not None:
            return body
        return "" if negate else defined[name]

    expanded = _EXISTS.sub(replace, expression)
    if "%" in expanded:
        return None
    return expanded


def evaluate(expression: str, defined: Mapping[str, str]) -> bool | None:
    """Truth of an `%if` expression under the given macros; None when it cannot be known here."""
    return _evaluate_logic(expression, defined)


def _evaluate_logic(text: str, defined: Mapping[str, str]) -> bool | None:
    text = text.strip()
    if not text:
        return None
    if "||" in text:
        parts = [_evaluate_logic(part, defined) for part in text.split("||")]
        if any(part is True for part in parts):
            return True
        return None if any(part is None for part in parts) else False
    if "&&" in text:
        parts = [_evaluate_logic(part, defined) for part in text.split("&&")]
        if any(part is False for part in parts):
            return False
        return None if any(part is None for part in parts) else True
    negate = False
    while text.startswith("!"):
        negate = not negate
        text = text[1:].strip()
    if text.startswith("(") and text.endswith(")"):
        inner = _evaluate_logic(text[1:-1], defined)
        return None if inner is None else inner != negate
    value = _evaluate_atom(text, defined)
    return None if value is None else value != negate


def _evaluate_atom(atom: str, defined: Mapping[str, str]) -> bool | None:
    text = expand_existence(atom, defined)
    if text is None:
        return None
    text = text.strip()
    comparison = _COMPARISON.match(text)
    if comparison:
        left, op, right = int(comparison.group(1)), comparison.group(2), int(comparison.group(3))
        return {
            "==": left == right,
            "!=": left != right,
            ">=": left >= right,
            "<=": left <= right,
            ">": left > right,
            "<": left < right,
        }[op]
    if re.fullmatch(r"-?\d+", text):
        return int(text) != 0
    return None


def branch_truth(conditions: tuple[Condition, ...], defined: Mapping[str, str]) -> bool | None:
    """Whether a line under these conditions is active: False if any is known false."""
    unknown = False
    for condition in conditions:
        if condition.directive in (
            "%ifarch",
            "%ifnarch",
            "%ifos",
            "%ifnos",
            "%elifarch",
            "%elifos",
        ):
            unknown = True
            continue
        value = evaluate(condition.expression, defined)
        if value is None:
            unknown = True
            continue
        if value == condition.negated:
            return False
    return None if unknown else True
