"""The Forge adapter for Pagure (Fedora's dist-git, src.fedoraproject.org): API v0 where it
has the call, Pagure's public web routes for file bytes and diffs, and stock git for history.

Where Pagure falls short of the Protocol, the adapter says so instead of pretending:
editing a comment and reacting exist only in Pagure's web UI (session login and CSRF), so
`edit_comment` and `react` raise `Invalid`. Pagure has no draft pull requests: a draft is
opened with the `[WIP]` title prefix, which reads back as `draft=True`. Pagure does not
refuse a second pull request from the same branch, so `open_change` checks first. Pagure
sends no ETag, so there are no conditional requests to make.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Self

from bot.forges import pagure_answers as answers
from bot.forges import pagure_requests as build
from bot.forges.base import (
    BranchHead,
    Capability,
    ChangeRequest,
    ChangeState,
    Comment,
    Commit,
    Issue,
    IssueState,
    Permission,
    PushCredentials,
    Reaction,
    Repo,
    RepoRef,
    Thread,
    TreeEntry,
)
from bot.forges.calls import Caller
from bot.forges.errors import NotFound, Unsupported
from bot.forges.pagure_git import Fetch, read_log
from bot.forges.pagure_http import PagureHttp
from bot.forges.pagure_threads import PagureThreads

_NO_EDITS = (
    "Pagure's API has no way to edit a comment (only its web UI has, behind a browser login); "
    "post a new comment instead"
)
_NO_REACTIONS = (
    "Pagure's API has no way to react to a comment (only its web UI has, behind a browser login)"
)


class PagureForge:
    """`username` is the account `token` belongs to: Pagure names forks and pushes by it.

    `default_branch` stands in for the repositories of `list_repos`, because Pagure's
    project listing does not say; `get_repo` asks each repository.
    """

    capabilities: frozenset[Capability] = frozenset()

    def __init__(
        self,
        *,
        name: str,
        base_url: str,
        token: str,
        username: str,
        caller: Caller,
        page_size: int = build.MAX_PER_PAGE,
        default_branch: str = "rawhide",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.name = name
        self._username = username
        self._token = token
        self._page_size = page_size
        self._default_branch = default_branch
        self._http = PagureHttp(
            forge=name,
            base_url=base_url,
            token=token,
            caller=caller,
            clock=clock or (lambda: datetime.now(UTC)),
        )
        self._web = self._http.base_url
        self._threads = PagureThreads(self._http, username=username, page_size=page_size)

    async def close(self) -> None:
        await self._http.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    # -- repositories ------------------------------------------------------------------

    async def list_repos(self, namespace: str, *, since: datetime | None = None) -> list[Repo]:
        """Pagure's project listing has no order to stop early on: `since` filters what
        every page holds (callers that mind the cost watch each repository instead)."""
        repos = await self._list_repos(namespace)
        if since is None:
            return repos
        fresh = [r for r in repos if r.updated_at >= since]
        return sorted(fresh, key=lambda r: r.updated_at, reverse=True)

    async def _list_repos(self, namespace: str) -> list[Repo]:
        doing = f"list projects of {namespace}"
        projects = await self._http.pages(
            lambda page: build.projects(namespace, page=page, per_page=self._page_size),
            doing,
            "projects",
        )
        return [
            self._http.decipher(
                doing, answers.repo, p, web_base=self._web, default_branch=self._default_branch
            )
            for p in projects
        ]

    async def get_repo(self, repo: RepoRef) -> Repo:
        doing = f"read project {repo.path}"
        project = await self._http.json(build.project(repo), doing)
        branches = await self._http.json(build.branches(repo), f"list branches of {repo.path}")
        default = self._http.decipher(doing, answers.default_branch, branches)
        return self._http.decipher(
            doing,
            answers.repo,
            project,
            web_base=self._web,
            default_branch=default or self._default_branch,
        )

    async def list_branches(self, repo: RepoRef) -> list[BranchHead]:
        doing = f"list branches of {repo.path}"
        branches = await self._http.json(build.branches(repo), doing)
        return self._http.decipher(doing, answers.branch_heads, branches)

    async def read_file(self, repo: RepoRef, path: str, *, ref: str) -> bytes:
        doing = f"read {path} at {ref} in {repo.path}"
        try:
            return await self._http.send(build.raw_file(repo, ref, path), doing)
        except NotFound:
            # Pagure answers 404 for an empty file too; its tree tells the two apart
            if await self._is_file(repo, path, ref=ref):
                return b""
            raise

    async def _is_file(self, repo: RepoRef, path: str, *, ref: str) -> bool:
        doing = f"look up {path} at {ref} in {repo.path}"
        try:
            tree = await self._http.json(build.tree(repo, ref, path), doing)
        except NotFound:
            return False
        return self._http.decipher(doing, answers.tree_entries, tree) is None

    async def list_dir(self, repo: RepoRef, path: str, *, ref: str) -> list[TreeEntry]:
        doing = f"list {path or '/'} at {ref} in {repo.path}"
        tree = await self._http.json(build.tree(repo, ref, path), doing)
        entries = self._http.decipher(doing, answers.tree_entries, tree)
        if entries is None:
            raise NotFound(self.name, f"{doing}: {path} is a file, not a directory")
        return entries

    async def list_commits(
        self, repo: RepoRef, *, ref: str, path: str | None = None, limit: int = 100
    ) -> list[Commit]:
        doing = f"list commits of {ref} in {repo.path}"
        # without a path the newest `limit` commits are all there is to fetch
        shallow = None if path else limit
        fetch = Fetch(self._clone_url(repo), (ref,), depth=shallow)
        return await self._http.call(
            doing,
            lambda: read_log(self.name, doing, fetch, revisions=["{0}"], path=path, limit=limit),
        )

    async def commit_diff(self, repo: RepoRef, sha: str) -> bytes:
        """From the web route `/<repo>/c/<sha>.diff`. Pagure renders it with libgit2, whose
        short `index` lines change the patch id of a binary file from git's."""
        doing = f"read the diff of commit {sha} in {repo.path}"
        return await self._http.send(build.commit_diff(repo, sha), doing)

    async def compare(self, repo: RepoRef, base: str, head: str) -> list[Commit]:
        doing = f"compare {base}...{head} in {repo.path}"
        fetch = Fetch(self._clone_url(repo), (base, head))
        return await self._http.call(
            doing, lambda: read_log(self.name, doing, fetch, revisions=["{0}..{1}"])
        )

    def _clone_url(self, repo: RepoRef) -> str:
        return f"{self._web}/{build.clone_path(repo)}.git"

    async def fork(self, repo: RepoRef) -> Repo:
        mine = build.fork_ref(self._username, repo)
        try:
            return await self.get_repo(mine)
        except NotFound:
            pass
        doing = f"fork {repo.path}"
        await self._http.create(
            build.fork(repo), doing, read=lambda _body: True, find=lambda: self._exists(mine)
        )
        return await self.get_repo(mine)

    async def _exists(self, repo: RepoRef) -> bool | None:
        try:
            await self._http.once(build.project(repo), f"look up {repo.path}")
        except NotFound:
            return None
        return True

    async def permission(self, repo: RepoRef, user: str) -> Permission:
        doing = f"read the access of {user} to {repo.path}"
        project = await self._http.json(build.project(repo, expand_groups=True), doing)
        level = self._http.decipher(doing, answers.permission, project, user)
        if level is not None:
            return level
        try:
            await self._http.send(build.user(user), f"look up user {user}")
        except NotFound:
            return Permission.NONE
        return Permission.READ

    def push_credentials(self) -> PushCredentials | None:
        return PushCredentials(self._username, self._token)

    # -- pull requests, issues, comments (bot.forges.pagure_threads) -------------------

    async def find_changes(
        self,
        repo: RepoRef,
        *,
        state: ChangeState | None = None,
        author: str | None = None,
        source_branch: str | None = None,
        marker: str | None = None,
    ) -> list[ChangeRequest]:
        return await self._threads.find_changes(
            repo, state=state, author=author, source_branch=source_branch, marker=marker
        )

    async def get_change(self, repo: RepoRef, number: int) -> ChangeRequest:
        return await self._threads.get_change(repo, number)

    async def change_diff(self, repo: RepoRef, number: int) -> bytes:
        return await self._threads.change_diff(repo, number)

    async def edit_change(
        self,
        repo: RepoRef,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        draft: bool | None = None,
    ) -> ChangeRequest:
        return await self._threads.edit_change(repo, number, title=title, body=body, draft=draft)

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
    ) -> ChangeRequest:
        return await self._threads.open_change(
            target,
            source=source,
            source_branch=source_branch,
            target_branch=target_branch,
            title=title,
            body=body,
            draft=draft,
        )

    async def list_comments(
        self, thread: Thread, *, since: datetime | None = None
    ) -> list[Comment]:
        return await self._threads.list_comments(thread, since=since)

    async def post_comment(self, thread: Thread, body: str) -> Comment:
        return await self._threads.post_comment(thread, body)

    async def edit_comment(self, thread: Thread, comment_id: str, body: str) -> Comment:
        raise Unsupported(
            self.name, f"edit comment {comment_id} in {thread.repo.path}: {_NO_EDITS}"
        )

    async def react(self, thread: Thread, comment_id: str, reaction: Reaction) -> None:
        raise Unsupported(
            self.name, f"react to comment {comment_id} in {thread.repo.path}: {_NO_REACTIONS}"
        )

    async def find_issues(
        self,
        repo: RepoRef,
        *,
        state: IssueState | None = None,
        author: str | None = None,
        marker: str | None = None,
    ) -> list[Issue]:
        return await self._threads.find_issues(repo, state=state, author=author, marker=marker)

    async def open_issue(self, repo: RepoRef, title: str, body: str) -> Issue:
        return await self._threads.open_issue(repo, title, body)

    async def edit_issue(
        self, repo: RepoRef, number: int, *, title: str | None = None, body: str | None = None
    ) -> Issue:
        return await self._threads.edit_issue(repo, number, title=title, body=body)
