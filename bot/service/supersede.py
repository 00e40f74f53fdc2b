"""Which stored changes a scan no longer sees downstream, what replaced each (the same patch
file name, or a spec edit of the same section with new content), and the `superseded`
status they get in every target they had a status in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.domain.model import ChangeType, Status, Target
from bot.store.records import ChangeRecord, StoredChange, TargetState
from bot.store.scan_records import StatusRow


@dataclass(frozen=True, slots=True)
class Superseded:
    """A change gone downstream and the change that took its place (None: dropped)."""

    change: StoredChange
    successor: ChangeRecord | None


def find_superseded(
    stored: Sequence[StoredChange], incoming: Sequence[ChangeRecord]
) -> list[Superseded]:
    """The changes of one branch that were stored as present and are not seen now.

    A successor is a change new in this scan: a patch with the same file name, or a spec
    edit of the same section; among several, the one nearest the gone change's line.
    """
    now_ids = {c.id for c in incoming}
    known = {s.record.id for s in stored}
    fresh = [c for c in incoming if c.id not in known]
    gone = [s for s in stored if s.gone_at is None and s.record.id not in now_ids]
    return [Superseded(s, _successor(s.record, fresh)) for s in gone]


def superseded_rows(
    gone: Superseded, states: Mapping[Target, TargetState]
) -> list[StatusRow]:
    """`superseded` in each target the change has a status in, with why and by what."""
    successor = gone.successor
    rows = []
    for target, state in sorted(states.items()):
        evidence: dict[str, object] = {"was": str(state.status)}
        if successor is not None:
            evidence["superseded_by"] = successor.id
            evidence["superseded_by_name"] = successor.name
            reason = f"gone downstream; replaced by {_what(successor)}"
        else:
            reason = "gone downstream; nothing replaced it"
        rows.append(
            StatusRow(gone.change.record.id, target, Status.SUPERSEDED, reason, evidence)
        )
    return rows


def _successor(gone: ChangeRecord, fresh: Sequence[ChangeRecord]) -> ChangeRecord | None:
    # a patch file's name, a spec edit's section: the same place with new content
    same = [c for c in fresh if c.type is gone.type and c.name == gone.name]
    if not same:
        return None
    line = _line(gone)
    return min(same, key=lambda c: (abs(_line(c) - line), c.id))


def _line(change: ChangeRecord) -> int:
    value = change.evidence.get("line")
    return value if isinstance(value, int) else 0


def _what(change: ChangeRecord) -> str:
    if change.type is ChangeType.SPEC_EDIT:
        return f"a new spec edit in {change.name}"
    return change.name
