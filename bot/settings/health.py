"""The [health] section: `[[health.suppress]]` entries that silence one check for one package."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.domain.health import CHECK_IDS, Suppression
from bot.settings.schema import HealthSettings
from bot.settings.table import MISSING, Table
from bot.settings.values import describe, quote, suggest, text

_PACKAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
_BRANCH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._/-]*")
_EXAMPLE = (
    '[[health.suppress]] with package = "grub2", check = "patch-unapplied", '
    'reason = "why it is intended"'
)


def parse_health(top: Table) -> HealthSettings:
    table = top.table("health", example="[health]")
    if table is None:
        return HealthSettings()
    value = table.raw("suppress")
    table.finish()
    if value is MISSING:
        return HealthSettings()
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        table.problem(
            "suppress", f"expected an array of tables, got {describe(value)}", f"write {_EXAMPLE}"
        )
        return HealthSettings()
    found = []
    for index, item in enumerate(value):
        entry = _parse_suppression(
            Table(item, path=f"{table.key('suppress')}[{index}]", problems=top.problems)
        )
        if entry is not None:
            found.append(entry)
    return HealthSettings(suppressions=tuple(found))


def _parse_suppression(table: Table) -> Suppression | None:
    package = table.require(
        "package",
        text(example='"grub2"', pattern=_PACKAGE, expected="an RPM package name"),
        example='"grub2"',
    )
    check = table.require("check", text(example='"patch-unapplied"'), example='"patch-unapplied"')
    reason = table.require(
        "reason",
        text(example='"the patch is replaced by 1001-foo.patch"'),
        example='"why the finding is intended"',
    )
    branch = table.optional(
        "branch", text(example='"a9"', pattern=_BRANCH, expected="a branch name")
    )
    table.finish()
    if check is not None and check not in CHECK_IDS:
        close = suggest(check, list(CHECK_IDS))
        fix = f'did you mean "{close}"?' if close else f"use one of {', '.join(CHECK_IDS)}"
        table.problem("check", f"unknown check {quote(check)}", fix)
        return None
    if package is None or check is None or reason is None:
        return None
    return Suppression(package=package, check=check, reason=reason, branch=branch)
