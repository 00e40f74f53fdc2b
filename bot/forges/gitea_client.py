"""Sends Gitea API requests within a `Caller`'s limits: ETag revalidation, JSON, every page."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from bot.forges import gitea_payloads as payload
from bot.forges.calls import Caller
from bot.forges.errors import Invalid
from bot.forges.gitea_io import Transport
from bot.forges.gitea_requests import (
    MAX_PAGE_SIZE,
    Answer,
    Builder,
    EtagCache,
    Query,
    Request,
    check,
    json_list,
    json_of,
    more_pages,
)

T = TypeVar("T")
Clock = Callable[[], datetime]


class GiteaClient:
    """The request/answer loop of one Gitea instance and token; `exchange` is one try,
    `fetch` is a try with the caller's timeout, retries and budget around it."""

    def __init__(
        self,
        *,
        forge: str,
        base_url: str,
        token: str,
        caller: Caller,
        page_size: int,
        clock: Clock,
        user_agent: str,
        etag_entries: int,
        username: str | None,
    ) -> None:
        self.forge = forge
        self.caller = caller
        self.page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        self.username = username
        self._build = Builder(base_url=base_url, token=token, user_agent=user_agent)
        self._transport = Transport(forge=forge, timeout=caller.timeout)
        self._etags = EtagCache(max_entries=etag_entries)
        self._clock = clock

    @property
    def etag_hits(self) -> int:
        return self._etags.hits

    async def close(self) -> None:
        await self._transport.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Query | None = None,
        json_body: Mapping[str, Any] | None = None,
        accept: str = "application/json",
    ) -> Request:
        return self._build.request(method, path, query=query, json_body=json_body, accept=accept)

    async def exchange(self, request: Request) -> Answer:
        """One try of `request`: its answer, or the forge error it means, raised."""
        prepared = self._etags.prepare(request)
        answer = self._etags.settle(prepared, await self._transport.send(prepared))
        return check(self.forge, request, answer, now=self._clock())

    async def fetch(self, request: Request) -> Answer:
        return await self.caller.call(request.doing, lambda: self.exchange(request))

    async def get(self, path: str, query: Query | None = None) -> Any:
        request = self.request("GET", path, query=query)
        return json_of(self.forge, request, await self.fetch(request))

    async def send_json(self, method: str, path: str, body: Mapping[str, Any]) -> Any:
        request = self.request(method, path, json_body=body)
        return json_of(self.forge, request, await self.fetch(request))

    async def pages(
        self,
        path: str,
        query: Query | None = None,
        *,
        most: int | None = None,
        field: str | None = None,
        until: Callable[[Any], bool] | None = None,
    ) -> list[Any]:
        """Every item of a paged list (or the first `most`, or up to the page whose last
        item satisfies `until`), one request per page; `field` names the list inside an
        object answer (`/repos/search` answers `{"ok": true, "data": [...]}`)."""
        items: list[Any] = []
        size = self.page_size if most is None else max(1, min(self.page_size, most))
        page = 1
        while True:
            request = self.request(
                "GET", path, query={**(query or {}), "page": page, "limit": size}
            )
            answer = await self.fetch(request)
            if field is None:
                batch = json_list(self.forge, request, answer)
            else:
                batch = _field_list(self.forge, request, answer, field)
            items.extend(batch)
            if most is not None and len(items) >= most:
                return items[:most]
            if until is not None and batch and until(batch[-1]):
                return items
            if not more_pages(answer.headers, size=size, got=len(batch), collected=len(items)):
                return items
            page += 1

    def parse(self, doing: str, parse: Callable[[Any], T], data: Any) -> T:
        return payload.decode(self.forge, doing, parse, data)

    def parse_all(self, doing: str, parse: Callable[[Any], T], items: Any) -> list[T]:
        if not isinstance(items, list):
            items = [items]
        return [payload.decode(self.forge, doing, parse, item) for item in items]

    async def me(self) -> str:
        """The login the token belongs to (asked once, unless given at construction)."""
        if self.username is None:
            data = await self.get("/user")
            self.username = self.parse("GET /user", payload.login, data)
        return self.username


def _field_list(forge: str, request: Request, answer: Answer, field: str) -> list[Any]:
    value = json_of(forge, request, answer)
    listed = value.get(field) if isinstance(value, dict) else None
    if not isinstance(listed, list):
        raise Invalid(forge, f"{request.doing}: expected a JSON object with a {field!r} list")
    return listed
