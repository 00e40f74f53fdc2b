from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.model import Status, Target
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


# -- a skip, link or snooze re-decides the change's waiting pairs at once ------------------

PENDING_REASON = "not found in Fedora rawhide"


def _pending(store: Store, target: Target = Target.FEDORA) -> None:
    store.set_target_status("c1", target, Status.PENDING, reason=PENDING_REASON,
                            evidence={"target_branch": "rawhide", "age_days": 3}, now=NOW,
                            actor="scan")


def _now(store: Store, target: Target = Target.FEDORA) -> tuple[object, ...]:
    state = store.get_target_status("c1", target)
    assert state is not None
    return state.status, state.reason, state.url, state.until


def test_a_skip_is_not_needed_at_once_and_unskip_makes_it_pending_again(tracked: Store) -> None:
    _pending(tracked)
    _pending(tracked, Target.CENTOS_STREAM)
    tracked.add_override(_o(OverrideKind.SKIP, "RHEL only", 1))
    assert _now(tracked) == (Status.NOT_NEEDED, "skipped by @alice: RHEL only", None, None)
    assert _now(tracked, Target.CENTOS_STREAM)[0] is Status.NOT_NEEDED, "every target"
    tracked.clear_overrides("c1", OverrideKind.SKIP, actor="bob", now=NOW + timedelta(hours=1))
    assert _now(tracked) == (Status.PENDING, PENDING_REASON, None, None)
    state = tracked.get_target_status("c1", Target.FEDORA)
    assert state is not None and state.evidence == {"target_branch": "rawhide", "age_days": 3}
    history = tracked.status_history("c1", Target.FEDORA)
    assert [(t.to_status, t.actor) for t in history] == [
        (Status.PENDING, "scan"), (Status.NOT_NEEDED, "alice"), (Status.PENDING, "bob")]


def test_a_link_is_submitted_in_its_target_only(tracked: Store) -> None:
    _pending(tracked)
    _pending(tracked, Target.CENTOS_STREAM)
    tracked.add_override(_o(OverrideKind.LINK, "https://src.example/pr/4", 1,
                            target=Target.FEDORA))
    assert _now(tracked) == (Status.SUBMITTED, "linked by @alice to https://src.example/pr/4",
                             "https://src.example/pr/4", None)
    assert _now(tracked, Target.CENTOS_STREAM)[0] is Status.PENDING


def test_a_snooze_runs_out_at_the_next_check_after_its_end(tracked: Store) -> None:
    _pending(tracked)
    until = NOW + timedelta(days=2)
    tracked.add_override(_o(OverrideKind.SNOOZE, "2d", 1, until=until))
    assert _now(tracked)[0::3] == (Status.SNOOZED, until)
    assert tracked.expire_snoozes(now=until - timedelta(seconds=1), actor="scan") == 0
    assert _now(tracked)[0] is Status.SNOOZED
    assert tracked.expire_snoozes(now=until, actor="scan") == 1
    assert _now(tracked) == (Status.PENDING, PENDING_REASON, None, None)
    assert tracked.expire_snoozes(now=until, actor="scan") == 0


def test_a_reminded_pair_returns_to_reminded(tracked: Store) -> None:
    tracked.set_target_status("c1", Target.FEDORA, Status.REMINDED, reason="reminded @jdoe",
                              evidence={"action": "remind:1"}, now=NOW, actor="act")
    tracked.add_override(_o(OverrideKind.SNOOZE, "1d", 1, until=NOW + timedelta(days=1)))
    tracked.expire_snoozes(now=NOW + timedelta(days=1), actor="scan")
    assert _now(tracked) == (Status.REMINDED, "reminded @jdoe", None, None)


def test_what_the_forges_show_and_other_kinds_are_left_alone(tracked: Store) -> None:
    tracked.set_target_status("c1", Target.FEDORA, Status.MERGED, reason="merged as !4",
                              evidence={}, now=NOW, actor="scan")
    _pending(tracked, Target.CENTOS_STREAM)
    tracked.add_override(_o(OverrideKind.SKIP, "x", 1))
    tracked.add_override(_o(OverrideKind.JIRA, "RHEL-1", 2))
    assert _now(tracked)[0] is Status.MERGED
    assert _now(tracked, Target.CENTOS_STREAM)[0] is Status.NOT_NEEDED
    assert len(tracked.status_history("c1", Target.CENTOS_STREAM)) == 2, "jira wrote nothing"
