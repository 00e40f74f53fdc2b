"""What applying an autopatch config produced: the new files and how each entry went."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.ingest.autopatch.model import ActionKind, Entry

#: Problem texts callers can match on; details follow after a colon.
FIND_MISSING = "find text not present"
LINE_MISSING = "line not present"
COUNT_MISMATCH = "count mismatch"
TARGET_MISSING = "target file not found"


class OutcomeStatus(StrEnum):
    """How one entry went."""

    APPLIED = "applied"
    #: Applied, but not as declared (fewer matches than `count`, one of several files missing).
    PARTIAL = "partial"
    FAILED = "failed"
    #: Nothing to do by design (disabled, `%autorelease`, `%autochangelog`); `notes` say why.
    SKIPPED = "skipped"
    #: Cannot be reproduced without side effects (`run_script`).
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    """The result of one entry (one item for `delete_line`), at its YAML line."""

    action: ActionKind
    yaml_line: int
    status: OutcomeStatus
    target: str = ""
    matches: int = 0
    problem: str | None = None
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = f"line {self.yaml_line}: {self.action} {self.target}: {self.status}".replace(
            "  ", " "
        )
        if self.problem:
            text += f": {self.problem}"
        return text + "".join(f" ({note})" for note in self.notes)


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """The files after the config: text files by path, added files' bytes, removed paths."""

    files: Mapping[str, str]
    added: Mapping[str, bytes]
    removed: tuple[str, ...]
    outcomes: tuple[ActionOutcome, ...]

    @property
    def ok(self) -> bool:
        """Whether every entry did what it declares (or had nothing to do by design)."""
        return all(
            o.status in (OutcomeStatus.APPLIED, OutcomeStatus.SKIPPED) for o in self.outcomes
        )

    @property
    def problems(self) -> tuple[ActionOutcome, ...]:
        """The entries that failed, went partly, or could not be reproduced."""
        return tuple(
            o
            for o in self.outcomes
            if o.status not in (OutcomeStatus.APPLIED, OutcomeStatus.SKIPPED)
        )


def outcome_of(
    entry: Entry,
    status: OutcomeStatus,
    target: str,
    *,
    matches: int = 0,
    problem: str | None = None,
    notes: tuple[str, ...] = (),
) -> ActionOutcome:
    """The outcome of `entry`, at its YAML line."""
    return ActionOutcome(entry.kind, entry.yaml_line, status, target, matches, problem, notes)
