"""apply_caps: no window ever holds more actions than its cap, whatever the bursts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.model import Kind, Target
from bot.domain.owners import Owner, OwnerSource
from bot.domain.policy_caps import DAY, HOUR, WEEK, Usage, apply_caps
from bot.domain.policy_model import ActionKind, PlannedAction, Why
from bot.domain.policy_rules import Caps

START = datetime(2026, 1, 5, tzinfo=UTC)
OWNERS = tuple(Owner(OwnerSource.COMMIT, f"user{n}") for n in range(3))


def action(kind: ActionKind, n: int, *, target: Target = Target.FEDORA,
           owner: int = 0, security: bool = False) -> PlannedAction:
    return PlannedAction(
        kind=kind, key=f"{kind}:{n}", change_id=f"change{n:05d}", analysis_id=f"a{n}",
        package="pkg", branch="a9", name=f"{n}.patch", target=target, target_branch="rawhide",
        reason="due", first_seen=START - timedelta(days=n % 50),
        change_kind=Kind.SECURITY if security else Kind.BUGFIX, owner=OWNERS[owner],
    )


def test_security_fixes_and_older_changes_go_first() -> None:
    plain_old = action(ActionKind.OPEN_CHANGE, 49)
    security_new = action(ActionKind.OPEN_CHANGE, 1, security=True)
    plain_new = action(ActionKind.OPEN_CHANGE, 2)
    kept, held = apply_caps([plain_new, plain_old, security_new], usage=Usage(),
                            caps=Caps(submissions_per_hour=2), now=START)
    assert [a.key for a in kept] == [security_new.key, plain_old.key]
    assert [(r.why, r.action_key) for r in held] == [
        (Why.CAP_SUBMISSIONS_PER_HOUR, plain_new.key)
    ]


def test_open_merge_requests_per_target_are_capped_separately() -> None:
    actions = [action(ActionKind.OPEN_CHANGE, n, target=t)
               for n, t in enumerate([Target.FEDORA, Target.FEDORA, Target.CENTOS_STREAM])]
    usage = Usage(open_submissions={Target.FEDORA: 1})
    kept, held = apply_caps(actions, usage=usage, caps=Caps(open_submissions_per_target=2),
                            now=START)
    assert sorted(a.target for a in kept) == [Target.CENTOS_STREAM, Target.FEDORA]
    assert [r.why for r in held] == [Why.CAP_OPEN_SUBMISSIONS]
    assert held[0].until is None


def test_a_cap_of_zero_holds_everything_for_good() -> None:
    kept, held = apply_caps([action(ActionKind.REMIND, 1)], usage=Usage(),
                            caps=Caps(reminders_per_owner_per_week=0), now=START)
    assert kept == [] and held[0].until is None and "the cap is 0" in held[0].text


@settings(max_examples=60, deadline=None)
@given(
    runs=st.lists(
        st.tuples(st.integers(min_value=1, max_value=600), st.integers(0, 40)),
        min_size=1, max_size=30,
    ),
    caps=st.builds(
        Caps,
        open_submissions_per_target=st.integers(0, 1000),
        submissions_per_hour=st.integers(0, 4),
        submissions_per_day=st.integers(0, 12),
        submissions_per_run=st.integers(0, 6),
        reminders_per_owner_per_week=st.integers(0, 8),
        reminders_per_run=st.integers(0, 20),
    ),
)
def test_no_window_ever_holds_more_than_its_cap(
    runs: list[tuple[int, int]], caps: Caps
) -> None:
    """Runs every few minutes, each planning a burst; what was kept is fed back as usage."""
    now = START
    opened: list[datetime] = []
    reminded: dict[str, list[datetime]] = {}
    serial = 0
    for minutes, burst in runs:
        now += timedelta(minutes=minutes)
        planned = []
        for _ in range(burst):
            serial += 1
            kind = ActionKind.OPEN_CHANGE if serial % 2 else ActionKind.REMIND
            planned.append(action(kind, serial, owner=serial % 3))
        usage = Usage(
            submissions=tuple(opened),
            reminders={key: tuple(times) for key, times in reminded.items()},
        )
        kept, held = apply_caps(planned, usage=usage, caps=caps, now=now)
        assert len(kept) + len(held) == len(planned)
        assert sum(a.kind is ActionKind.OPEN_CHANGE for a in kept) <= caps.submissions_per_run
        assert sum(a.kind is ActionKind.REMIND for a in kept) <= caps.reminders_per_run
        for kept_action in kept:
            if kept_action.kind is ActionKind.OPEN_CHANGE:
                opened.append(now)
            else:
                reminded.setdefault(kept_action.owner_key, []).append(now)
    for times, window, cap in ((opened, HOUR, caps.submissions_per_hour),
                               (opened, DAY, caps.submissions_per_day)):
        _assert_window(times, window, cap)
    for times in reminded.values():
        _assert_window(times, WEEK, caps.reminders_per_owner_per_week)


def _assert_window(times: list[datetime], window: timedelta, cap: int) -> None:
    for start in times:
        inside = [t for t in times if start <= t < start + window]
        assert len(inside) <= cap, (window, cap, inside)
