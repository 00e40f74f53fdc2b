"""The sandbox's one state model: users, repositories, change requests, issues and comments of
each sandbox forge, with the repositories as real bare git repositories under `root`.

The four API servers are views of this state in their forge's own JSON; they share one
World, so a fork on the GitLab sandbox and a comment on the Gitea sandbox live side by side.
State other than git is kept in `root/state.json` (`save`/`load`), so a seeded world can be
served later by another process.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from bot.sandbox import gitstore
from bot.sandbox.gitstore import Author
from bot.sandbox.world_json import dump, json_default, load
from bot.sandbox.world_records import (
    FORGES,
    Clock,
    ForgeRecords,
    SandboxChange,
    SandboxComment,
    SandboxIssue,
    SandboxRepo,
    User,
    WorldError,
)

#: the records are read from here by the API apps and the seed, as before the split
__all__ = [
    "FORGES",
    "Clock",
    "SandboxChange",
    "SandboxComment",
    "SandboxIssue",
    "SandboxRepo",
    "User",
    "World",
    "WorldError",
]


class World:
    """All sandbox state. Methods are synchronous (git runs as a subprocess): API handlers
    call them through `asyncio.to_thread`, and a lock keeps writers from interleaving."""

    def __init__(self, root: Path, *, clock: Clock) -> None:
        self.root = root
        self.clock = clock
        self.lock = threading.RLock()
        self._forges: dict[str, ForgeRecords] = {name: ForgeRecords() for name in FORGES}

    # -- persistence -------------------------------------------------------------------

    def git_dir(self, forge: str, path: str) -> Path:
        return self.root / "git" / forge / f"{path}.git"

    def save(self) -> None:
        with self.lock:
            data = {name: dump(forge) for name, forge in self._forges.items()}
            self.root.mkdir(parents=True, exist_ok=True)
            temporary = self.root / "state.json.tmp"
            temporary.write_text(json.dumps(data, default=json_default), encoding="utf-8")
            temporary.replace(self.root / "state.json")

    @classmethod
    def load(cls, root: Path, *, clock: Clock) -> World:
        world = cls(root, clock=clock)
        data = json.loads((root / "state.json").read_text(encoding="utf-8"))
        for name, forge in data.items():
            world._forges[name] = load(forge)
        return world

    # -- users and permissions ---------------------------------------------------------

    def add_user(
        self,
        forge: str,
        name: str,
        *,
        email: str | None = None,
        token: str | None = None,
        admin: bool = False,
    ) -> User:
        with self.lock:
            user = User(
                name,
                email or f"{name}@{forge}.sandbox.test",
                token or f"{forge}-{name}-token",
                admin,
            )
            self._forges[forge].users[name] = user
            return user

    def users(self, forge: str) -> dict[str, User]:
        return self._forges[forge].users

    def user_by_token(self, forge: str, token: str) -> User | None:
        return next((u for u in self._forges[forge].users.values() if u.token == token), None)

    def role(self, forge: str, path: str, user: str) -> str | None:
        """The user's role on a repository: explicit membership, else owner of the namespace."""
        repo = self.repo(forge, path)
        found = self._forges[forge].users.get(user)
        if found and found.admin:
            return "admin"
        if user in repo.members:
            return repo.members[user]
        if repo.namespace == user:
            return "admin"
        return "read" if found else None

    # -- repositories ------------------------------------------------------------------

    def repo(self, forge: str, path: str) -> SandboxRepo:
        found = self._forges[forge].repos.get(path)
        if found is None:
            raise WorldError(f"{forge}: no repository {path}")
        return found

    def repos(self, forge: str, namespace: str | None = None) -> list[SandboxRepo]:
        repos = self._forges[forge].repos.values()
        return sorted(
            (r for r in repos if namespace is None or r.namespace == namespace),
            key=lambda r: r.path,
        )

    def create_repo(
        self,
        forge: str,
        path: str,
        *,
        default_branch: str = "main",
        members: dict[str, str] | None = None,
        init: bool = True,
    ) -> SandboxRepo:
        with self.lock:
            now = self.clock()
            data = self._forges[forge]
            repo = SandboxRepo(
                forge,
                path,
                default_branch,
                now,
                now,
                None,
                dict(members or {}),
                id=self._new_id(forge),
            )
            data.repos[path] = repo
            if init:
                gitstore.init_bare(self.git_dir(forge, path), default_branch=default_branch)
            return repo

    def commit(
        self,
        forge: str,
        path: str,
        branch: str,
        files: dict[str, bytes | None],
        *,
        message: str,
        author: Author,
        when: datetime | None = None,
        replace_tree: bool = False,
        parent: str | None = None,
    ) -> str:
        with self.lock:
            repo = self.repo(forge, path)
            moment = when or self.clock()
            sha = gitstore.commit_files(
                self.git_dir(forge, path),
                branch,
                files,
                message=message,
                author=author,
                when=moment,
                replace_tree=replace_tree,
                parent=parent,
            )
            repo.updated_at = max(repo.updated_at, moment)
            return sha

    def touch(self, forge: str, path: str) -> None:
        with self.lock:
            self.repo(forge, path).updated_at = self.clock()

    def fork(
        self, forge: str, path: str, owner: str, *, target_path: str | None = None
    ) -> SandboxRepo:
        """Fork `path` for `owner` (to `owner/<name>`, or `target_path` where the forge puts
        forks elsewhere, e.g. Pagure's `fork/<user>/rpms/<name>`); an existing fork is
        returned as it is."""
        with self.lock:
            source = self.repo(forge, path)
            target = target_path or f"{owner}/{source.name}"
            existing = self._forges[forge].repos.get(target)
            if existing is not None:
                return existing
            fork = self.create_repo(
                forge,
                target,
                default_branch=source.default_branch,
                members={owner: "admin"},
                init=False,
            )
            fork.fork_of = path
            gitstore.clone_bare(self.git_dir(forge, path), self.git_dir(forge, target))
            return fork

    # -- change requests ---------------------------------------------------------------

    def changes(self, forge: str, path: str) -> list[SandboxChange]:
        return sorted(
            (c for c in self._forges[forge].changes.values() if c.repo == path),
            key=lambda c: c.number,
        )

    def change(self, forge: str, path: str, number: int) -> SandboxChange:
        found = self._forges[forge].changes.get(f"{path}#{number}")
        if found is None:
            raise WorldError(f"{forge}: no change request {path}#{number}")
        return found

    def open_change(
        self,
        forge: str,
        path: str,
        *,
        title: str,
        body: str,
        author: str,
        source_repo: str,
        source_branch: str,
        target_branch: str,
        draft: bool = False,
        shared_numbers: bool = True,
    ) -> SandboxChange:
        """Open a change request; its source branch is fetched into the target as
        `refs/pull/<n>/head`, so its diff and commits are read in one repository.

        `shared_numbers`: issues and change requests count together (GitHub, Gitea, Pagure);
        GitLab numbers merge requests on their own.
        """
        with self.lock:
            self.repo(forge, path)
            source_dir = self.git_dir(forge, source_repo)
            head = gitstore.branch_head(source_dir, source_branch)
            if head is None:
                raise WorldError(f"{forge}: no branch {source_branch} in {source_repo}")
            number = self._next_number(forge, path, shared=shared_numbers, kind="change")
            now = self.clock()
            change = SandboxChange(
                forge,
                path,
                number,
                title,
                body,
                author,
                source_repo,
                source_branch,
                target_branch,
                now,
                now,
                draft=draft,
                head_sha=head,
                id=self._new_id(forge),
            )
            gitstore.fetch_ref(
                self.git_dir(forge, path),
                source_dir,
                f"refs/heads/{source_branch}",
                f"refs/pull/{number}/head",
            )
            self._forges[forge].changes[f"{path}#{number}"] = change
            self.touch(forge, path)
            return change

    def set_change_state(self, forge: str, path: str, number: int, state: str) -> SandboxChange:
        with self.lock:
            change = self.change(forge, path, number)
            change.state = state
            change.updated_at = self.clock()
            if state == "merged":
                change.merged_at = change.updated_at
                gitstore.update_ref(
                    self.git_dir(forge, path),
                    f"refs/heads/{change.target_branch}",
                    change.head_sha or "",
                )
            # a merge pushes to the target branch; GitLab's project activity also counts
            # merge request events, the other forges' repository dates do not
            if state == "merged" or forge == "gitlab":
                self.repo(forge, path).updated_at = change.updated_at
            return change

    def edit_change(
        self,
        forge: str,
        path: str,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        draft: bool | None = None,
    ) -> SandboxChange:
        """Set a change request's title (as the forge stores it), body or draft flag."""
        with self.lock:
            change = self.change(forge, path, number)
            change.title = change.title if title is None else title
            change.body = change.body if body is None else body
            change.draft = change.draft if draft is None else draft
            change.updated_at = self.clock()
            return change

    def follow_push(self, forge: str, source_repo: str, branch: str) -> list[SandboxChange]:
        """After a push moved `branch` of `source_repo`, the open change requests from it
        carry its new head, as a forge updates a request when its source branch moves."""
        with self.lock:
            head = gitstore.branch_head(self.git_dir(forge, source_repo), branch)
            moved = []
            for change in self._forges[forge].changes.values():
                if (change.state, change.source_repo, change.source_branch) != (
                    "open", source_repo, branch
                ) or head is None or change.head_sha == head:
                    continue
                gitstore.fetch_ref(
                    self.git_dir(forge, change.repo),
                    self.git_dir(forge, source_repo),
                    f"refs/heads/{branch}",
                    f"refs/pull/{change.number}/head",
                )
                change.head_sha = head
                change.updated_at = self.clock()
                moved.append(change)
            return moved

    def change_diff(self, forge: str, path: str, number: int) -> bytes:
        change = self.change(forge, path, number)
        return gitstore.diff(
            self.git_dir(forge, path), change.target_branch, f"refs/pull/{number}/head"
        )

    # -- issues and comments -----------------------------------------------------------

    def issues(self, forge: str, path: str) -> list[SandboxIssue]:
        return sorted(
            (i for i in self._forges[forge].issues.values() if i.repo == path),
            key=lambda i: i.number,
        )

    def issue(self, forge: str, path: str, number: int) -> SandboxIssue:
        found = self._forges[forge].issues.get(f"{path}#{number}")
        if found is None:
            raise WorldError(f"{forge}: no issue {path}#{number}")
        return found

    def open_issue(
        self,
        forge: str,
        path: str,
        *,
        title: str,
        body: str,
        author: str,
        shared_numbers: bool = True,
    ) -> SandboxIssue:
        with self.lock:
            self.repo(forge, path)
            number = self._next_number(forge, path, shared=shared_numbers, kind="issue")
            now = self.clock()
            issue = SandboxIssue(
                forge, path, number, title, body, author, now, now, id=self._new_id(forge)
            )
            self._forges[forge].issues[f"{path}#{number}"] = issue
            return issue

    def edit_issue(
        self,
        forge: str,
        path: str,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        state: str | None = None,
    ) -> SandboxIssue:
        with self.lock:
            issue = self.issue(forge, path, number)
            issue.title = issue.title if title is None else title
            issue.body = issue.body if body is None else body
            issue.state = issue.state if state is None else state
            issue.updated_at = self.clock()
            return issue

    def comments(self, forge: str, path: str, kind: str, number: int) -> list[SandboxComment]:
        return sorted(
            (
                c
                for c in self._forges[forge].comments.values()
                if c.repo == path and c.kind == kind and c.number == number
            ),
            key=lambda c: c.id,
        )

    def comment(self, forge: str, comment_id: int) -> SandboxComment:
        found = self._forges[forge].comments.get(comment_id)
        if found is None:
            raise WorldError(f"{forge}: no comment {comment_id}")
        return found

    def add_comment(
        self, forge: str, path: str, kind: str, number: int, *, author: str, body: str
    ) -> SandboxComment:
        with self.lock:
            if kind == "issue":
                self.issue(forge, path, number).updated_at = self.clock()
            else:
                self.change(forge, path, number).updated_at = self.clock()
            now = self.clock()
            comment = SandboxComment(
                self._new_id(forge), forge, path, kind, number, author, body, now, now
            )
            self._forges[forge].comments[comment.id] = comment
            return comment

    def edit_comment(self, forge: str, comment_id: int, body: str) -> SandboxComment:
        with self.lock:
            comment = self.comment(forge, comment_id)
            comment.body = body
            comment.updated_at = self.clock()
            return comment

    def react(self, forge: str, comment_id: int, user: str, reaction: str) -> SandboxComment:
        with self.lock:
            comment = self.comment(forge, comment_id)
            if (user, reaction) not in comment.reactions:
                comment.reactions.append((user, reaction))
            return comment

    # -- numbering ---------------------------------------------------------------------

    def _new_id(self, forge: str) -> int:
        data = self._forges[forge]
        data.next_id += 1
        return data.next_id

    def _next_number(self, forge: str, path: str, *, shared: bool, kind: str) -> int:
        data = self._forges[forge]
        numbers = [
            c.number
            for c in data.changes.values()
            if c.repo == path and (shared or kind == "change")
        ]
        numbers += [
            i.number for i in data.issues.values() if i.repo == path and (shared or kind == "issue")
        ]
        return max(numbers, default=0) + 1

    @contextmanager
    def writing(self) -> Iterator[World]:
        """Hold the lock over several calls that must not interleave with others."""
        with self.lock:
            yield self
