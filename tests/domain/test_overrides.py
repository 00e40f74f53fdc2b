from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.model import Status, Target
from bot.domain.overrides import Override, OverrideKind, apply_overrides, current
from bot.domain.upstream_status import MatchKind, StatusDecision

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
PENDING = StatusDecision(Status.PENDING, "not found in CentOS Stream c10s")


def _o(kind: OverrideKind, value: str = "", *, target: Target | None = None,
       at: datetime = NOW - timedelta(days=1), until: datetime | None = None,
       actor: str = "alice") -> Override:
    return Override("c1", kind, value, actor, at, target, until)


def test_no_override_leaves_the_decision_as_it_is() -> None:
    assert apply_overrides(PENDING, [], target=Target.FEDORA, now=NOW) is PENDING


def test_skip_makes_a_pending_change_not_needed_with_who_and_why() -> None:
    got = apply_overrides(PENDING, [_o(OverrideKind.SKIP, "RHEL-only build fix")],
                          target=Target.FEDORA, now=NOW)
    assert got.status is Status.NOT_NEEDED
    assert got.reason == "skipped by @alice: RHEL-only build fix"
    assert got.evidence is not None and got.evidence.matched_by is MatchKind.OVERRIDE


@pytest.mark.parametrize(
    "status", [Status.PRESENT, Status.SUBMITTED, Status.MERGED, Status.REJECTED,
               Status.NOT_NEEDED],
)
def test_what_the_forge_shows_wins_over_what_someone_said(status: Status) -> None:
    found = StatusDecision(status, "seen upstream")
    overrides = [_o(OverrideKind.SKIP, "x"), _o(OverrideKind.LINK, "https://x/1"),
                 _o(OverrideKind.SNOOZE, until=NOW + timedelta(days=3))]
    assert apply_overrides(found, overrides, target=Target.FEDORA, now=NOW) is found


def test_link_marks_submitted_with_the_url() -> None:
    got = apply_overrides(PENDING, [_o(OverrideKind.LINK, "https://src.fedoraproject.org/x/pull-request/3")],
                          target=Target.FEDORA, now=NOW)
    assert got.status is Status.SUBMITTED
    assert got.evidence is not None
    assert got.evidence.url == "https://src.fedoraproject.org/x/pull-request/3"


def test_snooze_holds_until_its_end_then_drops_out() -> None:
    snooze = _o(OverrideKind.SNOOZE, "2w", until=NOW + timedelta(hours=1))
    held = apply_overrides(PENDING, [snooze], target=Target.FEDORA, now=NOW)
    assert held.status is Status.SNOOZED
    assert "until 2026-11-25 13:00 UTC" in held.reason
    later = apply_overrides(PENDING, [snooze], target=Target.FEDORA,
                            now=NOW + timedelta(hours=1))
    assert later is PENDING


def test_skip_beats_link_beats_snooze() -> None:
    link = _o(OverrideKind.LINK, "https://x/1")
    snooze = _o(OverrideKind.SNOOZE, until=NOW + timedelta(days=1))
    assert apply_overrides(PENDING, [snooze, link], target=Target.FEDORA,
                           now=NOW).status is Status.SUBMITTED
    assert apply_overrides(PENDING, [snooze, link, _o(OverrideKind.SKIP, "no")],
                           target=Target.FEDORA, now=NOW).status is Status.NOT_NEEDED


def test_an_override_for_one_target_leaves_the_others_alone() -> None:
    skip = _o(OverrideKind.SKIP, "Fedora has its own fix", target=Target.FEDORA)
    assert apply_overrides(PENDING, [skip], target=Target.FEDORA,
                           now=NOW).status is Status.NOT_NEEDED
    assert apply_overrides(PENDING, [skip], target=Target.CENTOS_STREAM, now=NOW) is PENDING


def test_the_latest_override_of_a_kind_is_in_force() -> None:
    old = _o(OverrideKind.JIRA, "RHEL-1", at=NOW - timedelta(days=2))
    new = _o(OverrideKind.JIRA, "RHEL-2", at=NOW - timedelta(days=1))
    assert current([new, old], Target.CENTOS_STREAM, now=NOW)[OverrideKind.JIRA] is new
    # at the same moment, the target-specific one is more precise
    general = _o(OverrideKind.ASSIGN, "bob")
    specific = _o(OverrideKind.ASSIGN, "carol", target=Target.FEDORA)
    assert current([specific, general], Target.FEDORA, now=NOW)[OverrideKind.ASSIGN] is specific
    assert current([general, specific], Target.FEDORA, now=NOW)[OverrideKind.ASSIGN] is specific
