"""bot/domain/digest*.py: the weekly digests from plain rows, per owner and for the project."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.domain.digest import DigestLimits, owner_digest, project_digest, trend, week_window
from bot.domain.digest_input import (
    DeadEvent,
    DigestInputs,
    PairState,
    ScanRunPoint,
    SnapshotPoint,
    StalePackage,
    StatusStep,
)
from bot.domain.digest_model import Delta
from bot.domain.digest_view import build_view, statuses_at
from bot.domain.digest_week import IsoWeek
from bot.domain.model import ChangeType, Kind, Status, Target

WEEK = IsoWeek.parse("2026-W10")  # Monday 2 March to Sunday 8 March 2026
WINDOW = week_window(WEEK, UTC)
CS, FEDORA, PROJECT = Target.CENTOS_STREAM, Target.FEDORA, Target.PROJECT
HOSTILE = '<script>alert("x")</script>.patch'


def at(day: int, month: int = 3, year: int = 2026) -> datetime:
    return datetime(year, month, day, 12, 0, tzinfo=UTC)


def pair(change: str, target: Target, status: Status, **fields: Any) -> PairState:
    values: dict[str, Any] = {
        "change_id": change, "package": "bash", "branch": "a9", "name": f"{change}.patch",
        "change_type": ChangeType.PATCH, "kind": Kind.BUGFIX, "owner": "mira",
        "target": target, "status": status, "reason": None, "url": None, "evidence": {},
        "first_seen": at(1, 1),
    }
    return PairState(**{**values, **fields})


MR = "https://gitlab.example.org/rpms/grub2/-/merge_requests/4"
PAIRS = (
    pair("c1", FEDORA, Status.PENDING, first_seen=at(1, 12, 2025)),
    pair("c1", CS, Status.REMINDED, first_seen=at(1, 12, 2025)),
    pair("c2", FEDORA, Status.SUBMITTED, url="https://src.example.org/rpms/bash/pull-request/9"),
    pair("c3", CS, Status.MERGED, package="grub2", branch="a10s", name=HOSTILE, owner="jonas",
         url=MR),
    pair("c4", CS, Status.SUBMITTED, package="kernel", owner="jonas", evidence={"draft": True},
         url="https://gitlab.example.org/rpms/kernel/-/merge_requests/8"),
    pair("c5", PROJECT, Status.PENDING, package="shim", owner=None, first_seen=at(5)),
    pair("c6", FEDORA, Status.PRESENT, package="glibc", first_seen=at(5)),
    pair("c7", FEDORA, Status.PENDING, package="zlib", gone_at=at(3)),
    pair("c8", FEDORA, Status.REJECTED, kind=Kind.BUILD),
)
STEPS = (
    StatusStep("c8", FEDORA, Status.SUBMITTED, Status.REJECTED, at(3), "closed"),
    StatusStep("c2", FEDORA, Status.PENDING, Status.SUBMITTED, at(4)),
    StatusStep("c5", PROJECT, None, Status.PENDING, at(5)),
    StatusStep("c6", FEDORA, None, Status.PRESENT, at(5)),
    StatusStep("c3", CS, Status.SUBMITTED, Status.MERGED, at(6), "merged by hnovak"),
    StatusStep("c1", CS, Status.PENDING, Status.REMINDED, at(10)),
)
INPUTS = DigestInputs(
    pairs=PAIRS,
    steps=STEPS,
    snapshots=(
        SnapshotPoint(at(24, 2), {"pending": 9, "merged": 1}),
        SnapshotPoint(at(26, 2), {"pending": 4, "reminded": 1, "merged": 2, "present": 1}),
        SnapshotPoint(at(7), {"pending": 3, "submitted": 2, "merged": 3, "rejected": 1}),
    ),
    scan_runs=(
        ScanRunPoint(1, at(2), "ok"),
        ScanRunPoint(2, at(4), "failed", "gitea: 503"),
        ScanRunPoint(3, at(6), "partial", "zlib: timeout"),
    ),
    stale=(StalePackage("zlib", "Unavailable: timeout"),),
    dead_events=2,
    dead_examples=(DeadEvent("gitea", "comment", "bad payload", at(5)),),
    tracking_issues={"bash": "https://git.example.org/rpms/bash/issues/1"},
)
REFERENCES = {CS: "Resolves: RHEL-[0-9]+"}


@pytest.fixture
def view():
    return build_view(INPUTS, WINDOW, required_references=REFERENCES)


def test_statuses_are_rewound_to_each_end_of_week(view) -> None:
    assert view.at_end == {
        ("c1", FEDORA): Status.PENDING, ("c1", CS): Status.PENDING,
        ("c2", FEDORA): Status.SUBMITTED, ("c3", CS): Status.MERGED,
        ("c4", CS): Status.SUBMITTED, ("c5", PROJECT): Status.PENDING,
        ("c6", FEDORA): Status.PRESENT, ("c8", FEDORA): Status.REJECTED,
    }
    assert view.at_start == {
        ("c1", FEDORA): Status.PENDING, ("c1", CS): Status.PENDING,
        ("c2", FEDORA): Status.PENDING, ("c3", CS): Status.SUBMITTED,
        ("c4", CS): Status.SUBMITTED, ("c7", FEDORA): Status.PENDING,
        ("c8", FEDORA): Status.SUBMITTED,
    }


def test_statuses_now_need_no_rewinding() -> None:
    pairs = {(p.change_id, p.target): p for p in PAIRS}
    now = statuses_at(pairs, STEPS, at(11))
    assert now[("c1", CS)] is Status.REMINDED
    assert ("c7", FEDORA) not in now


def test_an_owner_sees_pending_oldest_first_with_the_command_and_this_weeks_news(view) -> None:
    mira = owner_digest(view, "mira")
    [c1] = mira.pending
    assert (c1.change.change_id, c1.targets, c1.status) == ("c1", (CS, FEDORA), Status.PENDING)
    assert c1.age_days == (WINDOW.end - at(1, 12, 2025)).days == 97
    assert (c1.step.command, c1.step.url) == (
        "/upstream submit centos-stream", "https://git.example.org/rpms/bash/issues/1"
    )
    assert [(e.change.change_id, e.status) for e in mira.events] == [
        ("c8", Status.REJECTED), ("c2", Status.SUBMITTED)
    ]
    assert mira.events[1].url == "https://src.example.org/rpms/bash/pull-request/9"
    assert mira.waiting == ()
    assert mira.has_news


def test_a_draft_needing_a_ticket_waits_on_its_owner(view) -> None:
    jonas = owner_digest(view, "jonas")
    assert jonas.pending == ()
    [merged] = jonas.events
    assert (merged.change.name, merged.status, merged.url) == (HOSTILE, Status.MERGED, MR)
    [waiting] = jonas.waiting
    assert (waiting.change.change_id, waiting.needs, waiting.command) == (
        "c4", "a Resolves: RHEL-[0-9]+ reference", "/upstream jira <ticket>"
    )


def test_the_executor_can_say_what_a_request_needs(view) -> None:
    evidence = {"needs": "a rebase onto c10s", "command": "/upstream rebase"}
    inputs = DigestInputs(pairs=(pair("c9", FEDORA, Status.SUBMITTED, evidence=evidence),),
                          steps=(), snapshots=(), scan_runs=(), stale=())
    [waiting] = build_view(inputs, WINDOW).waiting
    assert (waiting.needs, waiting.command) == ("a rebase onto c10s", "/upstream rebase")


def test_an_owner_with_nothing_has_no_news(view) -> None:
    nobody = owner_digest(view, "praman")
    assert (nobody.pending, nobody.events, nobody.waiting, nobody.has_news) == ((), (), (), False)


def test_long_lists_are_cut_but_counted(view) -> None:
    many = tuple(pair(f"p{n}", FEDORA, Status.PENDING, first_seen=at(1 + n % 20, 1))
                 for n in range(30))
    inputs = DigestInputs(pairs=many, steps=(), snapshots=(), scan_runs=(), stale=())
    digest = owner_digest(build_view(inputs, WINDOW), "mira", limits=DigestLimits(owner_pending=5))
    assert (len(digest.pending), digest.pending_total) == (5, 30)
    ages = [item.age_days for item in digest.pending]
    assert ages == sorted(ages, reverse=True)


def test_project_totals_and_their_change_since_last_week(view) -> None:
    project = project_digest(view, INPUTS, zone=UTC)
    assert project.changes == Delta(7, 6)
    statuses = {row.label: row.count for row in project.by_status}
    assert statuses["pending"] == Delta(3, 4)
    assert statuses["submitted"] == Delta(2, 3)
    assert statuses["merged"] == Delta(1, 0)
    assert "snoozed" not in statuses
    targets = {row.target: row for row in project.by_target}
    assert targets[CS].upstream == Delta(1, 0)
    assert targets[FEDORA].total == Delta(4, 4)
    kinds = {row.kind: row for row in project.by_kind}
    assert kinds["build"].changes == Delta(1, 1)
    assert kinds["bugfix"].pending == Delta(2, 3)


def test_project_lists_oldest_busiest_upstreamed_and_health(view) -> None:
    project = project_digest(view, INPUTS, zone=UTC)
    assert [p.change.change_id for p in project.oldest_pending] == ["c1", "c5"]
    assert [(p.package, p.pending) for p in project.top_packages] == [("bash", 1), ("shim", 1)]
    # c6 was first seen already present: old news, not this week's upstreaming
    assert [(e.change.change_id, e.url) for e in project.upstreamed] == [("c3", MR)]
    health = project.health
    assert health.scan_runs == 3
    assert [r.id for r in health.failed_runs] == [2]
    assert [r.id for r in health.partial_runs] == [3]
    assert (health.stale_total, health.dead_events, health.healthy) == (1, 2, False)


def test_the_trend_takes_each_weeks_last_snapshot_and_leaves_gaps() -> None:
    weeks = trend(INPUTS.snapshots, WEEK, zone=UTC, weeks=4)
    assert [w.week for w in weeks] == ["2026-W07", "2026-W08", "2026-W09", "2026-W10"]
    # series: upstream, submitted, pending, rejected
    assert [w.counts for w in weeks] == [None, None, (3, 0, 5, 0), (3, 2, 3, 1)]
