"""Reads what one target holds for one package through the `Forge` Protocol only: the target
branch's files, its change requests and their files, the project's commits, and what the
URLs a patch header declares point at. A missing repository or branch observes nothing.

Project commits of the default branch and of stable branches (`stable*`, where fixes are
backported) carry the patch id and hunks of their diff (`Forge.commit_diff`), so a change
the project holds under another sha is found without a declared backport; commits of
other branches carry their sha only (a declared `cherry picked from` or commit URL).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.domain.hunks import content_id, hunk_ids
from bot.domain.model import Target
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
from bot.forges.base import ChangeRequest, Forge, RepoRef
from bot.forges.errors import Invalid, NotFound
from bot.service.forge_urls import ForgeLink, UrlKind
from bot.service.remote_tree import read_remote_tree

_PATCH_SUFFIXES = (".patch", ".diff")
_DIFF_FILE = re.compile(rb"^diff --git a/(.+?) b/(.+)$", re.MULTILINE)
#: How many commits of each project branch are read: recent history is where backports
#: come from, and the Protocol pages through all of them otherwise.
COMMITS_PER_BRANCH = 100
#: How many of the newest commits of the default and stable branches get their diff read:
#: one forge call each, so the bound keeps a scan of a busy project affordable.
DIFFED_PER_BRANCH = 200
#: Branch names whose commits are diffed besides the default branch's.
_DIFFED_BRANCH = re.compile(r"^stable")
#: How many commit diffs are read at once (the adapters' budgets queue the rest anyway).
_DIFF_CONCURRENCY = 8


#: a commit diff's identity: its patch id (None when git gives none) and its hunk ids
Identity = tuple[str | None, tuple[str, ...]]


class CommitIdentities(Protocol):
    """Where commit identities read earlier are kept: a commit's diff never changes, so
    each sha is read from the forge once."""

    async def known(self, shas: Sequence[str]) -> dict[str, Identity]: ...

    async def remember(self, found: Mapping[str, Identity]) -> None: ...


@dataclass(frozen=True, slots=True)
class Observed:
    """An observation and whether the repository exists at all (a project may not)."""

    observation: TargetObservation
    exists: bool


def observed_file(name: str, data: bytes) -> ObservedFile:
    """A file with its identities; patch ids and hunks only for patch files."""
    digest = hashlib.sha256(data).hexdigest()
    if not name.endswith(_PATCH_SUFFIXES):
        return ObservedFile(name, digest)
    hunks = tuple(h.id for h in hunk_ids(data))
    return ObservedFile(name, digest, patch_id(data), content_id(data), hunks)


async def observe_target(
    forge: Forge,
    repo: RepoRef,
    *,
    target: Target,
    branch: str | None,
    package: str,
    identities: CommitIdentities | None = None,
) -> Observed:
    """What `repo` holds on `branch` (None: its default branch) for `package`'s changes.

    `identities` keeps commit diffs' identities between observations. Raises the forge's
    errors except `NotFound`, which means an empty observation.
    """
    empty = TargetObservation(target, branch or "", repo=repo.path)
    try:
        if branch is None:
            branch = (await forge.get_repo(repo)).default_branch
            empty = TargetObservation(target, branch, repo=repo.path)
        heads = {b.name for b in await forge.list_branches(repo)}
    except NotFound:
        return Observed(empty, exists=False)
    if branch not in heads:
        return Observed(empty, exists=True)
    project = target is Target.PROJECT
    tree, requests, commits = await asyncio.gather(
        read_remote_tree(forge, repo, ref=branch),
        _requests(forge, repo, branch, whole_diff=project),
        _commits(forge, repo, sorted(heads), default=branch, identities=identities)
        if project
        else _none(),
    )
    files = tuple(observed_file(p.rpartition("/")[2], data) for p, data in sorted(tree.items()))
    spec = tree.get(f"{package}.spec", tree.get(f"SPECS/{package}.spec"))
    observation = TargetObservation(
        target,
        branch,
        files=files,
        spec_text=spec.decode("utf-8", "replace") if spec is not None else None,
        requests=requests,
        commits=commits,
        repo=repo.path,
    )
    return Observed(observation, exists=True)


async def resolve_links(forge: Forge, links: Sequence[ForgeLink]) -> tuple[UrlResolution, ...]:
    """What each declared URL on `forge` points at; a URL the forge does not know is
    `UNKNOWN` (decide_status warns about it), an outage raises."""
    return tuple(await asyncio.gather(*(_resolve(forge, link) for link in links)))


async def _resolve(forge: Forge, link: ForgeLink) -> UrlResolution:
    try:
        if link.kind is UrlKind.REQUEST and link.number is not None:
            request = await forge.get_change(link.repo, link.number)
            return UrlResolution(link.url, UrlState(str(request.state)), number=request.number)
        if link.sha is not None:
            found = await forge.list_commits(link.repo, ref=link.sha, limit=1)
            if found and found[0].sha.startswith(link.sha):
                return UrlResolution(link.url, UrlState.COMMIT, sha=found[0].sha)
    except (NotFound, Invalid):
        pass
    return UrlResolution(link.url, UrlState.UNKNOWN)


async def _none() -> tuple[UpstreamCommit, ...]:
    return ()


async def _commits(
    forge: Forge,
    repo: RepoRef,
    branches: list[str],
    *,
    default: str,
    identities: CommitIdentities | None,
) -> tuple[UpstreamCommit, ...]:
    diffed = {b for b in branches if b == default or _DIFFED_BRANCH.match(b)}
    per_branch = await asyncio.gather(
        *(
            forge.list_commits(
                repo, ref=b, limit=DIFFED_PER_BRANCH if b in diffed else COMMITS_PER_BRANCH
            )
            for b in branches
        )
    )
    # the default branch first, so a commit on several branches is reported as on it
    order = sorted(zip(branches, per_branch, strict=True), key=lambda bc: bc[0] != default)
    seen: dict[str, str] = {}
    to_diff: set[str] = set()
    for name, commits in order:
        for commit in commits:
            seen.setdefault(commit.sha, name)
            if name in diffed:
                to_diff.add(commit.sha)
    found = await _identities(forge, repo, sorted(to_diff), identities)
    commits = []
    for sha, name in seen.items():
        diff_id, hunks = found.get(sha, (None, ()))
        commits.append(UpstreamCommit(sha, diff_id, name, hunks))
    return tuple(commits)


async def _identities(
    forge: Forge, repo: RepoRef, shas: list[str], kept: CommitIdentities | None
) -> dict[str, Identity]:
    """Each commit's identity, read from `kept` where it is there, else diffed (and kept)."""
    found = await kept.known(shas) if kept is not None else {}
    missing = [sha for sha in shas if sha not in found]
    gate = asyncio.Semaphore(_DIFF_CONCURRENCY)
    read = dict(
        zip(
            missing,
            await asyncio.gather(*(_commit_identity(forge, repo, s, gate) for s in missing)),
            strict=True,
        )
    )
    fresh = {sha: identity for sha, identity in read.items() if identity is not None}
    if kept is not None and fresh:
        await kept.remember(fresh)
    return {**found, **{sha: identity or (None, ()) for sha, identity in read.items()}}


async def _commit_identity(
    forge: Forge, repo: RepoRef, sha: str, gate: asyncio.Semaphore
) -> Identity | None:
    """A commit's patch id and hunk ids; none for a commit the forge cannot diff (gone
    since it was listed, or a merge whose diff the forge refuses)."""
    async with gate:
        try:
            diff = await forge.commit_diff(repo, sha)
        except (NotFound, Invalid):
            return None  # not kept: the forge may diff it another time
    return patch_id(diff), tuple(h.id for h in hunk_ids(diff))


async def _requests(
    forge: Forge, repo: RepoRef, branch: str, *, whole_diff: bool
) -> tuple[ObservedRequest, ...]:
    found = [r for r in await forge.find_changes(repo) if r.target_branch == branch]
    observed = await asyncio.gather(*(_request(forge, repo, r, whole_diff) for r in found))
    return tuple(observed)


async def _request(
    forge: Forge, repo: RepoRef, request: ChangeRequest, whole_diff: bool
) -> ObservedRequest:
    diff = await forge.change_diff(repo, request.number)
    common = {
        "url": request.url,
        "title": request.title,
        "body": request.body,
        "source_branch": request.source_branch,
        "head_sha": request.head_sha,
    }
    state = RequestState(str(request.state))
    if whole_diff:
        hunks = tuple(h.id for h in hunk_ids(diff))
        return ObservedRequest(
            request.number, state, patch_id=patch_id(diff), hunks=hunks, **common
        )
    if diff.strip() or request.head_sha is None:
        files = await _request_files(forge, request, diff)
    else:
        files = await _head_commit_files(forge, repo, request.head_sha)
    return ObservedRequest(request.number, state, files=files, **common)


async def _head_commit_files(forge: Forge, repo: RepoRef, sha: str) -> tuple[ObservedFile, ...]:
    """The files a request's head commit changed, from the trees at it and at its parent.

    A forge may answer an empty diff for a merged request (its head is now in the target
    branch); the Protocol has no commit diff, so compare the two trees instead.
    """
    history = await forge.list_commits(repo, ref=sha, limit=2)
    after = await read_remote_tree(forge, repo, ref=sha)
    before = await read_remote_tree(forge, repo, ref=history[1].sha) if len(history) > 1 else {}
    return tuple(
        observed_file(path.rpartition("/")[2], data)
        for path, data in sorted(after.items())
        if before.get(path) != data
    )


async def _request_files(
    forge: Forge, request: ChangeRequest, diff: bytes
) -> tuple[ObservedFile, ...]:
    """The files a dist-git request adds or changes, read from its source at its head."""
    paths = sorted({m[2].decode("utf-8", "replace") for m in _DIFF_FILE.finditer(diff)})
    ref = request.head_sha or request.source_branch

    async def read(path: str) -> ObservedFile | None:
        try:
            data = await forge.read_file(request.source, path, ref=ref)
        except NotFound:
            return None  # deleted by the request, or its fork is gone
        return observed_file(path.rpartition("/")[2], data)

    files = await asyncio.gather(*(read(p) for p in paths))
    return tuple(f for f in files if f is not None)
