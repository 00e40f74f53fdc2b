"""The [[branches]] list: each downstream branch, its base, and its branch in each target."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.domain.model import Target
from bot.settings.schema import BranchMapping, TargetBranch, TargetSettings
from bot.settings.table import MISSING, Table
from bot.settings.values import Invalid, choice, describe, quote, text

_BRANCH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._/-]*")


def parse_branches(top: Table, *, targets: Mapping[Target, TargetSettings]) -> list[BranchMapping]:
    """The [[branches]] list; each names only targets that [targets] defines."""
    value = top.raw("branches")
    fix = 'add one [[branches]] table per downstream branch, with downstream = "a9", base = "c9"'
    if value is MISSING:
        top.problem("branches", "is missing", fix)
        return []
    if not isinstance(value, list) or not value or not all(isinstance(v, Mapping) for v in value):
        top.problem("branches", f"expected an array of tables, got {describe(value)}", fix)
        return []
    mappings = [
        _parse_branch(
            Table(item, path=f"branches[{index}]", problems=top.problems), targets=targets
        )
        for index, item in enumerate(value)
    ]
    seen: set[str] = set()
    for index, mapping in enumerate(mappings):
        if mapping.downstream is not None and mapping.downstream in seen:
            top.problems.add(
                f"branches[{index}].downstream",
                f"branch {quote(mapping.downstream)} is mapped twice",
                "keep one [[branches]] entry per downstream branch",
            )
        seen.add(mapping.downstream)
    return mappings


def _parse_branch(table: Table, *, targets: Mapping[Target, TargetSettings]) -> BranchMapping:
    branch = text(example='"a9"', pattern=_BRANCH, expected="a branch name")
    downstream = table.require("downstream", branch, example='"a9"')
    base = table.require("base", branch, example='"c9"')
    inner = table.table(
        "targets", example='targets = { centos-stream = "c9s", fedora = "rawhide" }'
    )
    table.finish()
    if inner is None:
        return BranchMapping(downstream=downstream, base=base, targets=())
    found = []
    for name, value in inner.data.items():
        target_branch = inner.convert(name, value, branch)
        try:
            target = choice(Target)(name)
        except Invalid as error:
            inner.problem(name, f"unknown target {quote(name)}", error.fix)
            continue
        if target is Target.PROJECT:
            inner.problem(
                name,
                "the project target has no distribution branch",
                "remove it; each project's own default branch is used",
            )
        elif targets and target not in targets:
            inner.problem(
                name, f"target {target} is not defined", f"add [targets.{target}] or remove it here"
            )
        found.append(TargetBranch(target=target, branch=target_branch))
    return BranchMapping(downstream=downstream, base=base, targets=tuple(found))
