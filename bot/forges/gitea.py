"""The `Forge` adapter for Gitea and Forgejo (API v1): AlmaLinux's dist-git and autopatch
repositories, and Fedora's Forgejo."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.forges import gitea_payloads as payload
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
from bot.forges.errors import AuthFailed, Conflict, NotFound
from bot.forges.gitea_client import Clock, GiteaClient
from bot.forges.gitea_requests import MAX_PAGE_SIZE, repo_path, segment
from bot.forges.gitea_writes import WriteGuard

_STATES: dict[ChangeState | None, str] = {
    None: "all",
    ChangeState.OPEN: "open",
    ChangeState.CLOSED: "closed",
    ChangeState.MERGED: "closed",
}
_PERMISSION_HELP = (
    "Gitea and Forgejo tell a user's permission only to site admins, repository admins and "
    "the user themself: make the bot an admin of {repo} (or of its organization)"
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class GiteaForge:
    """Gitea/Forgejo through our own sans-I/O client (`gitea_requests`, `gitea_client`).

    Every request runs through `caller` (timeout, retries, budget); GET answers carrying an
    ETag are revalidated with If-None-Match (`etag_hits` counts the 304s). Pull requests are
    drafts by title prefix (`wip_prefixes`), as Gitea decides. Forks go to the bot's own
    namespace, or to `fork_organization` when set. `username` saves asking `/user` who the
    token belongs to.
    """

    capabilities: frozenset[Capability] = frozenset(Capability)

    def __init__(
        self,
        *,
        name: str,
        base_url: str,
        token: str,
        caller: Caller,
        page_size: int = MAX_PAGE_SIZE,
        username: str | None = None,
        fork_organization: str | None = None,
        wip_prefixes: Sequence[str] = payload.WIP_PREFIXES,
        clock: Clock = _utc_now,
        user_agent: str = "upstream-bot",
        etag_entries: int = ETAG_CACHE_ENTRIES,
    ) -> None:
        self.name = name
        self._token = token
        self._client = GiteaClient(
            forge=name,
            base_url=base_url,
            token=token,
            caller=caller,
            page_size=page_size,
            clock=clock,
            user_agent=user_agent,
            etag_entries=etag_entries,
            username=username,
        )
        self._fork_organization = fork_organization
        self._owner_ids: dict[str, int] = {}
        self._wip_prefixes = tuple(wip_prefixes)
        self._writes = WriteGuard(self._client, parse_change=self._parse_change)

    @property
    def etag_hits(self) -> int:
        """GET answers served from the ETag cache after a 304."""
        return self._client.etag_hits

    async def close(self) -> None:
        await self._client.close()

    async def __aenter__(self) -> GiteaForge:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    # -- repositories --------------------------------------------------------------------

    async def list_repos(self, namespace: str, *, since: datetime | None = None) -> list[Repo]:
        if since is not None:
            return await self._repos_since(namespace, since)
        try:
            items = await self._client.pages(f"/orgs/{segment(namespace)}/repos")
        except NotFound:
            # not an organization: a user's namespace
            items = await self._client.pages(f"/users/{segment(namespace)}/repos")
        return self._client.parse_all(f"repositories of {namespace}", payload.repo, items)

    async def _repos_since(self, namespace: str, since: datetime) -> list[Repo]:
        """`/orgs/{org}/repos` has no order: `/repos/search` by the owner's id, most
        recently updated first, read down to `since`."""
        owner = await self._owner_id(namespace)

        def older(item: Any) -> bool:
            return payload.decode(self.name, "search", payload.repo, item).updated_at < since

        items = await self._client.pages(
            "/repos/search",
            {"uid": owner, "exclusive": True, "sort": "updated", "order": "desc"},
            field="data",
            until=older,
        )
        repos = self._client.parse_all(f"repositories of {namespace}", payload.repo, items)
        return [r for r in repos if r.ref.namespace == namespace and r.updated_at >= since]

    async def _owner_id(self, namespace: str) -> int:
        if namespace not in self._owner_ids:
            try:
                data = await self._client.get(f"/orgs/{segment(namespace)}")
            except NotFound:
                data = await self._client.get(f"/users/{segment(namespace)}")
            self._owner_ids[namespace] = self._client.parse(
                f"owner {namespace}", payload.owner_id, data
            )
        return self._owner_ids[namespace]

    async def get_repo(self, repo: RepoRef) -> Repo:
        return self._client.parse(repo.path, payload.repo, await self._client.get(repo_path(repo)))

    async def list_branches(self, repo: RepoRef) -> list[BranchHead]:
        items = await self._client.pages(repo_path(repo, "branches"))
        return self._client.parse_all(f"branches of {repo.path}", payload.branch, items)

    async def read_file(self, repo: RepoRef, path: str, *, ref: str) -> bytes:
        request = self._client.request(
            "GET", repo_path(repo, "raw", path), query={"ref": ref}, accept="*/*"
        )
        return (await self._client.fetch(request)).body

    async def list_dir(self, repo: RepoRef, path: str, *, ref: str) -> list[TreeEntry]:
        data = await self._client.get(repo_path(repo, "contents", path), {"ref": ref})
        if not isinstance(data, list):
            raise NotFound(self.name, f"{repo.path}: {path!r} at {ref} is a file, not a directory")
        return self._client.parse_all(f"{repo.path}:{path}", payload.entry, data)

    async def list_commits(
        self, repo: RepoRef, *, ref: str, path: str | None = None, limit: int = 100
    ) -> list[Commit]:
        # stat, verification and files cost Gitea a diff per commit; we read none of them
        query: dict[str, str | int | bool] = {
            "sha": ref,
            "stat": False,
            "verification": False,
            "files": False,
        }
        if path:
            query["path"] = path
        items = await self._client.pages(repo_path(repo, "commits"), query, most=limit)
        return self._client.parse_all(f"commits of {repo.path}@{ref}", payload.commit, items)

    async def commit_diff(self, repo: RepoRef, sha: str) -> bytes:
        request = self._client.request(
            "GET", repo_path(repo, "git", "commits", f"{sha}.diff"), accept="text/plain"
        )
        return (await self._client.fetch(request)).body

    async def compare(self, repo: RepoRef, base: str, head: str) -> list[Commit]:
        """Commits on `head` that `base` lacks, newest first (Gitea 1.22+ / Forgejo)."""
        data = await self._client.get(
            repo_path(repo, "compare", f"{base}...{head}"),
            {"verification": False, "files": False},
        )
        return self._client.parse(
            f"compare {base}...{head} in {repo.path}",
            lambda found: [payload.commit(item) for item in found["commits"] or []],
            data,
        )

    async def fork(self, repo: RepoRef) -> Repo:
        body = {"organization": self._fork_organization} if self._fork_organization else {}
        try:
            data = await self._client.send_json("POST", repo_path(repo, "forks"), body)
        except Conflict:
            # Gitea refuses a second fork; the one we made before is the answer
            owner = self._fork_organization or await self._client.me()
            existing = await self.get_repo(RepoRef(owner, repo.name))
            if existing.fork_of != repo:
                raise Conflict(
                    self.name,
                    f"cannot fork {repo.path}: {existing.ref.path} exists and is not its fork",
                ) from None
            return existing
        return self._client.parse(f"fork of {repo.path}", payload.repo, data)

    async def permission(self, repo: RepoRef, user: str) -> Permission:
        path = repo_path(repo, "collaborators", user, "permission")
        try:
            data = await self._client.get(path)
        except AuthFailed as refused:
            raise AuthFailed(
                self.name,
                f"{str(refused).removeprefix(self.name + ': ')}; "
                + _PERMISSION_HELP.format(repo=repo.path),
            ) from None
        except NotFound:
            # the repository or the user is missing: only the latter means "no permission"
            try:
                await self._client.get(f"/users/{segment(user)}")
            except NotFound:
                return Permission.NONE
            raise
        return self._client.parse(f"permission of {user} on {repo.path}", payload.permission, data)

    def push_credentials(self) -> PushCredentials | None:
        # Gitea takes a token as the password of any user name; ours keeps logs readable
        return PushCredentials(username=self._client.username or "upstream-bot", token=self._token)

    # -- pull requests, issues, comments -------------------------------------------------

    async def find_changes(
        self,
        repo: RepoRef,
        *,
        state: ChangeState | None = None,
        author: str | None = None,
        source_branch: str | None = None,
        marker: str | None = None,
    ) -> list[ChangeRequest]:
        items = await self._client.pages(repo_path(repo, "pulls"), {"state": _STATES[state]})
        found = []
        for item in items:
            change = self._parse_change(f"pull requests of {repo.path}", item)
            if state is not None and change.state is not state:
                continue
            if author is not None and change.author != author:
                continue
            if source_branch is not None and change.source_branch != source_branch:
                continue
            if marker is not None and marker not in change.body:
                continue
            found.append(change)
        return found

    async def get_change(self, repo: RepoRef, number: int) -> ChangeRequest:
        data = await self._client.get(repo_path(repo, "pulls", str(number)))
        return self._parse_change(f"{repo.path}#{number}", data)

    async def change_diff(self, repo: RepoRef, number: int) -> bytes:
        request = self._client.request(
            "GET", repo_path(repo, "pulls", f"{number}.diff"), accept="text/plain"
        )
        return (await self._client.fetch(request)).body

    def _parse_change(self, doing: str, data: Any) -> ChangeRequest:
        return self._client.parse(
            doing, lambda item: payload.change(item, wip_prefixes=self._wip_prefixes), data
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
        if source == target:
            head = source_branch
        elif source.name == target.name:
            head = f"{source.namespace}:{source_branch}"
        else:
            head = f"{source.namespace}/{source.name}:{source_branch}"
        wip_title = f"{self._wip_prefixes[0]} {title}" if draft and self._wip_prefixes else title
        fields = {"head": head, "base": target_branch, "title": wip_title, "body": body}
        return await self._writes.open_change(target, fields, source=source)

    async def find_issues(
        self,
        repo: RepoRef,
        *,
        state: IssueState | None = None,
        author: str | None = None,
        marker: str | None = None,
    ) -> list[Issue]:
        query = {"state": state.value if state else "all", "type": "issues"}
        items = await self._client.pages(repo_path(repo, "issues"), query)
        issues = self._client.parse_all(f"issues of {repo.path}", payload.issue, items)
        return [
            issue
            for issue in issues
            if (author is None or issue.author == author)
            and (marker is None or marker in issue.body)
        ]

    async def open_issue(self, repo: RepoRef, title: str, body: str) -> Issue:
        return await self._writes.open_issue(repo, title, body)

    async def edit_change(
        self,
        repo: RepoRef,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        draft: bool | None = None,
    ) -> ChangeRequest:
        """PATCH the pull request; Gitea's draft is a WIP title prefix, so a new title or
        draft state rewrites the title from what the request reads now."""
        fields: dict[str, str] = {} if body is None else {"body": body}
        if title is not None or draft is not None:
            now = await self.get_change(repo, number)
            plain = now.title if title is None else title
            wanted = now.draft if draft is None else draft
            prefix = self._wip_prefixes[0] if wanted and self._wip_prefixes else ""
            fields["title"] = f"{prefix} {plain}" if prefix else plain
        if not fields:
            return await self.get_change(repo, number)
        data = await self._client.send_json("PATCH", repo_path(repo, "pulls", str(number)), fields)
        return self._parse_change(f"{repo.path}#{number}", data)

    async def edit_issue(
        self, repo: RepoRef, number: int, *, title: str | None = None, body: str | None = None
    ) -> Issue:
        fields = {k: v for k, v in (("title", title), ("body", body)) if v is not None}
        data = await self._client.send_json("PATCH", repo_path(repo, "issues", str(number)), fields)
        return self._client.parse(f"{repo.path}#{number}", payload.issue, data)

    async def list_comments(
        self, thread: Thread, *, since: datetime | None = None
    ) -> list[Comment]:
        # issues and pull requests keep their comments in one place; the list is not paged
        query = {"since": payload.stamp(since)} if since else None
        data = await self._client.get(
            repo_path(thread.repo, "issues", str(thread.number), "comments"), query
        )
        comments = self._client.parse_all(
            f"comments of {thread.repo.path}#{thread.number}", payload.comment, data
        )
        # older servers ignore `since`; it filters on the update time there too
        return [c for c in comments if since is None or c.updated_at >= since]

    async def post_comment(self, thread: Thread, body: str) -> Comment:
        return await self._writes.post_comment(thread, body)

    async def edit_comment(self, thread: Thread, comment_id: str, body: str) -> Comment:
        path = repo_path(thread.repo, "issues", "comments", comment_id)
        data = await self._client.send_json("PATCH", path, {"body": body})
        return self._client.parse(
            f"comment {comment_id} of {thread.repo.path}", payload.comment, data
        )

    async def react(self, thread: Thread, comment_id: str, reaction: Reaction) -> None:
        # Gitea spells reactions as GitHub does; reacting twice answers 200, not an error
        path = repo_path(thread.repo, "issues", "comments", comment_id, "reactions")
        await self._client.send_json("POST", path, {"content": reaction.value})
