"""What the service needs from a forge, in one vocabulary for Gitea, GitLab, Pagure and GitHub."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RepoRef:
    """A repository by its path: `namespace` may hold slashes (GitLab groups)."""

    namespace: str
    name: str

    @property
    def path(self) -> str:
        return f"{self.namespace}/{self.name}"

    @classmethod
    def parse(cls, path: str) -> RepoRef:
        namespace, _, name = path.strip("/").rpartition("/")
        if not namespace or not name:
            raise ValueError(f"{path!r} is not a repository path like 'rpms/bash'")
        return cls(namespace, name)


@dataclass(frozen=True, slots=True)
class Repo:
    ref: RepoRef
    default_branch: str
    updated_at: datetime
    clone_url: str
    web_url: str
    fork_of: RepoRef | None = None


@dataclass(frozen=True, slots=True)
class BranchHead:
    name: str
    sha: str


class EntryType(StrEnum):
    FILE = "file"
    DIR = "dir"
    LINK = "symlink"
    SUBMODULE = "submodule"


@dataclass(frozen=True, slots=True)
class TreeEntry:
    path: str
    type: EntryType
    size: int | None = None


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    title: str
    message: str
    author_name: str
    author_email: str
    authored_at: datetime


class ChangeState(StrEnum):
    """Where a merge request / pull request stands."""

    OPEN = "open"
    CLOSED = "closed"
    MERGED = "merged"


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    """A merge request (GitLab) or pull request (Gitea, Pagure, GitHub); `number` is per repo."""

    number: int
    title: str
    body: str
    state: ChangeState
    author: str
    source: RepoRef
    source_branch: str
    target: RepoRef
    target_branch: str
    url: str
    created_at: datetime
    updated_at: datetime
    draft: bool = False
    head_sha: str | None = None


class ThreadKind(StrEnum):
    ISSUE = "issue"
    CHANGE = "change"


@dataclass(frozen=True, slots=True)
class Thread:
    """Where comments live: an issue or a change request of a repository."""

    repo: RepoRef
    kind: ThreadKind
    number: int


@dataclass(frozen=True, slots=True)
class Comment:
    id: str
    author: str
    body: str
    created_at: datetime
    updated_at: datetime
    url: str


class IssueState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Issue:
    number: int
    title: str
    body: str
    state: IssueState
    author: str
    url: str
    created_at: datetime
    updated_at: datetime


class Permission(IntEnum):
    """A user's role on a repository, ordered so that `>=` means "at least"."""

    NONE = 0
    READ = 10
    TRIAGE = 20
    WRITE = 30
    MAINTAIN = 40
    ADMIN = 50


class Reaction(StrEnum):
    """The reactions the bot uses; each adapter spells them its forge's way."""

    SEEN = "eyes"
    DONE = "+1"
    REFUSED = "-1"
    CONFUSED = "confused"


class Capability(StrEnum):
    """What not every forge's API can do; the service checks before relying on it."""

    EDIT_COMMENT = "edit-comment"  # no on Pagure: post a new comment instead
    REACT = "react"  # no on Pagure: acknowledge with a comment instead
    DRAFT = "draft"  # Pagure has no drafts; its adapter marks the title [WIP]
    # no on Pagure: its project listing has no order, so `list_repos(since=...)` reads all
    REPOS_BY_ACTIVITY = "repos-by-activity"


@dataclass(frozen=True, slots=True)
class PushCredentials:
    """What `git push` over HTTPS needs; the token never goes into argv, URLs or logs."""

    username: str
    token: str


class Forge(Protocol):
    """The narrow set of calls the service makes; every adapter implements all of them.

    Every method may raise the errors of `bot.forges.errors`; lists are complete (all pages);
    lists of commits are newest first. A method outside `capabilities` raises `Unsupported`.
    """

    name: str
    capabilities: frozenset[Capability]

    async def list_repos(self, namespace: str, *, since: datetime | None = None) -> list[Repo]:
        """The namespace's repositories; with `since`, only those updated at or after it,
        newest first, reading pages only until an older one (with `REPOS_BY_ACTIVITY`;
        a forge without it reads every page and filters)."""
        ...

    async def get_repo(self, repo: RepoRef) -> Repo: ...

    async def list_branches(self, repo: RepoRef) -> list[BranchHead]: ...

    async def read_file(self, repo: RepoRef, path: str, *, ref: str) -> bytes: ...

    async def list_dir(self, repo: RepoRef, path: str, *, ref: str) -> list[TreeEntry]: ...

    async def list_commits(
        self, repo: RepoRef, *, ref: str, path: str | None = None, limit: int = 100
    ) -> list[Commit]: ...

    async def compare(self, repo: RepoRef, base: str, head: str) -> list[Commit]: ...

    async def commit_diff(self, repo: RepoRef, sha: str) -> bytes:
        """The commit's diff against its first parent, as git prints it (its patch id is
        git's); `NotFound` when the repository has no such commit."""
        ...

    async def find_changes(
        self,
        repo: RepoRef,
        *,
        state: ChangeState | None = None,
        author: str | None = None,
        source_branch: str | None = None,
        marker: str | None = None,
    ) -> list[ChangeRequest]: ...

    async def get_change(self, repo: RepoRef, number: int) -> ChangeRequest: ...

    async def change_diff(self, repo: RepoRef, number: int) -> bytes: ...

    async def list_comments(
        self, thread: Thread, *, since: datetime | None = None
    ) -> list[Comment]: ...

    async def post_comment(self, thread: Thread, body: str) -> Comment: ...

    async def edit_comment(self, thread: Thread, comment_id: str, body: str) -> Comment: ...

    async def react(self, thread: Thread, comment_id: str, reaction: Reaction) -> None: ...

    async def find_issues(
        self,
        repo: RepoRef,
        *,
        state: IssueState | None = None,
        author: str | None = None,
        marker: str | None = None,
    ) -> list[Issue]: ...

    async def open_issue(self, repo: RepoRef, title: str, body: str) -> Issue: ...

    async def edit_issue(
        self, repo: RepoRef, number: int, *, title: str | None = None, body: str | None = None
    ) -> Issue: ...

    async def fork(self, repo: RepoRef) -> Repo: ...

    async def open_change(
        self,
        target: RepoRef,
        *,
        source: RepoRef,
        source_branch: str,
        target_branch: str,
        title: str,
        body: str,
        draft: bool = False,
    ) -> ChangeRequest: ...

    async def edit_change(
        self,
        repo: RepoRef,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        draft: bool | None = None,
    ) -> ChangeRequest:
        """Change a change request's title, body or draft state (None leaves each as it
        is); `title` is given without a draft prefix, as `ChangeRequest.title` reads.
        Where drafts are a title prefix (GitLab, Gitea, Pagure) the adapter keeps it."""
        ...

    async def permission(self, repo: RepoRef, user: str) -> Permission: ...

    def push_credentials(self) -> PushCredentials | None: ...

    async def close(self) -> None:
        """Release sessions and worker threads; the adapter is not used afterwards."""
        ...
