from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.model import Status, Target
from bot.domain.overrides import Override, OverrideKind
from bot.domain.pair_status import OVERRIDDEN, PairStatus, bend, redecide, settle

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
PENDING = PairStatus(Status.PENDING, "not found in CentOS Stream c10s",
                     {"target_branch": "c10s", "age_days": 40})
REMINDED = PairStatus(Status.REMINDED, "reminded @jdoe about centos-stream (reminder 1): "
                      "https://forge/rpms/bash/issues/3",
                      {"target_branch": "c10s", "age_days": 12, "action": "remind:c1:1"},
                      "https://forge/rpms/bash/issues/3#c9")


def _o(kind: OverrideKind, value: str = "", *, until: datetime | None = None,
       target: Target | None = None) -> Override:
    return Override("c1", kind, value, "alice", NOW - timedelta(days=1), target, until)


def test_a_pending_finding_keeps_the_reminder_with_its_age_refreshed() -> None:
    kept = settle(PENDING, REMINDED)
    assert (kept.status, kept.reason, kept.url) == (REMINDED.status, REMINDED.reason,
                                                    REMINDED.url)
    assert kept.evidence == {**REMINDED.evidence, "age_days": 40}


@pytest.mark.parametrize("status", [Status.PRESENT, Status.SUBMITTED, Status.MERGED,
                                    Status.REJECTED, Status.NOT_NEEDED, Status.SUPERSEDED])
def test_any_other_finding_replaces_the_reminder(status: Status) -> None:
    found = PairStatus(status, "seen upstream", {"matched_by": "patch-id"})
    assert settle(found, REMINDED) == found


@pytest.mark.parametrize("stored", [None, PENDING, PairStatus(Status.SNOOZED, "snoozed", {})],
                         ids=["new", "pending", "snoozed-unknown-base"])
def test_a_pending_finding_without_a_reminder_is_written_as_found(
    stored: PairStatus | None,
) -> None:
    assert settle(PENDING, stored) == PENDING


def test_a_reminder_under_a_snooze_is_still_kept() -> None:
    snoozed = bend(REMINDED, [_o(OverrideKind.SNOOZE, "2w", until=NOW + timedelta(days=3))],
                   target=Target.CENTOS_STREAM, now=NOW)
    assert settle(PENDING, snoozed).status is Status.REMINDED


def test_a_skip_keeps_what_it_softened() -> None:
    bent = bend(PENDING, [_o(OverrideKind.SKIP, "RHEL only")], target=Target.FEDORA, now=NOW)
    assert (bent.status, bent.reason) == (Status.NOT_NEEDED, "skipped by @alice: RHEL only")
    assert bent.evidence["matched_by"] == "override"
    assert bent.evidence["target_branch"] == "c10s"
    assert bent.base() == PENDING


def test_a_link_is_submitted_with_its_url() -> None:
    bent = bend(REMINDED, [_o(OverrideKind.LINK, "https://x/pr/4", target=Target.FEDORA)],
                target=Target.FEDORA, now=NOW)
    assert (bent.status, bent.url, bent.evidence["url"]) == (
        Status.SUBMITTED, "https://x/pr/4", "https://x/pr/4")
    assert bent.base() == REMINDED


def test_a_snooze_carries_its_end() -> None:
    until = NOW + timedelta(days=14)
    bent = bend(PENDING, [_o(OverrideKind.SNOOZE, "2w", until=until)],
                target=Target.CENTOS_STREAM, now=NOW)
    assert (bent.status, bent.until) == (Status.SNOOZED, until)


def test_no_override_in_force_leaves_the_base_as_it_is() -> None:
    overrides = [_o(OverrideKind.SKIP, "x", target=Target.FEDORA),
                 _o(OverrideKind.SNOOZE, "1d", until=NOW), _o(OverrideKind.JIRA, "RHEL-1"),
                 _o(OverrideKind.ASSIGN, "bob")]
    assert bend(PENDING, overrides, target=Target.CENTOS_STREAM, now=NOW) is PENDING


def test_what_a_forge_showed_is_not_bent() -> None:
    merged = PairStatus(Status.MERGED, "merged as !4", {"matched_by": "marker"})
    assert bend(merged, [_o(OverrideKind.SKIP, "x")], target=Target.FEDORA, now=NOW) is merged
    assert redecide(merged, [_o(OverrideKind.SKIP, "x")], target=Target.FEDORA, now=NOW) is None


def test_a_snooze_that_ran_out_returns_the_pair_to_its_base() -> None:
    snooze = _o(OverrideKind.SNOOZE, "1d", until=NOW + timedelta(hours=1))
    snoozed = bend(PENDING, [snooze], target=Target.FEDORA, now=NOW)
    assert redecide(snoozed, [snooze], target=Target.FEDORA, now=NOW) == snoozed
    assert redecide(snoozed, [snooze], target=Target.FEDORA,
                    now=NOW + timedelta(hours=1)) == PENDING


def test_a_cleared_skip_returns_the_pair_to_its_base_and_a_new_one_bends_it() -> None:
    skipped = bend(REMINDED, [_o(OverrideKind.SKIP, "x")], target=Target.FEDORA, now=NOW)
    assert redecide(skipped, [], target=Target.FEDORA, now=NOW) == REMINDED
    linked = redecide(skipped, [_o(OverrideKind.LINK, "https://x/1", target=Target.FEDORA)],
                      target=Target.FEDORA, now=NOW)
    assert linked is not None and linked.status is Status.SUBMITTED
    assert linked.base() == REMINDED, "the base is carried over, not the skip"


def test_an_overridden_status_without_its_base_is_left_alone() -> None:
    bare = PairStatus(Status.NOT_NEEDED, "skipped by @bob: x", {"matched_by": "override"})
    assert bare.base() is None
    assert redecide(bare, [], target=Target.FEDORA, now=NOW) is None
    broken = PairStatus(Status.SNOOZED, "s", {OVERRIDDEN: {"status": "lost"}})
    assert broken.base() is None
