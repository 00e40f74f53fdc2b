"""The GitHub adapter: the `Forge` calls over GitHub's REST API v3 with the PyGithub client.

Reads go through PyGithub's requester as conditional GETs (an in-memory ETag cache per URL;
GitHub does not count a 304 against the rate limit) and follow `Link` pages one request at a
time; writes use PyGithub's own methods. Every request is one `Caller.call` in a worker
thread, so the timeout, retries, budget and concurrency apply per request.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from github.GithubObject import NotSet

from bot.forges import github_decode as decode
from bot.forges import github_threads as threads
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
from bot.forges.errors import Invalid, NotFound
from bot.forges.github_client import Client, Clients, EtagCache, api_path, repository
from bot.forges.github_transport import Transport

Json = dict[str, Any]
#: the user name GitHub documents for HTTPS pushes with a token
PUSH_USER = "x-access-token"
DIFF_TYPE = "application/vnd.github.diff"
#: GitHub's largest page
MAX_PAGE = 100
_STATES = {ChangeState.OPEN: "open", ChangeState.CLOSED: "closed", ChangeState.MERGED: "closed"}


def _utc_now() -> datetime:
    return datetime.now(UTC)


class GithubForge:
    """One GitHub (github.com, or an Enterprise server) seen through one token."""

    capabilities: frozenset[Capability] = frozenset(Capability)

    def __init__(
        self,
        *,
        name: str,
        base_url: str,
        token: str,
        caller: Caller,
        page_size: int = MAX_PAGE,
        cache_entries: int = ETAG_CACHE_ENTRIES,
        workers: int = 32,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        """`base_url` is the API root: https://api.github.com, or https://<host>/api/v3;
        `workers` threads run PyGithub (more than the Caller's concurrency: a call given up
        on holds its thread until the request's own timeout)."""
        self.name = name
        self._token = token
        # PyGithub wants whole seconds; the Caller holds each call to its exact timeout
        timeout = max(1, math.ceil(caller.timeout))
        self.cache = EtagCache(max_entries=cache_entries)
        self._http = Transport(
            forge=name,
            clients=Clients(base_url=base_url, token=token, timeout=timeout),
            cache=self.cache,
            caller=caller,
            page_size=max(1, min(page_size, MAX_PAGE)),
            timeout=timeout,
            now=now,
            workers=workers,
        )
        #: namespaces known to be users, not organizations
        self._users: set[str] = set()

    async def __aenter__(self) -> GithubForge:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop the worker threads (in a thread: the pool waits for calls still running)."""
        await asyncio.to_thread(self._http.close)

    def push_credentials(self) -> PushCredentials:
        return PushCredentials(PUSH_USER, self._token)

    # -- repositories ------------------------------------------------------------------

    async def list_repos(self, namespace: str, *, since: datetime | None = None) -> list[Repo]:
        owner = quote(namespace, safe="")
        kinds = ["users"] if namespace in self._users else ["orgs", "users"]
        # newest push first, down to `since` (pushes are what a scan reads)
        order = {"sort": "full_name"} if since is None else {"sort": "pushed", "direction": "desc"}
        for kind in kinds:
            try:
                repos = await self._http.pages(
                    f"listing the repositories of {namespace}",
                    f"/{kind}/{owner}/repos",
                    lambda c, d: decode.repo(c.requester, d),
                    until=None if since is None else lambda r: r.updated_at < since,
                    **order,
                )
                return repos if since is None else [r for r in repos if r.updated_at >= since]
            except NotFound:
                if kind == "users":
                    raise
                # not an organization: GitHub lists a user's repositories elsewhere
                self._users.add(namespace)
        raise NotFound(self.name, f"no organization or user {namespace}")

    async def get_repo(self, repo: RepoRef) -> Repo:
        return await self._http.get(
            f"reading {repo.path}", api_path(repo), lambda c, d: decode.repo(c.requester, d)
        )

    async def list_branches(self, repo: RepoRef) -> list[BranchHead]:
        return await self._http.pages(
            f"listing the branches of {repo.path}",
            f"{api_path(repo)}/branches",
            lambda c, d: decode.branch(c.requester, d),
        )

    async def read_file(self, repo: RepoRef, path: str, *, ref: str) -> bytes:
        doing = f"reading {path} at {ref} in {repo.path}"

        def found(client: Client, data: Any) -> tuple[bytes | None, str]:
            if isinstance(data, list):
                raise NotFound(self.name, f"{doing}: it is a directory, not a file")
            item = decode.content(client.requester, data)
            if item.type != "file":
                raise NotFound(self.name, f"{doing}: it is a {item.type}, not a file")
            return decode.file_bytes(item), item.sha

        data, sha = await self._http.get(doing, _contents(repo, path), found, ref=ref)
        if data is not None:
            return data
        # over 1 MB the contents API leaves the bytes out; the blob API has them
        return await self._http.get(
            doing, f"{api_path(repo)}/git/blobs/{sha}", lambda _c, blob: decode.blob_bytes(blob)
        )

    async def list_dir(self, repo: RepoRef, path: str, *, ref: str) -> list[TreeEntry]:
        doing = f"listing {path or '/'} at {ref} in {repo.path}"

        def entries(client: Client, data: Any) -> list[TreeEntry]:
            if not isinstance(data, list):
                raise NotFound(self.name, f"{doing}: it is a file, not a directory")
            return [decode.entry(client.requester, item) for item in data]

        return await self._http.get(doing, _contents(repo, path), entries, ref=ref)

    async def list_commits(
        self, repo: RepoRef, *, ref: str, path: str | None = None, limit: int = 100
    ) -> list[Commit]:
        return await self._http.pages(
            f"listing the commits of {ref} in {repo.path}",
            f"{api_path(repo)}/commits",
            lambda c, d: decode.commit(c.requester, d),
            limit=max(1, limit),
            sha=ref,
            path=path,
        )

    async def commit_diff(self, repo: RepoRef, sha: str) -> bytes:
        """GitHub answers 422 ("No commit found for SHA") for a sha it does not know."""
        try:
            return await self._http.get_raw(
                f"reading the diff of commit {sha} in {repo.path}",
                f"{api_path(repo)}/commits/{quote(sha, safe='')}",
                accept=DIFF_TYPE,
            )
        except Invalid as error:
            raise NotFound(error.forge, str(error).removeprefix(f"{error.forge}: ")) from error

    async def compare(self, repo: RepoRef, base: str, head: str) -> list[Commit]:
        """The commits `head` has that `base` has not, newest first like every commit list
        (GitHub answers oldest first)."""
        commits = await self._http.pages(
            f"comparing {base}...{head} in {repo.path}",
            f"{api_path(repo)}/compare/{quote(base)}...{quote(head)}",
            lambda c, d: decode.commit(c.requester, d),
            items=lambda data: data["commits"],
        )
        return commits[::-1]

    async def fork(self, repo: RepoRef) -> Repo:
        def work(client: Client) -> Repo:
            created = repository(client, repo).create_fork()
            return decode.repo(client.requester, created.raw_data)

        return await self._http.call(f"forking {repo.path}", work)

    async def permission(self, repo: RepoRef, user: str) -> Permission:
        """The user's role; GitHub shows it only to callers with push access (else AuthFailed)."""
        try:
            return await self._http.get(
                f"reading the permission of {user} on {repo.path}",
                f"{api_path(repo)}/collaborators/{quote(user, safe='')}/permission",
                lambda _c, data: decode.permission(data),
            )
        except NotFound:
            # GitHub answers 404 for an unknown user and for a repository it does not show
            await self.get_repo(repo)
            return Permission.NONE

    # -- pull requests -----------------------------------------------------------------

    async def find_changes(
        self,
        repo: RepoRef,
        *,
        state: ChangeState | None = None,
        author: str | None = None,
        source_branch: str | None = None,
        marker: str | None = None,
    ) -> list[ChangeRequest]:
        # GitHub filters pulls by state only (`head` needs the fork owner's name): the rest
        # is filtered here
        def keep(client: Client, data: Json) -> ChangeRequest | None:
            change = decode.change(client.requester, data)
            if (
                (state is not None and change.state is not state)
                or (author is not None and change.author != author)
                or (source_branch is not None and change.source_branch != source_branch)
                or (marker is not None and marker not in change.body)
            ):
                return None
            return change

        return await self._http.pages(
            f"listing the pull requests of {repo.path}",
            f"{api_path(repo)}/pulls",
            keep,
            state=_STATES.get(state, "all") if state else "all",
        )

    async def get_change(self, repo: RepoRef, number: int) -> ChangeRequest:
        return await self._http.get(
            f"reading pull request {repo.path}#{number}",
            f"{api_path(repo)}/pulls/{number}",
            lambda c, d: decode.change(c.requester, d),
        )

    async def change_diff(self, repo: RepoRef, number: int) -> bytes:
        return await self._http.get_raw(
            f"reading the diff of {repo.path}#{number}",
            f"{api_path(repo)}/pulls/{number}",
            accept=DIFF_TYPE,
        )

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
        def work(client: Client) -> ChangeRequest:
            created = repository(client, target).create_pull(
                base=target_branch,
                head=f"{source.namespace}:{source_branch}",
                title=title,
                body=body,
                draft=draft,
            )
            return decode.change(client.requester, created.raw_data)

        return await self._http.call(f"opening a pull request on {target.path}", work)

    async def edit_change(
        self,
        repo: RepoRef,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        draft: bool | None = None,
    ) -> ChangeRequest:
        """Title and body through REST; the draft state through GraphQL, the only way GitHub
        changes it. Each step is idempotent, so a retried attempt repeats it harmlessly."""

        def work(client: Client) -> ChangeRequest:
            pull = repository(client, repo).get_pull(number)
            if title is not None or body is not None:
                pull.edit(
                    title=NotSet if title is None else title,
                    body=NotSet if body is None else body,
                )
            if draft is not None and bool(pull.draft) != draft:
                if draft:
                    pull.convert_to_draft()
                else:
                    pull.mark_ready_for_review()
            edited = repository(client, repo).get_pull(number)
            return decode.change(client.requester, edited.raw_data)

        return await self._http.call(f"editing pull request {repo.path}#{number}", work)

    # -- issues and comments: github_threads.py --------------------------------------

    async def find_issues(
        self,
        repo: RepoRef,
        *,
        state: IssueState | None = None,
        author: str | None = None,
        marker: str | None = None,
    ) -> list[Issue]:
        return await threads.find_issues(
            self._http, repo, state=state, author=author, marker=marker
        )

    async def open_issue(self, repo: RepoRef, title: str, body: str) -> Issue:
        return await threads.open_issue(self._http, repo, title, body)

    async def edit_issue(
        self, repo: RepoRef, number: int, *, title: str | None = None, body: str | None = None
    ) -> Issue:
        return await threads.edit_issue(self._http, repo, number, title=title, body=body)

    async def list_comments(
        self, thread: Thread, *, since: datetime | None = None
    ) -> list[Comment]:
        return await threads.list_comments(self._http, thread, since=since)

    async def post_comment(self, thread: Thread, body: str) -> Comment:
        return await threads.post_comment(self._http, thread, body)

    async def edit_comment(self, thread: Thread, comment_id: str, body: str) -> Comment:
        return await threads.edit_comment(self._http, thread, comment_id, body)

    async def react(self, thread: Thread, comment_id: str, reaction: Reaction) -> None:
        await threads.react(self._http, thread, comment_id, reaction)


def _contents(repo: RepoRef, path: str) -> str:
    return f"{api_path(repo)}/contents/{quote(path.strip('/'))}"
