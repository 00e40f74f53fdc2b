"""Reads what one target holds for one package through the `Forge` Protocol only: the target
branch's files, its change requests and their files, the project's commits, and what the
URLs a patch header declares point at. A missing repository or branch observes nothing.

The Protocol has no per-commit diff (`list_commits` gives sha and message only), so project
commits carry no patch id or hunks here: only a declared backport (`cherry picked from`,
a commit URL) can find a change in the project's history.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

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
) -> Observed:
    """What `repo` holds on `branch` (None: its default branch) for `package`'s changes.

    Raises the forge's errors except `NotFound`, which means an empty observation.
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
        _commits(forge, repo, sorted(heads)) if project else _none(),
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


async def _commits(forge: Forge, repo: RepoRef, branches: list[str]) -> tuple[UpstreamCommit, ...]:
    per_branch = await asyncio.gather(
        *(forge.list_commits(repo, ref=b, limit=COMMITS_PER_BRANCH) for b in branches)
    )
    seen: dict[str, UpstreamCommit] = {}
    for name, commits in zip(branches, per_branch, strict=True):
        for commit in commits:
            seen.setdefault(commit.sha, UpstreamCommit(commit.sha, None, name))
    return tuple(seen.values())


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
