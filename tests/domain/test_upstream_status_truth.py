"""`decide_status` against the seeded sandbox's truth, for every (package, branch, change,
target) row: observations are read straight from the world's git repositories and records."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

import pytest

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
from bot.domain.upstream_status import StatusRules, decide_status
from bot.ingest.analyze import analyze_trees
from bot.sandbox import gitstore
from bot.sandbox.seed import sandbox_rules
from tests.sandbox.seeded import NOW, Seeded, commit_diff, read_tree, seeded_world

_WHERE = {
    Target.CENTOS_STREAM: ("gitlab", "redhat/centos-stream/rpms/{}"),
    Target.FEDORA: ("pagure", "rpms/{}"),
    Target.PROJECT: ("github", "upstream/{}"),
}
_URL = re.compile(r"https://github\.com/(upstream/[^/]+)/(pull|commit)/(\w+)")


def _file(name: str, data: bytes) -> ObservedFile:
    digest = hashlib.sha256(data).hexdigest()
    if not name.endswith((".patch", ".diff")):
        return ObservedFile(name, digest)
    hunks = tuple(h.id for h in hunk_ids(data))
    return ObservedFile(name, digest, patch_id(data), content_id(data), hunks)


def _changed_files(git: Path, sha: str) -> tuple[ObservedFile, ...]:
    before, after = read_tree(git, f"{sha}^"), read_tree(git, sha)
    return tuple(_file(n, d) for n, d in sorted(after.items()) if before.get(n) != d)


class Observer:
    """Reads one world into observations, caching per (target, package)."""

    def __init__(self, seeded: Seeded) -> None:
        self.seeded = seeded
        self.cache: dict[tuple[Target, str, str], TargetObservation] = {}

    def observe(self, target: Target, branch: str, package: str) -> TargetObservation:
        key = (target, branch, package)
        if key not in self.cache:
            self.cache[key] = self._read(target, branch, package)
        return self.cache[key]

    def _read(self, target: Target, branch: str, package: str) -> TargetObservation:
        forge, pattern = _WHERE[target]
        path = pattern.format(package)
        git = self.seeded.git(forge, path)
        tree = read_tree(git, branch)
        requests = []
        for request in self.seeded.world.changes(forge, path):
            if request.target_branch != branch or request.head_sha is None:
                continue
            diff = commit_diff(git, request.head_sha)
            requests.append(
                ObservedRequest(
                    request.number,
                    RequestState(request.state),
                    url=f"{forge}/{path}/{request.number}",
                    body=request.body,
                    source_branch=request.source_branch,
                    head_sha=request.head_sha,
                    patch_id=patch_id(diff) if target is Target.PROJECT else None,
                    hunks=tuple(h.id for h in hunk_ids(diff)) if target is Target.PROJECT else (),
                    files=() if target is Target.PROJECT else _changed_files(git, request.head_sha),
                )
            )
        commits: list[UpstreamCommit] = []
        if target is Target.PROJECT:
            seen: set[str] = set()
            for name, _ in gitstore.branches(git):
                for sha in gitstore.run_git(git, "rev-list", name).decode().split():
                    if sha not in seen:
                        seen.add(sha)
                        diff = commit_diff(git, sha)
                        hunks = tuple(h.id for h in hunk_ids(diff))
                        commits.append(UpstreamCommit(sha, patch_id(diff), name, hunks))
        spec = tree.get(f"{package}.spec")
        return TargetObservation(
            target,
            branch,
            files=tuple(_file(n, d) for n, d in sorted(tree.items())),
            spec_text=spec.decode("utf-8", "replace") if spec is not None else None,
            requests=tuple(requests),
            commits=tuple(commits),
            repo=path,
        )

    def urls(
        self, references: tuple[str, ...], status_raw: str | None
    ) -> tuple[UrlResolution, ...]:
        found = []
        seen: set[str] = set()
        for text in (*references, status_raw or ""):
            for match in _URL.finditer(text):
                if match[0] not in seen:
                    seen.add(match[0])
                    found.append(self._resolve(match[0], *match.groups()))
        return tuple(found)

    def _resolve(self, url: str, repo: str, what: str, ref: str) -> UrlResolution:
        world = self.seeded.world
        if what == "pull":
            numbers = {c.number: c for c in world.changes("github", repo)}
            request = numbers.get(int(ref))
            if request is None:
                return UrlResolution(url, UrlState.UNKNOWN)
            return UrlResolution(url, UrlState(request.state), number=request.number)
        try:
            gitstore.run_git(self.seeded.git("github", repo), "cat-file", "-e", f"{ref}^{{commit}}")
        except gitstore.GitError:
            return UrlResolution(url, UrlState.UNKNOWN)
        return UrlResolution(url, UrlState.COMMIT, sha=ref)


@pytest.mark.parametrize("seed", [0, 1])
def test_every_truth_row_agrees(tmp_path_factory: pytest.TempPathFactory, seed: int) -> None:
    seeded = seeded_world(tmp_path_factory, seed=seed)
    observer = Observer(seeded)
    rules = sandbox_rules()
    agree: Counter[str] = Counter()
    wrong: list[str] = []
    for package in seeded.truth.packages:
        rpms = seeded.git("gitea", f"rpms/{package.name}")
        for branch in package.branches:
            if not branch.changes:
                continue
            downstream = read_tree(rpms, branch.head)
            analysis = analyze_trees(
                read_tree(rpms, branch.base_head), downstream, rules=rules, package=package.name
            )
            by_id = {change.id: change for change in analysis.changes}
            for truth in branch.changes:
                change = by_id[truth.id]
                data = downstream.get(change.name)
                digest = hashlib.sha256(data).hexdigest() if data is not None else None
                for row in truth.targets:
                    observation = observer.observe(row.target, row.branch, package.name)
                    if row.target is Target.PROJECT:
                        urls = observer.urls(change.references, change.status_raw)
                        observation = TargetObservation(
                            observation.target,
                            observation.branch,
                            observation.files,
                            observation.spec_text,
                            observation.requests,
                            observation.commits,
                            urls,
                            observation.repo,
                        )
                    decision = decide_status(
                        change,
                        observation,
                        now=NOW,
                        rules=StatusRules(),
                        first_seen=truth.since,
                        file_digest=digest,
                    )
                    if decision.status is row.status:
                        agree[row.story] += 1
                    else:
                        wrong.append(
                            f"{package.name} {branch.branch} {change.name} {row.target} "
                            f"{row.branch}: truth {row.status} ({row.story}), "
                            f"decided {decision.status}: {decision.reason}"
                        )
    print(f"seed {seed}: {sum(agree.values())} agree, {len(wrong)} disagree; {dict(agree)}")
    assert not wrong, "\n".join(wrong[:40])
    assert sum(agree.values()) > 100
