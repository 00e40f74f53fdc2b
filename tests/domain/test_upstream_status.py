"""One case per rule of `decide_status`, and one per precedence conflict between two rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.domain.change import Change
from bot.domain.hunks import hunk_ids
from bot.domain.model import ChangeType, DeclaredStatus, Kind, Operation, Status, Target
from bot.domain.observation import (
    ObservedFile,
    ObservedRequest,
    RequestState,
    TargetObservation,
    UpstreamCommit,
    UrlResolution,
    UrlState,
)
from bot.domain.patch_id import patch_id
from bot.domain.upstream_status import MatchKind, StatusRules, decide_status, marker

NOW = datetime(2026, 11, 1, tzinfo=UTC)
SEEN = datetime(2026, 10, 1, tzinfo=UTC)
DIFF = (
    "diff --git a/src/a.c b/src/a.c\n--- a/src/a.c\n+++ b/src/a.c\n"
    "@@ -1,3 +1,3 @@\n x\n-old1\n+new1\n y\n"
    "@@ -10,3 +10,3 @@\n x\n-old2\n+new2\n y\n"
    "@@ -20,3 +20,3 @@\n x\n-old3\n+new3\n y\n"
    "@@ -30,3 +30,3 @@\n x\n-old4\n+new4\n y\n"
    "@@ -40,3 +40,3 @@\n x\n-old5\n+new5\n y\n"
)
PID = patch_id(DIFF.encode())
HUNKS = tuple(h.id for h in hunk_ids(DIFF.encode()))
URL = "https://github.com/upstream/p/pull/7"
CHANGE = Change(
    id="c0ffee",
    type=ChangeType.PATCH,
    operation=Operation.ADDED,
    name="0001-fix.patch",
    kind=Kind.BUGFIX,
    upstreamable=True,
    declared_status=DeclaredStatus.NONE,
    evidence=(),
    patch_id=PID,
    diff=DIFF,
)
MARK = marker("c0ffee", "centos-stream", "c9s")
SAME = ObservedFile("0001-fix.patch", "d1")
RENAMED = ObservedFile("0004-fix.patch", "d2", patch_id=PID)
REWORKED = ObservedFile("0001-fix.patch", "d3", patch_id="other")


def req(state: RequestState, *files: ObservedFile, body: str = "", number: int = 3):
    return ObservedRequest(number, state, url=f"u/{number}", body=body, files=files)


def obs(**kw) -> TargetObservation:
    return TargetObservation(Target.CENTOS_STREAM, "c9s", **kw)


SPEC_EDIT = replace(
    CHANGE,
    type=ChangeType.SPEC_EDIT,
    name="p.spec",
    patch_id=None,
    diff="@@ -1 +1,2 @@\n x\n+BuildRequires: foo\n+%global with_bar 1\n",
)
CASES = [
    # (id, change, observation, expected status, expected clue)
    (
        "branding",
        replace(CHANGE, kind=Kind.BRANDING),
        obs(files=(SAME,)),
        Status.NOT_NEEDED,
        MatchKind.CLASSIFIED,
    ),
    (
        "not-upstreamable",
        replace(CHANGE, upstreamable=False),
        obs(),
        Status.NOT_NEEDED,
        MatchKind.CLASSIFIED,
    ),
    (
        "merged-request",
        CHANGE,
        obs(requests=(req(RequestState.MERGED, SAME),)),
        Status.MERGED,
        MatchKind.FILE_CONTENT,
    ),
    ("present-same-file", CHANGE, obs(files=(SAME,)), Status.PRESENT, MatchKind.FILE_CONTENT),
    ("present-patch-id", CHANGE, obs(files=(RENAMED,)), Status.PRESENT, MatchKind.PATCH_ID),
    (
        "present-content-id",
        replace(CHANGE, patch_id=None, content_id="cid"),
        obs(files=(ObservedFile("x.patch", "d", content_id="cid"),)),
        Status.PRESENT,
        MatchKind.PATCH_ID,
    ),
    (
        "present-partial-hunks",
        CHANGE,
        obs(
            files=(
                ObservedFile("a.patch", "d", hunks=HUNKS[:2]),
                ObservedFile("b.patch", "e", hunks=HUNKS[2:4]),
            )
        ),
        Status.PRESENT,
        MatchKind.HUNKS,
    ),
    (
        "partial-below-threshold-pending",
        CHANGE,
        obs(files=(ObservedFile("a.patch", "d", hunks=HUNKS[:3]),)),
        Status.PENDING,
        None,
    ),
    (
        "present-spec-hunk",
        SPEC_EDIT,
        obs(spec_text="x\nBuildRequires:   foo\n%global with_bar 1\n"),
        Status.PRESENT,
        MatchKind.SPEC_HUNK,
    ),
    (
        "spec-flip-still-old-pending",
        replace(SPEC_EDIT, diff="@@ -2 +2 @@\n-%global with_x 0\n+%global with_x 1\n"),
        obs(spec_text="%if 0%{?rhel}\n%global with_x 0\n%else\n%global with_x 1\n%endif\n"),
        Status.PENDING,
        None,
    ),
    (
        "spec-hunk-missing-pending",
        SPEC_EDIT,
        obs(spec_text="x\nBuildRequires: foo\n"),
        Status.PENDING,
        None,
    ),
    (
        "present-upstream-commit",
        CHANGE,
        obs(commits=(UpstreamCommit("abc" * 13 + "a", PID, "stable-1.0"),)),
        Status.PRESENT,
        MatchKind.PATCH_ID,
    ),
    (
        "present-declared-backport",
        replace(CHANGE, declared_status=DeclaredStatus.BACKPORT, references=("https://g/c/1",)),
        obs(urls=(UrlResolution("https://g/c/1", UrlState.COMMIT, sha="1" * 40),)),
        Status.PRESENT,
        MatchKind.DECLARED_BACKPORT,
    ),
    (
        "undeclared-commit-url-pending",
        replace(CHANGE, references=("https://g/c/1",)),
        obs(urls=(UrlResolution("https://g/c/1", UrlState.COMMIT, sha="1" * 40),)),
        Status.PENDING,
        None,
    ),
    (
        "open-marker",
        CHANGE,
        obs(requests=(req(RequestState.OPEN, REWORKED, body=f"x\n{MARK}"),)),
        Status.SUBMITTED,
        MatchKind.MARKER,
    ),
    (
        "open-patch-id",
        CHANGE,
        obs(requests=(req(RequestState.OPEN, RENAMED),)),
        Status.SUBMITTED,
        MatchKind.PATCH_ID,
    ),
    (
        "open-diff-patch-id",
        CHANGE,
        obs(requests=(replace(req(RequestState.OPEN), patch_id=PID),)),
        Status.SUBMITTED,
        MatchKind.PATCH_ID,
    ),
    (
        "open-file-name",
        CHANGE,
        obs(requests=(req(RequestState.OPEN, REWORKED),)),
        Status.SUBMITTED,
        MatchKind.FILE_NAME,
    ),
    (
        "marker-for-other-branch-pending",
        CHANGE,
        obs(requests=(req(RequestState.OPEN, body=marker("c0ffee", "centos-stream", "c10s")),)),
        Status.PENDING,
        None,
    ),
    (
        "closed-rejected",
        CHANGE,
        obs(requests=(req(RequestState.CLOSED, SAME),)),
        Status.REJECTED,
        MatchKind.FILE_CONTENT,
    ),
    (
        "declared-merged",
        replace(CHANGE, status_raw=f"Submitted [{URL}]"),
        obs(urls=(UrlResolution(URL, UrlState.MERGED, number=7),)),
        Status.MERGED,
        MatchKind.DECLARED_URL,
    ),
    (
        "declared-open",
        replace(CHANGE, references=(URL,)),
        obs(urls=(UrlResolution(URL, UrlState.OPEN, number=7),)),
        Status.SUBMITTED,
        MatchKind.DECLARED_URL,
    ),
    (
        "declared-unknown-pending",
        replace(CHANGE, references=(URL,)),
        obs(urls=(UrlResolution(URL, UrlState.UNKNOWN),)),
        Status.PENDING,
        None,
    ),
    ("nothing-pending", CHANGE, obs(), Status.PENDING, None),
    # precedence conflicts: the first rule of the module docstring wins
    (
        "conflict-bookkeeping-over-merged",
        replace(CHANGE, kind=Kind.BOOKKEEPING),
        obs(requests=(req(RequestState.MERGED, SAME),)),
        Status.NOT_NEEDED,
        MatchKind.CLASSIFIED,
    ),
    (
        "conflict-merged-over-present",
        CHANGE,
        obs(files=(SAME,), requests=(req(RequestState.MERGED, SAME),)),
        Status.MERGED,
        MatchKind.FILE_CONTENT,
    ),
    (
        "conflict-present-over-open",
        CHANGE,
        obs(files=(RENAMED,), requests=(req(RequestState.OPEN, SAME),)),
        Status.PRESENT,
        MatchKind.PATCH_ID,
    ),
    (
        "conflict-history-over-open",
        CHANGE,
        obs(commits=(UpstreamCommit("f" * 40, PID),), requests=(req(RequestState.OPEN, SAME),)),
        Status.PRESENT,
        MatchKind.PATCH_ID,
    ),
    (
        "conflict-open-over-closed",
        CHANGE,
        obs(requests=(req(RequestState.CLOSED, SAME, number=1), req(RequestState.OPEN, RENAMED))),
        Status.SUBMITTED,
        MatchKind.PATCH_ID,
    ),
    (
        "conflict-closed-over-declared-merged",
        replace(CHANGE, references=(URL,)),
        obs(
            requests=(req(RequestState.CLOSED, SAME),), urls=(UrlResolution(URL, UrlState.MERGED),)
        ),
        Status.REJECTED,
        MatchKind.FILE_CONTENT,
    ),
    (
        "conflict-marker-over-file-name",
        CHANGE,
        obs(
            requests=(
                req(RequestState.OPEN, REWORKED, number=1),
                req(RequestState.OPEN, body=MARK, number=2),
            )
        ),
        Status.SUBMITTED,
        MatchKind.MARKER,
    ),
]


@pytest.mark.parametrize(
    ("change", "observation", "status", "clue"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_rule(change, observation, status, clue) -> None:
    decision = decide_status(
        change, observation, now=NOW, rules=StatusRules(), first_seen=SEEN, file_digest="d1"
    )
    assert decision.status is status, decision.reason
    assert (decision.evidence.matched_by if decision.evidence else None) == clue
    assert decision.reason


@pytest.mark.parametrize(
    ("threshold", "status"), [(0.8, Status.PENDING), (0.6, Status.PRESENT)], ids=["0.8", "0.6"]
)
def test_threshold_is_configurable(threshold: float, status: Status) -> None:
    observation = obs(files=(ObservedFile("a.patch", "d", hunks=HUNKS[:3]),))
    decision = decide_status(
        CHANGE, observation, now=NOW, rules=StatusRules(partial_threshold=threshold)
    )
    assert decision.status is status
    if status is Status.PRESENT:
        assert decision.evidence is not None and decision.evidence.fraction == pytest.approx(0.6)
        assert "60%" in decision.reason


def test_pending_has_age_and_unknown_url_warns() -> None:
    change = replace(CHANGE, references=(URL,))
    observation = obs(urls=(UrlResolution(URL, UrlState.UNKNOWN),))
    decision = decide_status(change, observation, now=NOW, rules=StatusRules(), first_seen=SEEN)
    assert decision.age_days == 31
    assert "31 days" in decision.reason
    assert len(decision.warnings) == 1 and URL in decision.warnings[0]


def test_reason_names_the_file() -> None:
    decision = decide_status(CHANGE, obs(files=(RENAMED,)), now=NOW, rules=StatusRules())
    assert decision.reason == "present in centos-stream c9s as 0004-fix.patch (same patch id)"
    assert decision.evidence is not None and decision.evidence.path == "0004-fix.patch"
