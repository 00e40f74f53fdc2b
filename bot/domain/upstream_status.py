"""Decides where one downstream change stands in one target, from what the scanner observed.

The rules, first match wins (the order is the precedence; tests pin each conflict):

1. a branding/signing/bookkeeping kind, or a change ruled not upstreamable -> `not-needed`;
2. a merged change request carrying it -> `merged` (it is then in the branch too; the
   request says more: who took it and when);
3. in the target's dist-git branch: same file name and bytes, same patch id, same content
   id, enough of its hunks (a split or partly applied patch), or the spec lines it adds
   already in the target's spec -> `present`;
4. in the original project's history: a commit with the same patch id, enough of its hunks
   over the commits, or a declared backport whose commit exists -> `present`;
5. an open change request carrying it (the bot's marker, the patch id of its diff or of a
   patch file it adds, enough of its hunks, or a patch file of the same name) -> `submitted`;
6. a closed unmerged change request carrying it -> `rejected`;
7. a URL the header declares that resolves to a merged request -> `merged`, to an open one
   -> `submitted`; one the forge does not know leaves it `pending` with a warning;
8. otherwise `pending`, with its age in days since it was first seen.

"Carrying" never relies on a title or a body's prose: only on identities and the marker.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.change import Change
from bot.domain.hunks import HunkId, hunk_ids, match_fraction
from bot.domain.model import NOT_UPSTREAMABLE_KINDS, ChangeType, DeclaredStatus, Status
from bot.domain.observation import (
    ObservedFile,
    ObservedRequest,
    RequestState,
    TargetObservation,
    UrlState,
)


class MatchKind(StrEnum):
    """The clue a decision rests on (the same words as the sandbox truth's `MatchedBy`)."""

    FILE_CONTENT = "file-content"
    PATCH_ID = "patch-id"
    HUNKS = "hunks"
    FILE_NAME = "file-name"
    MARKER = "marker"
    SPEC_HUNK = "spec-hunk"
    DECLARED_BACKPORT = "declared-backport"
    DECLARED_URL = "declared-url"
    CLASSIFIED = "classified"
    #: a person's word through a chat-ops command (bot/domain/overrides.py)
    OVERRIDE = "override"


@dataclass(frozen=True, slots=True)
class StatusRules:
    """Options of the decision."""

    #: share of a change's hunks that must be found for a partial match to count
    partial_threshold: float = 0.8


@dataclass(frozen=True, slots=True)
class StatusEvidence:
    """What a human opens to check a decision."""

    matched_by: MatchKind
    url: str | None = None
    number: int | None = None
    sha: str | None = None
    path: str | None = None
    #: share of hunks found, for partial matches
    fraction: float | None = None


@dataclass(frozen=True, slots=True)
class StatusDecision:
    status: Status
    reason: str
    evidence: StatusEvidence | None = None
    warnings: tuple[str, ...] = ()
    #: whole days since the change was first seen, for `pending`
    age_days: int | None = None


def marker(change_id: str, target: str, branch: str) -> str:
    """The bot's hidden marker in the body of a change request it opened."""
    return f"<!-- upstream-bot:open-change:{change_id}:{target}:{branch} -->"


def decide_status(
    change: Change,
    observation: TargetObservation,
    *,
    now: datetime,
    rules: StatusRules,
    first_seen: datetime | None = None,
    file_digest: str | None = None,
) -> StatusDecision:
    """The status of `change` in `observation.target`; pure, never raises on odd input.

    `first_seen` dates a pending change's age; `file_digest` is the sha256 hex of the
    change's downstream file (patch or source), for "the same file is there".
    """
    where = f"{observation.target} {observation.branch}"
    if change.kind in NOT_UPSTREAMABLE_KINDS or not change.upstreamable:
        why = "; ".join(change.evidence) or "not upstreamable"
        return StatusDecision(
            Status.NOT_NEEDED, f"{change.kind}: {why}", StatusEvidence(MatchKind.CLASSIFIED)
        )
    hunks = tuple(h.id for h in _hunks(change))
    by_state = {
        state: _carrying(change, observation, hunks, rules, state, file_digest)
        for state in RequestState
    }
    if found := by_state[RequestState.MERGED]:
        request, proof = found
        return StatusDecision(
            Status.MERGED,
            f"merged in {where} as !{request.number} ({proof})",
            _request_evidence(request, proof),
        )
    if found := _in_branch(change, observation, hunks, rules, file_digest):
        return StatusDecision(Status.PRESENT, f"present in {where} as {found[1]}", found[0])
    if found := _in_history(change, observation, hunks, rules):
        return StatusDecision(Status.PRESENT, f"present in the project: {found[1]}", found[0])
    if found := by_state[RequestState.OPEN]:
        request, proof = found
        return StatusDecision(
            Status.SUBMITTED,
            f"submitted to {where} in !{request.number} ({proof})",
            _request_evidence(request, proof),
        )
    if found := by_state[RequestState.CLOSED]:
        request, proof = found
        return StatusDecision(
            Status.REJECTED,
            f"!{request.number} in {where} was closed unmerged ({proof})",
            _request_evidence(request, proof),
        )
    warnings: list[str] = []
    for resolution in observation.urls:
        if not _declared(change, resolution.url):
            continue
        evidence = StatusEvidence(
            MatchKind.DECLARED_URL, resolution.url, resolution.number, resolution.sha
        )
        if resolution.state is UrlState.MERGED:
            return StatusDecision(
                Status.MERGED, f"the header's {resolution.url} was merged", evidence
            )
        if resolution.state is UrlState.OPEN:
            return StatusDecision(
                Status.SUBMITTED, f"the header's {resolution.url} is open", evidence
            )
        if resolution.state is UrlState.UNKNOWN:
            warnings.append(
                f"{change.name}: the header declares {resolution.url}, which {where} "
                "does not know; check the URL in the patch header"
            )
    age = max((now - first_seen).days, 0) if first_seen is not None else None
    aged = f" for {age} days" if age is not None else ""
    return StatusDecision(
        Status.PENDING, f"nothing in {where} carries it{aged}", None, tuple(warnings), age
    )


def _hunks(change: Change) -> list[HunkId]:
    if change.type is not ChangeType.PATCH or not change.diff:
        return []
    return hunk_ids(change.diff.encode("utf-8", "surrogateescape"))


def _same_diff(change: Change, file: ObservedFile) -> str | None:
    if change.patch_id and file.patch_id == change.patch_id:
        return "same patch id"
    if change.content_id and file.content_id == change.content_id:
        return "same content id"
    return None


def _partial(hunks: tuple[str, ...], found: Iterable[str], rules: StatusRules) -> float | None:
    fraction = match_fraction(_as_ids(hunks), _as_ids(tuple(found)))
    return fraction if hunks and fraction >= rules.partial_threshold else None


def _as_ids(ids: tuple[str, ...]) -> list[HunkId]:
    return [HunkId("", index, value, 0, 0) for index, value in enumerate(ids)]


def _in_branch(
    change: Change,
    obs: TargetObservation,
    hunks: tuple[str, ...],
    rules: StatusRules,
    digest: str | None,
) -> tuple[StatusEvidence, str] | None:
    for file in obs.files:
        if file.name == change.name and digest is not None and file.digest == digest:
            return StatusEvidence(
                MatchKind.FILE_CONTENT, path=file.name
            ), f"{file.name} (same file)"
    for file in obs.files:
        if change.type is ChangeType.PATCH and (why := _same_diff(change, file)):
            return StatusEvidence(MatchKind.PATCH_ID, path=file.name), f"{file.name} ({why})"
    if change.type is ChangeType.PATCH:
        fraction = _partial(hunks, (h for f in obs.files for h in f.hunks), rules)
        if fraction is not None:
            evidence = StatusEvidence(MatchKind.HUNKS, fraction=fraction)
            return evidence, f"{fraction:.0%} of its hunks (split or partly applied)"
    if change.type is ChangeType.SPEC_EDIT and obs.spec_text is not None:
        fraction = _spec_fraction(change.diff, obs.spec_text)
        if fraction is not None and fraction >= rules.partial_threshold:
            partly = "" if fraction == 1 else f", {fraction:.0%} of them"
            return StatusEvidence(
                MatchKind.SPEC_HUNK, fraction=fraction
            ), f"spec lines already there{partly}"
    return None


def _in_history(
    change: Change, obs: TargetObservation, hunks: tuple[str, ...], rules: StatusRules
) -> tuple[StatusEvidence, str] | None:
    if change.type is not ChangeType.PATCH:
        return None
    ids = {change.patch_id, change.content_id} - {None}
    for commit in obs.commits:
        if commit.patch_id in ids:
            on = f" on {commit.branch}" if commit.branch else ""
            return StatusEvidence(
                MatchKind.PATCH_ID, sha=commit.sha
            ), f"commit {commit.sha[:12]}{on} (same patch id)"
    fraction = _partial(hunks, (h for c in obs.commits for h in c.hunks), rules)
    if fraction is not None:
        return StatusEvidence(
            MatchKind.HUNKS, fraction=fraction
        ), f"{fraction:.0%} of its hunks over several commits"
    if change.declared_status in (DeclaredStatus.BACKPORT, DeclaredStatus.ACCEPTED):
        shas = {c.sha for c in obs.commits}
        for resolution in obs.urls:
            if resolution.state is UrlState.COMMIT and _declared(change, resolution.url):
                evidence = StatusEvidence(
                    MatchKind.DECLARED_BACKPORT, resolution.url, sha=resolution.sha
                )
                return evidence, f"declared backport of {resolution.url}, which exists"
        for ref in change.references:
            if ref in shas:
                return StatusEvidence(
                    MatchKind.DECLARED_BACKPORT, sha=ref
                ), f"declared backport of commit {ref[:12]}, which exists"
    return None


def _carrying(
    change: Change,
    obs: TargetObservation,
    hunks: tuple[str, ...],
    rules: StatusRules,
    state: RequestState,
    digest: str | None,
) -> tuple[ObservedRequest, MatchKind] | None:
    """The first request in `state` carrying the change, by the strongest clue first."""
    requests = [r for r in obs.requests if r.state is state]
    sign = marker(change.id, str(obs.target), obs.branch)
    checks = (
        (MatchKind.MARKER, lambda r: sign in r.body),
        (
            MatchKind.FILE_CONTENT,
            lambda r: (
                digest is not None
                and any(f.name == change.name and f.digest == digest for f in r.files)
            ),
        ),
        (MatchKind.PATCH_ID, lambda r: _request_same_diff(change, r)),
        (
            MatchKind.HUNKS,
            lambda r: (
                _partial(hunks, (*r.hunks, *(h for f in r.files for h in f.hunks)), rules)
                is not None
            ),
        ),
        (
            MatchKind.FILE_NAME,
            lambda r: (
                change.type is ChangeType.PATCH and any(f.name == change.name for f in r.files)
            ),
        ),
    )
    for kind, check in checks:
        for request in requests:
            if check(request):
                return request, kind
    return None


def _request_same_diff(change: Change, request: ObservedRequest) -> bool:
    if change.type is not ChangeType.PATCH:
        return False
    ids = {change.patch_id, change.content_id} - {None}
    return request.patch_id in ids or any(_same_diff(change, f) for f in request.files)


def _request_evidence(request: ObservedRequest, kind: MatchKind) -> StatusEvidence:
    return StatusEvidence(kind, request.url or None, request.number, request.head_sha)


def _declared(change: Change, url: str) -> bool:
    return url in change.references or url in (change.status_raw or "")


def _spec_fraction(diff: str, spec_text: str) -> float | None:
    """The share of the spec edit's lines the target's spec agrees with.

    An added line agrees when the spec has it, a removed one when the spec no longer does:
    flipping `%global with_x 0` to 1 is not "there" when the target still sets 0 (under
    its own conditional, and has 1 only in an `%else`).
    """
    have = {"".join(line.split()) for line in spec_text.splitlines()}
    added, removed = [], []
    for line in diff.splitlines():
        if line.startswith(("+++", "---")) or not line[1:].strip():
            continue
        if line.startswith("+"):
            added.append("".join(line[1:].split()))
        elif line.startswith("-"):
            removed.append("".join(line[1:].split()))
    removed = [line for line in removed if line not in added]
    if not added:
        return None
    agree = sum(1 for line in added if line in have)
    agree += sum(1 for line in removed if line not in have)
    return agree / (len(added) + len(removed))
