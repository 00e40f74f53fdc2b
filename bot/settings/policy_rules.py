"""The `[[policy.rules]]` list: per package, branch, kind and target, where changes go and
when the bot acts on them (see `bot/domain/policy_rules.py` for how rules combine)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta

from bot.domain.model import Kind, Target
from bot.domain.policy_rules import PolicyRule
from bot.settings.table import MISSING, Table
from bot.settings.values import boolean, choice, describe, duration, strings, text

_GLOB = re.compile(r"[A-Za-z0-9._+*?\[\]-]+")
_BRANCH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._/-]*")
_EXAMPLE = (
    '[[policy.rules]] with name = "kernel fixes to CentOS Stream first", '
    'packages = ["kernel"], order = ["centos-stream", "fedora"]'
)
_EFFECTS = ("order", "never", "auto_submit", "grace_period", "reminder_cadence", "submit_after")
_YEAR = timedelta(days=366)


def parse_policy_rules(table: Table) -> tuple[PolicyRule, ...]:
    """The rules in file order; a rule with problems is left out (the problems are kept)."""
    value = table.raw("rules")
    if value is MISSING:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        table.problem("rules", f"expected an array of tables, got {describe(value)}",
                      f"write {_EXAMPLE}")
        return ()
    found = []
    for index, item in enumerate(value):
        rule = _parse_rule(Table(item, path=f"{table.key('rules')}[{index}]",
                                 problems=table.problems))
        if rule is not None:
            found.append(rule)
    return tuple(found)


def _parse_rule(table: Table) -> PolicyRule | None:
    before = len(table.problems)
    targets = strings(choice(Target), example='["fedora", "project"]')
    name = table.require("name", text(example='"why this rule exists"'),
                         example='"kernel fixes to CentOS Stream first"')
    packages = table.get("packages", strings(
        text(example='"kernel*"', pattern=_GLOB, expected="a package name or glob"),
        example='["kernel", "kernel-*"]'), default=())
    branches = table.get("branches", strings(
        text(example='"a9"', pattern=_BRANCH, expected="a branch name"), example='["a9"]'),
        default=())
    kinds = table.get("kinds", strings(choice(Kind), example='["bugfix", "security"]'),
                      default=())
    words = table.get("words", strings(text(example='"epel"'), example='["epel"]'), default=())
    target = table.optional("target", choice(Target))
    order = table.optional("order", targets)
    never = table.get("never", targets, default=())
    auto_submit = table.optional("auto_submit", boolean)
    span = duration(minimum=timedelta(0), maximum=_YEAR)
    grace = table.optional("grace_period", span)
    cadence = table.optional("reminder_cadence", duration(minimum=timedelta(days=1),
                                                          maximum=_YEAR))
    after = table.optional("submit_after", span)
    table.finish()
    if not any(table.has(key) for key in _EFFECTS):
        table.problem("name", "the rule changes nothing",
                      f"set at least one of {', '.join(_EFFECTS)}")
    if target is not None and (order is not None or never):
        table.problem("target", "order and never route the whole change, not one target",
                      "move order and never to a rule without target")
    for both in sorted(set(order or ()) & set(never or ())):
        table.problem("never", f'"{both}" is also in order', "remove it from one of the two")
    if len(table.problems) > before:
        return None
    return PolicyRule(
        name=name, packages=packages, branches=branches, kinds=tuple(Kind(k) for k in kinds),
        words=words, target=Target(target) if target else None,
        order=tuple(Target(t) for t in order) if order is not None else None,
        never=tuple(Target(t) for t in never), auto_submit=auto_submit, grace_period=grace,
        reminder_cadence=cadence, submit_after=after,
    )
