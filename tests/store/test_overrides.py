from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.model import Target
from bot.domain.overrides import Override, OverrideKind
from bot.store import Store, StoreError

from .builders import NOW, change, with_branch


@pytest.fixture
def tracked(store: Store) -> Store:
    with_branch(store).record_changes("bash", "a9", [change("c1"), change("c2")], now=NOW)
    return store


def _o(kind: OverrideKind, value: str, minutes: int = 0, **extra: object) -> Override:
    return Override("c1", kind, value, "alice", NOW + timedelta(minutes=minutes), **extra)


def test_overrides_come_back_oldest_first_per_change(tracked: Store) -> None:
    tracked.add_override(_o(OverrideKind.SNOOZE, "2w", 1, until=NOW + timedelta(days=14)))
    tracked.add_override(_o(OverrideKind.SKIP, "RHEL only", 0, target=Target.FEDORA))
    found = tracked.overrides_of(["c1", "c2"])
    assert list(found) == ["c1"]
    assert [o.kind for o in found["c1"]] == [OverrideKind.SKIP, OverrideKind.SNOOZE]
    assert found["c1"][0].target is Target.FEDORA
    assert found["c1"][1].until == NOW + timedelta(days=14)
    assert tracked.overrides_of() == found
    assert tracked.overrides_of([]) == {}


def test_clearing_keeps_other_kinds_and_targets(tracked: Store) -> None:
    tracked.add_override(_o(OverrideKind.SKIP, "a", 0, target=Target.FEDORA))
    tracked.add_override(_o(OverrideKind.SKIP, "b", 1, target=Target.CENTOS_STREAM))
    tracked.add_override(_o(OverrideKind.JIRA, "RHEL-12", 2))
    cleared = tracked.clear_overrides(
        "c1", OverrideKind.SKIP, target=Target.FEDORA, actor="bob", now=NOW
    )
    assert cleared == 1
    left = tracked.overrides_of(["c1"])["c1"]
    assert [(o.kind, o.value) for o in left] == [(OverrideKind.SKIP, "b"),
                                                 (OverrideKind.JIRA, "RHEL-12")]
    assert tracked.clear_overrides("c1", OverrideKind.SKIP, actor="bob", now=NOW) == 1
    assert tracked.clear_overrides("c1", OverrideKind.SKIP, actor="bob", now=NOW) == 0


def test_an_override_of_an_unknown_change_is_refused(tracked: Store) -> None:
    with pytest.raises(StoreError, match="nope: unknown change"):
        tracked.add_override(Override("nope", OverrideKind.SKIP, "x", "alice", NOW))
