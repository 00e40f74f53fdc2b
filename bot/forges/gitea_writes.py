"""Creates comments, issues and pull requests at most once: when a try's answer is lost (reset,
timeout, 5xx after the write) and the caller tries again, the new try first looks for what
the lost one may have made, and returns it instead of writing a second time."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from bot.forges import gitea_payloads as payload
from bot.forges.base import ChangeRequest, ChangeState, Comment, Issue, RepoRef, Thread
from bot.forges.errors import Conflict
from bot.forges.gitea_client import GiteaClient
from bot.forges.gitea_requests import json_list, json_of, repo_path

log = logging.getLogger(__name__)
T = TypeVar("T")

#: how many of the newest items a retry searches: a lost write is seconds old
_RECENT = 50


class WriteGuard:
    """The create calls of the Gitea adapter; every other write is idempotent by itself."""

    def __init__(
        self, client: GiteaClient, *, parse_change: Callable[[str, Any], ChangeRequest]
    ) -> None:
        self._client = client
        self._parse_change = parse_change

    async def post_comment(self, thread: Thread, body: str) -> Comment:
        me = await self._client.me()
        path = repo_path(thread.repo, "issues", str(thread.number), "comments")
        doing = f"comment on {thread.repo.path}#{thread.number}"

        async def find() -> Comment | None:
            data = await self._once_json("GET", path, list_of=True)
            comments = self._client.parse_all(doing, payload.comment, data)
            return next((c for c in reversed(comments) if c.author == me and c.body == body), None)

        async def create() -> Comment:
            data = await self._once_json("POST", path, {"body": body})
            return self._client.parse(doing, payload.comment, data)

        return await self._at_most_once(doing, create, find)

    async def open_issue(self, repo: RepoRef, title: str, body: str) -> Issue:
        me = await self._client.me()
        path = repo_path(repo, "issues")
        doing = f"open an issue in {repo.path}"

        async def find() -> Issue | None:
            query = {"state": "open", "type": "issues", "created_by": me, "limit": _RECENT}
            data = await self._once_json("GET", path, query=query, list_of=True)
            issues = self._client.parse_all(doing, payload.issue, data)
            return next(
                (i for i in issues if (i.author, i.title, i.body) == (me, title, body)), None
            )

        async def create() -> Issue:
            data = await self._once_json("POST", path, {"title": title, "body": body})
            return self._client.parse(doing, payload.issue, data)

        return await self._at_most_once(doing, create, find)

    async def open_change(
        self, target: RepoRef, fields: Mapping[str, str], *, source: RepoRef
    ) -> ChangeRequest:
        me = await self._client.me()
        path = repo_path(target, "pulls")
        doing = f"open a pull request in {target.path} from {fields['head']}"
        tries = 0

        async def attempt() -> ChangeRequest:
            nonlocal tries
            tries += 1
            try:
                return self._parse_change(doing, await self._once_json("POST", path, fields))
            except Conflict:
                # Gitea refuses a second open pull request for the same head and base; on a
                # retry that one is most likely the one our lost try opened
                if tries == 1:
                    raise
                found = await self._find_change(path, doing, me, fields, source)
                if found is None:
                    raise
                log.info("lost answer: the pull request was opened", extra={"doing": doing})
                return found

        return await self._client.caller.call(doing, attempt)

    async def _find_change(
        self, path: str, doing: str, me: str, fields: Mapping[str, str], source: RepoRef
    ) -> ChangeRequest | None:
        query = {"state": "open", "sort": "recentupdate", "limit": _RECENT}
        for item in await self._once_json("GET", path, query=query, list_of=True):
            change = self._parse_change(doing, item)
            if (
                change.state is ChangeState.OPEN
                and change.author == me
                and change.source == source
                and change.source_branch == fields["head"].rpartition(":")[2]
                and change.target_branch == fields["base"]
            ):
                return change
        return None

    async def _at_most_once(
        self,
        doing: str,
        create: Callable[[], Awaitable[T]],
        find: Callable[[], Awaitable[T | None]],
    ) -> T:
        tries = 0

        async def attempt() -> T:
            nonlocal tries
            tries += 1
            if tries > 1:
                found = await find()
                if found is not None:
                    log.info("lost answer: the write had been made", extra={"doing": doing})
                    return found
            return await create()

        return await self._client.caller.call(doing, attempt)

    async def _once_json(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        query: Mapping[str, str | int] | None = None,
        list_of: bool = False,
    ) -> Any:
        """One request without retries: the caller retries the whole attempt around it."""
        request = self._client.request(method, path, query=query, json_body=body)
        answer = await self._client.exchange(request)
        if list_of:
            return json_list(self._client.forge, request, answer)
        return json_of(self._client.forge, request, answer)
