"""What the bot writes on the downstream forge about a package: its tracking issue (one
checklist entry per change still owed upstream, with where it stands in each target and the
commands that move it) and the comment that mentions an owner.

Everything the bot writes carries hidden markers (`<!-- upstream-bot:<key> -->`), so it
finds its own issue and comments again after a crash or a lost database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.commands import COMMANDS
from bot.domain.model import Kind, Status, Target

#: Statuses shown as done in the checklist: nothing more is asked of the owner there.
DONE = frozenset(
    {Status.SUBMITTED, Status.MERGED, Status.PRESENT, Status.NOT_NEEDED, Status.SUPERSEDED}
)
_MARKER = re.compile(r"<!-- (?P<prefix>[a-z0-9-]+):(?P<key>[^\s>]+) -->")


def tracking_key(package: str) -> str:
    """The action key of a package's tracking issue (chat-ops finds the issue by it)."""
    return f"tracking-issue:{package}"


def marker(key: str, *, prefix: str = "upstream-bot") -> str:
    return f"<!-- {prefix}:{key} -->"


def markers_in(text: str, *, prefix: str = "upstream-bot") -> set[str]:
    """The keys of the bot's markers in `text`."""
    return {m["key"] for m in _MARKER.finditer(text) if m["prefix"] == prefix}


def change_ref(change_id: str) -> str:
    """The short name people use for a change in commands."""
    return change_id[:8]


@dataclass(frozen=True, slots=True)
class TargetLine:
    """Where the change stands in one target, and why."""

    target: Target
    branch: str | None
    status: Status
    note: str = ""
    url: str | None = None


@dataclass(frozen=True, slots=True)
class TrackedChange:
    """One checklist entry."""

    change_id: str
    branch: str
    name: str
    kind: Kind | None
    first_seen: datetime
    owner: str | None
    targets: tuple[TargetLine, ...]

    @property
    def done(self) -> bool:
        return all(line.status in DONE for line in self.targets)


def issue_title(package: str) -> str:
    return f"Upstream status of {package}'s downstream changes"


def issue_body(
    package: str, entries: Iterable[TrackedChange], *, distribution: str, prefix: str
) -> str:
    """The whole issue body; the same entries always give the same text, so an unchanged
    package needs no edit."""
    ordered = sorted(entries, key=lambda e: (e.done, e.first_seen, e.branch, e.name, e.change_id))
    lines = [
        marker(tracking_key(package), prefix=prefix),
        f"{distribution} carries these changes of **{package}** that belong upstream. "
        "The bot keeps this list up to date; tick nothing by hand.",
        "",
    ]
    if not ordered:
        lines.append("Nothing is waiting upstream any more.")
    for entry in ordered:
        lines.extend(_entry(entry))
    lines += ["", *_commands()]
    return "\n".join(lines) + "\n"


def _entry(entry: TrackedChange) -> list[str]:
    box = "x" if entry.done else " "
    kind = f" ({entry.kind})" if entry.kind else ""
    owner = f" · owner {entry.owner}" if entry.owner else ""
    head = (
        f"- [{box}] `{entry.branch}` `{entry.name}`{kind} · since "
        f"{entry.first_seen:%Y-%m-%d}{owner} · ref `{change_ref(entry.change_id)}`"
    )
    rows = [head]
    for line in entry.targets:
        where = f"{line.target} `{line.branch}`" if line.branch else str(line.target)
        url = f" {line.url}" if line.url else ""
        note = f": {line.note}" if line.note else ""
        rows.append(f"  - {where}: **{line.status}**{url}{note}")
    return rows


def _commands() -> list[str]:
    """The chat-ops commands that move a change, from the command table `/upstream help`
    renders too."""
    rows = [f"- `{spec.synopsis}`: {spec.help}" for spec in COMMANDS if spec.selects_change]
    return [
        "<details><summary>Commands</summary>",
        "",
        "Write a command at the start of a line of its own in a comment here; name the "
        "change by its `<ref>` from the list above:",
        "",
        *rows,
        "",
        "</details>",
    ]


@dataclass(frozen=True, slots=True)
class Nudge:
    """One change an owner is reminded of, with the action key its marker carries."""

    key: str
    name: str
    branch: str
    target: Target
    target_branch: str | None
    change_id: str
    note: str


def mention_body(
    package: str,
    nudges: Sequence[Nudge],
    *,
    owner: str | None,
    escalate_to: Sequence[str],
    prefix: str,
) -> str:
    """The comment asking the owner (or, with none known, the package's maintainers) to act
    on `nudges`; one marker per reminder, so a rerun sees which were already posted."""
    who = owner or "Maintainers of this package"
    count = f"{len(nudges)} change{'s' if len(nudges) != 1 else ''}"
    lines = [marker(n.key, prefix=prefix) for n in nudges]
    lines.append(f"{who}: {count} of **{package}** still wait upstream:")
    lines.append("")
    for nudge in nudges:
        where = f"{nudge.target} `{nudge.target_branch}`" if nudge.target_branch else nudge.target
        lines.append(
            f"- `{nudge.name}` ({nudge.branch} → {where}, ref `{change_ref(nudge.change_id)}`): "
            f"{nudge.note}"
        )
    if escalate_to:
        lines += ["", "cc " + " ".join(f"@{name.lstrip('@')}" for name in escalate_to)]
    lines += ["", "The checklist in this issue says where each one stands and how to move it."]
    return "\n".join(lines) + "\n"
