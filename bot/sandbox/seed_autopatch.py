"""Writes autopatch `config.yaml` files: AlmaLinux's declarative list of a package's changes,
and the smaller configs the seed applies to target branches to add a patch there.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from bot.sandbox.gitstore import Author
from bot.sandbox.seed_plan import EditKind, EditPlan, FixPlan, Item, PackagePlan
from bot.sandbox.seed_spec import (
    BUG_URL,
    EXCLUSIVE_ARCH,
    SB_KEY,
    VENDOR_SENTENCE,
    patch_line,
    patch_tag,
)

CERT_NAME = "almalinux-sb-ca.cer"
CERT = (
    b"-----BEGIN CERTIFICATE-----\n"
    b"TUlJQlNhbmRib3hBbG1hTGludXhTZWN1cmVCb290Q0FGb3JUZXN0c09ubHk=\n"
    b"-----END CERTIFICATE-----\n"
)
ALMA_SENTENCE = "This build follows the AlmaLinux defaults."
_REPLACEMENTS = {
    EditKind.VENDOR_SENTENCE: (VENDOR_SENTENCE, ALMA_SENTENCE),
    EditKind.BUG_URL: (BUG_URL, "%global bug_url https://bugs.almalinux.org/"),
    EditKind.SB_KEY: (SB_KEY, "%global sb_key almalinuxsecureboot1"),
    EditKind.ARCH_SPEC: (EXCLUSIVE_ARCH, f"{EXCLUSIVE_ARCH} riscv64"),
}


@dataclass(frozen=True, slots=True)
class Config:
    """A config's text and the files its `add_files` entries take from `files/`."""

    text: str
    files: dict[str, bytes]


def downstream_config(
    plan: PackagePlan, items: Sequence[Item], patches: dict[str, bytes]
) -> Config:
    """The config making `items` (in this order) of the base; `patches` by file name."""
    replaces: list[list[str]] = []
    deletes: list[str] = []
    add_lines: list[list[str]] = []
    adds: list[list[str]] = []
    files: dict[str, bytes] = {}
    fixes = [i for i in plan.items if isinstance(i, FixPlan)]
    for item in items:
        if isinstance(item, FixPlan):
            name = item.fix.file_name
            number = 1001 + sorted(fixes, key=lambda f: f.since).index(item)
            adds.append(_add_file("patch", name, str(number)))
            files[name] = patches[name]
            continue
        match item.kind:
            case EditKind.CERT:
                adds.append(_add_file("source", CERT_NAME, "100"))
                files[CERT_NAME] = CERT
            case EditKind.UNPATCH:
                deletes += _unpatch_lines(plan)
            case EditKind.FEATURE:
                find = f"%global with_{item.detail} 0"
                replaces.append(_replace(find, f"%global with_{item.detail} 1"))
            case EditKind.BUILD:
                add_lines.append(
                    [
                        '      - target: "spec"',
                        '        section: "global"',
                        '        location: "bottom"',
                        f"        content: {_q(f'BuildRequires:  {item.detail}')}",
                    ]
                )
            case _:
                replaces.append(_replace(*_REPLACEMENTS[item.kind]))
    lines = ["actions:"]
    if replaces:
        lines += ["  - replace:", *(line for entry in replaces for line in entry)]
    if deletes:
        lines += ["  - delete_line:", '      - target: "spec"', "        lines:"]
        lines += [f"          - {_q(line)}" for line in deletes]
    if add_lines:
        lines += ["  - add_line:", *(line for entry in add_lines for line in entry)]
    lines += ["  - modify_release:", '      - suffix: ".alma.1"', "        enabled: true"]
    lines += _changelog(plan.owner, [_changelog_line(item) for item in items])
    if adds:
        lines += ["  - add_files:", *(line for entry in adds for line in entry)]
    return Config("\n".join(lines) + "\n", files)


def target_config(
    *,
    name: str,
    author: Author,
    lines: Sequence[str],
    release_line: str | None,
) -> str:
    """A config that adds one patch to a target branch, as its maintainer would."""
    text = ["parameters:", "  insert_almalinux_line: false", "", "actions:"]
    if release_line is not None:
        head, _, number = release_line.partition("%")[0].rpartition(" ")
        bumped = f"{head} {int(number) + 1}%{release_line.partition('%')[2]}"
        text += ["  - replace:", *_replace(release_line, bumped)]
    text += _changelog(author, list(lines))
    text += ["  - add_files:", *_add_file("patch", name, "Latest")]
    return "\n".join(text) + "\n"


def _changelog_line(item: Item) -> str:
    return item.fix.subject if isinstance(item, FixPlan) else item.changelog


def _unpatch_lines(plan: PackagePlan) -> list[str]:
    assert plan.redhat_patch is not None
    number = plan.base_patches.index(plan.redhat_patch)
    lines = [patch_tag(number, plan.redhat_patch)]
    if not plan.traits.autosetup:
        lines.append(patch_line(number, plan.redhat_patch))
    return lines


def _replace(find: str, replace: str) -> list[str]:
    return [
        '      - target: "spec"',
        f"        find: {_q(find)}",
        f"        replace: {_q(replace)}",
        "        count: 1",
    ]


def _add_file(kind: str, name: str, number: str) -> list[str]:
    number_text = _q(number) if number == "Latest" else number
    return [
        f"      - type: {_q(kind)}",
        f"        name: {_q(name)}",
        f"        number: {number_text}",
    ]


def _changelog(author: Author, lines: list[str]) -> list[str]:
    return [
        "  - changelog_entry:",
        f"      - name: {_q(author.name)}",
        f"        email: {_q(author.email)}",
        "        line:",
        *(f"          - {_q(line)}" for line in lines),
    ]


def _q(text: str) -> str:
    """A double-quoted YAML scalar (JSON's escapes are YAML's)."""
    return json.dumps(text)


def edit_marker(item: EditPlan) -> str:
    """The spec line an upstreamable spec edit adds, by which its change is recognized."""
    match item.kind:
        case EditKind.FEATURE:
            return f"%global with_{item.detail} 1"
        case EditKind.BUILD:
            return f"BuildRequires:  {item.detail}"
        case _:
            return _REPLACEMENTS[item.kind][1]
