"""bot/service/supersede.py: changes gone downstream, their successors (same patch name, or
a spec edit of the same section, the nearest line first) and their `superseded` rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.domain.model import ChangeType, Operation, Status, Target
from bot.service.supersede import find_superseded, superseded_rows
from bot.store.records import ChangeRecord, StoredChange, TargetState

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _change(change_id: str, name: str, kind: ChangeType = ChangeType.PATCH,
            line: int | None = None) -> ChangeRecord:
    return ChangeRecord(change_id, kind, Operation.ADDED, name, f"c-{change_id}",
                        evidence={"line": line})


def _stored(record: ChangeRecord, *, gone: bool = False) -> StoredChange:
    return StoredChange("bash", "a9", record, NOW, NOW, NOW if gone else None)


def _state(change_id: str, target: Target, status: Status) -> TargetState:
    return TargetState(change_id, target, status, "r", {}, None, None, NOW)


def test_a_patch_replaced_under_its_name_is_superseded_by_the_new_version() -> None:
    old = _change("old", "fix.patch")
    kept = _change("kept", "other.patch")
    new = _change("new", "fix.patch")
    [gone] = find_superseded([_stored(old), _stored(kept)], [kept, new])
    assert gone.change.record.id == "old" and gone.successor == new
    rows = superseded_rows(gone, {
        Target.FEDORA: _state("old", Target.FEDORA, Status.MERGED),
        Target.CENTOS_STREAM: _state("old", Target.CENTOS_STREAM, Status.PENDING),
    })
    assert [(r.target, r.status) for r in rows] == [
        (Target.CENTOS_STREAM, Status.SUPERSEDED), (Target.FEDORA, Status.SUPERSEDED)
    ]
    assert rows[1].evidence == {"was": "merged", "superseded_by": "new",
                                "superseded_by_name": "fix.patch"}
    assert rows[0].reason == "gone downstream; replaced by fix.patch"


def test_a_dropped_change_has_no_successor_and_known_ones_are_not_successors() -> None:
    dropped = _change("dropped", "a.patch")
    back = _change("back", "a.patch")  # seen before (gone earlier): not new in this scan
    [gone] = find_superseded([_stored(dropped), _stored(back, gone=True)], [back])
    assert gone.successor is None
    [row] = superseded_rows(gone, {Target.FEDORA: _state("dropped", Target.FEDORA,
                                                         Status.PENDING)})
    assert row.reason == "gone downstream; nothing replaced it"
    assert "superseded_by" not in row.evidence
    # a change already gone is not reported again
    assert find_superseded([_stored(dropped, gone=True)], []) == []


def test_a_spec_edit_is_replaced_by_the_nearest_new_edit_of_its_section() -> None:
    spec = ChangeType.SPEC_EDIT
    old = _change("old", "%build", spec, line=40)
    far = _change("far", "%build", spec, line=90)
    near = _change("near", "%build", spec, line=44)
    other = _change("other", "%install", spec, line=41)
    [gone] = find_superseded([_stored(old)], [far, near, other])
    assert gone.successor == near
    [row] = superseded_rows(gone, {Target.FEDORA: _state("old", Target.FEDORA,
                                                         Status.PENDING)})
    assert row.reason == "gone downstream; replaced by a new spec edit in %build"
    assert find_superseded([_stored(replace(old, name="%prep"))], [near])[0].successor is None
