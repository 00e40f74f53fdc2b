"""Plans one repository's commits and refs in memory, computing each commit's sha as git will.

A `RepoPlan` is what the writer turns into one `git fast-import` run; its `shas` let the
rest of the seed name commits (in patch headers, merge requests, the truth) beforehand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType

from bot.sandbox.gitstore import Author, BatchCommit
from bot.sandbox.seed_gitobj import commit_id, ident, tree_id

_TIP = -1


@dataclass(slots=True)
class RepoPlan:
    """A repository to create: where, who may write, and its whole history."""

    forge: str
    path: str
    default_branch: str
    members: Mapping[str, str] = field(default_factory=dict)
    fork_of: str | None = None
    commits: list[BatchCommit] = field(default_factory=list)
    shas: list[str] = field(default_factory=list)
    trees: list[Mapping[str, bytes]] = field(default_factory=list)
    #: full ref name -> index of the commit it points at
    refs: dict[str, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2]

    def commit(
        self,
        branch: str,
        tree: Mapping[str, bytes],
        *,
        message: str,
        author: Author,
        when: datetime,
        parent: int | None = _TIP,
    ) -> int:
        """Commit the full `tree` on `branch` (on top of its tip unless `parent` says which
        commit; None for a root) and return the commit's index."""
        ref = branch if branch.startswith("refs/") else f"refs/heads/{branch}"
        if parent == _TIP:
            parent = self.refs.get(ref)
        before = self.trees[parent] if parent is not None else {}
        frozen = MappingProxyType(dict(tree))
        delta: dict[str, bytes | None] = {
            path: data for path, data in frozen.items() if before.get(path) != data
        }
        delta.update({path: None for path in before if path not in frozen})
        text = message if message.endswith("\n") else message + "\n"
        who = ident(author.name, author.email, when)
        parents = [self.shas[parent]] if parent is not None else []
        sha = commit_id(tree_id(frozen), parents, author=who, committer=who, message=text)
        self.commits.append(BatchCommit(ref, delta, text, author, when, parent))
        self.shas.append(sha)
        self.trees.append(frozen)
        self.refs[ref] = len(self.commits) - 1
        return len(self.commits) - 1

    def point(self, ref: str, index: int) -> None:
        """Make a branch (a bare name) or any full ref point at an existing commit."""
        self.refs[ref if ref.startswith("refs/") else f"refs/heads/{ref}"] = index

    def tip(self, branch: str) -> int:
        return self.refs[branch if branch.startswith("refs/") else f"refs/heads/{branch}"]

    def head_sha(self, branch: str) -> str:
        return self.shas[self.tip(branch)]

    def tree(self, branch: str) -> Mapping[str, bytes]:
        return self.trees[self.tip(branch)]

    def first_date(self) -> datetime | None:
        return min((c.when for c in self.commits), default=None)

    def last_date(self) -> datetime | None:
        return max((c.when for c in self.commits), default=None)

    def adopt(self, source: RepoPlan, index: int, ref: str) -> int:
        """Copy commit `index` of `source` (and the ancestors this repository lacks) here,
        with `ref` pointing at it, as a forge keeps a change request's head."""
        known = {sha: position for position, sha in enumerate(self.shas)}
        missing: list[int] = []
        cursor: int | None = index
        while cursor is not None and source.shas[cursor] not in known:
            missing.append(cursor)
            cursor = source.commits[cursor].parent
        for position in reversed(missing):
            commit = source.commits[position]
            parent = None if commit.parent is None else known[source.shas[commit.parent]]
            self.commits.append(replace(commit, ref=ref, parent=parent))
            self.shas.append(source.shas[position])
            self.trees.append(source.trees[position])
            known[source.shas[position]] = len(self.commits) - 1
        self.refs[ref] = known[source.shas[index]]
        return self.refs[ref]

    def copy_as(self, forge: str, path: str, *, owner: str) -> RepoPlan:
        """A fork: the same commits (so the same shas) under another path, owned by `owner`."""
        return RepoPlan(
            forge,
            path,
            self.default_branch,
            {owner: "admin"},
            self.path,
            list(self.commits),
            list(self.shas),
            list(self.trees),
            dict(self.refs),
        )
