"""The `Forge` adapter for GitLab (CentOS Stream's forge), through the python-gitlab client.

python-gitlab is synchronous: every request runs in a worker thread, one `Caller.call` per
request (see `gitlab_calls`), with the library's own retrying and rate-limit sleeping off.
Merge requests live in `gitlab_changes`, comments and issues in `gitlab_threads`.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import gitlab
import requests

from bot.forges import gitlab_parse as parse
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
from bot.forges.calls import ETAG_CACHE_ENTRIES, Caller
from bot.forges.errors import Conflict, Invalid, NotFound
from bot.forges.gitlab_calls import NO_LIBRARY_RETRY as NO_RETRY
from bot.forges.gitlab_calls import Clock, GitlabCalls, page_args, read, remember_headers
from bot.forges.gitlab_changes import GitlabChanges
from bot.forges.gitlab_lookup import GitlabLookup, Json
from bot.forges.gitlab_threads import GitlabThreads


def _utcnow() -> datetime:
    return datetime.now(UTC)


class GitlabForge:
    """A GitLab instance (`base_url` without `/api/v4`) seen by the user owning `token`.

    `fork_namespace`: where `fork` puts forks (default: the user's own namespace).
    `threads`: worker threads for python-gitlab, at least the caller's concurrency.
    `cache_hits` counts answers revalidated by ETag (304) instead of sent again; the cache
    keeps the `cache_entries` answers used last.
    """

    capabilities: frozenset[Capability] = frozenset(Capability)

    def __init__(
        self,
        *,
        name: str,
        base_url: str,
        token: str,
        caller: Caller,
        page_size: int = 100,
        fork_namespace: str | None = None,
        clock: Clock = _utcnow,
        session: requests.Session | None = None,
        threads: int = 8,
        cache_entries: int = ETAG_CACHE_ENTRIES,
    ) -> None:
        self.name = name
        self._token = token
        self._page_size = page_size
        self._fork_namespace = fork_namespace
        session = session or requests.Session()
        session.hooks["response"].append(remember_headers)
        # python-gitlab's own timeout ends the worker thread when `Caller` stops waiting for it
        self._gl = gitlab.Gitlab(
            base_url.rstrip("/"),
            private_token=token,
            timeout=caller.timeout,
            per_page=page_size,
            retry_transient_errors=False,
            session=session,
        )
        self._calls = GitlabCalls(forge=name, caller=caller, clock=clock, threads=threads,
                                  cache_entries=cache_entries)
        self._lookup = GitlabLookup(gl=self._gl, calls=self._calls)
        self._changes = GitlabChanges(
            gl=self._gl, calls=self._calls, lookup=self._lookup, page_size=page_size
        )
        self._threads = GitlabThreads(
            gl=self._gl,
            calls=self._calls,
            lookup=self._lookup,
            base_url=base_url.rstrip("/"),
            page_size=page_size,
        )

    @property
    def cache_hits(self) -> int:
        return self._calls.cache_hits

    async def close(self) -> None:
        """Stop the worker threads and the HTTP session (in a thread: shutting the pool
        down waits for calls still running there)."""
        await asyncio.to_thread(self._close)

    def _close(self) -> None:
        self._calls.close()
        self._gl.session.close()

    async def __aenter__(self) -> GitlabForge:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    # -- repositories ------------------------------------------------------------------

    async def list_repos(self, namespace: str, *, since: datetime | None = None) -> list[Repo]:
        """The projects directly in a group (`namespace` may be nested: `redhat/centos-stream`);
        with `since`, newest activity first (`order_by=last_activity_at`) down to `since`."""
        group = self._gl.groups.get(namespace, lazy=True)
        doing = f"list projects of group {namespace}"
        # by id: a project created while we page goes to the end, not in between
        order = ("id", "asc") if since is None else ("last_activity_at", "desc")
        items = await self._calls.pages(
            doing,
            f"group-projects:{namespace}:{order[0]}",
            lambda page, headers: [
                p.asdict()
                for p in group.projects.list(
                    order_by=order[0],
                    sort=order[1],
                    **page_args(page, headers, per_page=self._page_size),
                )
            ],
            enough=None if since is None else lambda got: _older(got[-1], since) if got else True,
        )
        for item in items:
            self._lookup.remember(item)
        repos = [read(self.name, doing, parse.repo, p) for p in items]
        return repos if since is None else [r for r in repos if r.updated_at >= since]

    async def get_repo(self, repo: RepoRef) -> Repo:
        data = await self._lookup.project(repo)
        return read(self.name, f"read project {repo.path}", parse.repo, data)

    async def list_branches(self, repo: RepoRef) -> list[BranchHead]:
        branches = self._lookup.api(repo).branches
        doing = f"list branches of {repo.path}"
        items = await self._calls.pages(
            doing,
            f"branches:{repo.path}",
            lambda page, headers: [
                b.asdict()
                for b in branches.list(**page_args(page, headers, per_page=self._page_size))
            ],
        )
        return [read(self.name, doing, parse.branch, b) for b in items]

    async def read_file(self, repo: RepoRef, path: str, *, ref: str) -> bytes:
        files = self._lookup.api(repo).files
        doing = f"read {path} at {ref} in {repo.path}"
        content = await self._calls.run(
            doing, lambda: files.raw(file_path=path, ref=ref, **NO_RETRY)
        )
        if not isinstance(content, bytes):
            raise Invalid(self.name, f"{doing}: the answer holds no file content")
        return content

    async def list_dir(self, repo: RepoRef, path: str, *, ref: str) -> list[TreeEntry]:
        project = self._lookup.api(repo)
        doing = f"list {path or '/'} at {ref} in {repo.path}"
        items = await self._calls.pages(
            doing,
            f"tree:{repo.path}:{ref}:{path}",
            lambda page, headers: project.repository_tree(
                path=path, ref=ref, **page_args(page, headers, per_page=self._page_size)
            ),
        )
        return [read(self.name, doing, parse.tree_entry, e) for e in items]

    async def list_commits(
        self, repo: RepoRef, *, ref: str, path: str | None = None, limit: int = 100
    ) -> list[Commit]:
        commits = self._lookup.api(repo).commits
        # python-gitlab takes a `path` keyword as the URL to list: the filter goes this way
        filters = {"query_parameters": {"ref_name": ref, **({"path": path} if path else {})}}
        per_page = max(1, min(limit, self._page_size))
        doing = f"list commits of {ref} in {repo.path}"
        items = await self._calls.pages(
            doing,
            f"commits:{repo.path}:{ref}:{path or ''}:{per_page}",
            lambda page, headers: [
                c.asdict()
                for c in commits.list(**filters, **page_args(page, headers, per_page=per_page))
            ],
            enough=lambda found: len(found) >= limit,
        )
        return [read(self.name, doing, parse.commit, c) for c in items[:limit]]

    async def compare(self, repo: RepoRef, base: str, head: str) -> list[Commit]:
        """The commits `head` has that `base` lacks, newest first like every commit list
        (GitLab answers oldest first)."""
        project = self._lookup.api(repo)
        doing = f"compare {base}...{head} in {repo.path}"
        data = await self._calls.run(
            doing, lambda: project.repository_compare(base, head, **NO_RETRY)
        )
        commits = data.get("commits") if isinstance(data, dict) else None
        if not isinstance(commits, list):
            raise Invalid(self.name, f"{doing}: the answer has no list of commits")
        return [read(self.name, doing, parse.commit, c) for c in reversed(commits)]

    async def fork(self, repo: RepoRef) -> Repo:
        """The user's fork of `repo`, made on the first call and found again on later ones."""
        namespace = self._fork_namespace or await self._lookup.whoami()
        target = RepoRef(namespace, repo.name)
        doing = f"fork {repo.path} to {target.path}"
        try:
            existing = await self._lookup.project(target)
        except NotFound:
            forks = self._lookup.api(repo).forks
            created = await self._calls.write(
                doing,
                lambda: forks.create({"namespace_path": namespace}, **NO_RETRY).asdict(),
                landed=lambda: self._existing(target),
            )
            existing = await self._imported(target, created)
        fork = read(self.name, doing, parse.repo, existing)
        if fork.fork_of != repo:
            raise Conflict(self.name, f"{doing}: {target.path} exists and is not a fork of it")
        return fork

    def _existing(self, repo: RepoRef) -> Json | None:
        try:
            return self._gl.projects.get(repo.path, **NO_RETRY).asdict()
        except gitlab.exceptions.GitlabGetError as error:
            if error.response_code == 404:
                return None
            raise

    async def _imported(self, repo: RepoRef, data: Json, *, checks: int = 10) -> Json:
        """GitLab copies a fork's repository in the background: wait until it is there."""
        state = data.get("import_status")
        for check in range(checks):
            if state in (None, "none", "finished"):
                self._lookup.remember(data)
                return data
            if state == "failed":
                raise Invalid(self.name, f"fork to {repo.path}: GitLab failed to copy it")
            await self._calls.caller.sleep(min(0.5 * 2**check, 10.0))
            data = await self._lookup.project(repo)
            state = data.get("import_status")
        raise Invalid(self.name, f"fork to {repo.path}: still {state} after {checks} checks")

    # -- users and permissions ---------------------------------------------------------

    async def permission(self, repo: RepoRef, user: str) -> Permission:
        found = await self._calls.run(
            f"find user {user}",
            lambda: [
                u.asdict() for u in self._gl.users.list(username=user, get_all=False, **NO_RETRY)
            ],
        )
        if not found or found[0].get("state", "active") != "active":
            return Permission.NONE
        user_id = found[0].get("id")
        members = self._lookup.api(repo).members_all
        doing = f"read the membership of {user} in {repo.path}"
        try:
            member = await self._calls.run(doing, lambda: members.get(user_id, **NO_RETRY).asdict())
        except NotFound:
            # not a member: on a public or internal project anyone signed in may read
            visibility = (await self._lookup.project(repo)).get("visibility")
            return Permission.READ if visibility in ("public", "internal") else Permission.NONE
        return read(self.name, doing, parse.permission, member.get("access_level"))

    def push_credentials(self) -> PushCredentials:
        # GitLab takes a personal access token as the password with any user name; "oauth2"
        # is the one its documentation uses
        return PushCredentials("oauth2", self._token)

    # -- merge requests (see gitlab_changes) ---------------------------------------------

    async def find_changes(
        self,
        repo: RepoRef,
        *,
        state: ChangeState | None = None,
        author: str | None = None,
        source_branch: str | None = None,
        marker: str | None = None,
    ) -> list[ChangeRequest]:
        return await self._changes.find_changes(
            repo, state=state, author=author, source_branch=source_branch, marker=marker
        )

    async def get_change(self, repo: RepoRef, number: int) -> ChangeRequest:
        return await self._changes.get_change(repo, number)

    async def edit_change(
        self,
        repo: RepoRef,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        draft: bool | None = None,
    ) -> ChangeRequest:
        return await self._changes.edit_change(repo, number, title=title, body=body, draft=draft)

    async def commit_diff(self, repo: RepoRef, sha: str) -> bytes:
        return await self._changes.commit_diff(repo, sha)

    async def change_diff(self, repo: RepoRef, number: int) -> bytes:
        return await self._changes.change_diff(repo, number)

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
        return await self._changes.open_change(
            target,
            source=source,
            source_branch=source_branch,
            target_branch=target_branch,
            title=title,
            body=body,
            draft=draft,
        )

    # -- comments and issues (see gitlab_threads) ---------------------------------------

    async def list_comments(
        self, thread: Thread, *, since: datetime | None = None
    ) -> list[Comment]:
        return await self._threads.list_comments(thread, since=since)

    async def post_comment(self, thread: Thread, body: str) -> Comment:
        return await self._threads.post_comment(thread, body)

    async def edit_comment(self, thread: Thread, comment_id: str, body: str) -> Comment:
        return await self._threads.edit_comment(thread, comment_id, body)

    async def react(self, thread: Thread, comment_id: str, reaction: Reaction) -> None:
        await self._threads.react(thread, comment_id, reaction)

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


def _older(project: Json, since: datetime) -> bool:
    """Whether a project of an activity-ordered listing is older than `since` (the rest of
    the listing is, too)."""
    try:
        return parse.when(project.get("last_activity_at"), field="last_activity_at") < since
    except parse.Unreadable:
        return False  # read on; parsing the listing reports the field
