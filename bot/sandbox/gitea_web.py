"""How the Gitea sandbox answers like Gitea: token auth, error bodies, `page`/`limit` paging with
`Link` and `X-Total-Count`, ETags with 304, and handlers that run off the event loop."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiohttp import web

from bot.sandbox.gitstore import GitError
from bot.sandbox.webhooks import WEBHOOKS
from bot.sandbox.world import User, World, WorldError

FORGE = "gitea"
#: Gitea's `[api] DEFAULT_PAGING_NUM`
DEFAULT_PAGE = 30
SWAGGER = "/api/swagger"
_HEADERS = {
    "Cache-Control": "max-age=0, private, must-revalidate, no-transform",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
}
JSON = "application/json;charset=utf-8"
T = TypeVar("T")


class GiteaError(Exception):
    """An answer other than success, with Gitea's JSON error body."""

    def __init__(self, status: int, message: str, *, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


def not_found(what: str) -> GiteaError:
    return GiteaError(404, "The target couldn't be found.", errors=[what])


@dataclass(frozen=True, slots=True)
class Call:
    """One request as the synchronous handlers see it."""

    world: World
    method: str
    params: Mapping[str, str]
    query: Mapping[str, str]
    body: Any
    origin: str
    url: str
    doer: User | None
    page_cap: int

    @property
    def path(self) -> str:
        """The repository path of `/repos/{owner}/{repo}/...` routes."""
        return f"{self.params['owner']}/{self.params['repo']}"

    def signed_in(self) -> User:
        if self.doer is None:
            raise GiteaError(401, "token is required")
        return self.doer

    def field(self, name: str) -> Any:
        if not isinstance(self.body, dict):
            raise GiteaError(422, "request body must be a JSON object")
        return self.body.get(name)


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes
    content_type: str = JSON
    headers: Mapping[str, str] = field(default_factory=dict)
    #: honour If-None-Match (an ETag of the body is added unless `headers` has one)
    etag: bool = False
    #: webhooks to queue once answered: (X-Gitea-Event, body, X-Gitea-Event-Type)
    events: tuple[tuple[str, bytes, str], ...] = ()


def json_reply(
    value: Any, *, status: int = 200, headers: Mapping[str, str] | None = None, etag: bool = False
) -> Reply:
    body = json.dumps(value, ensure_ascii=False).encode("utf-8")
    return Reply(status, body, JSON, dict(headers or {}), etag)


def list_options(call: Call) -> tuple[int, int]:
    """(page, limit) as Gitea reads them: 1-based page, limit defaulted and capped."""
    page = max(1, _int(call.query.get("page"), 1))
    limit = _int(call.query.get("limit"), 0)
    if limit <= 0:
        limit = min(DEFAULT_PAGE, call.page_cap)
    return page, min(limit, call.page_cap)


def list_headers(call: Call, *, page: int, limit: int, total: int) -> dict[str, str]:
    """`X-Total-Count`, and `Link` (next/last/first/prev) when there is another page."""
    headers = {"X-Total-Count": str(total), "Access-Control-Expose-Headers": "X-Total-Count"}
    link = _link(call.url, page=page, limit=limit, total=total)
    if link:
        headers["Link"] = link
        headers["Access-Control-Expose-Headers"] = "Link, X-Total-Count"
    return headers


def page_of(call: Call, items: list[T]) -> tuple[list[T], dict[str, str]]:
    """One page of `items` by `page` and `limit`, with its headers."""
    page, limit = list_options(call)
    start = (page - 1) * limit
    return items[start : start + limit], list_headers(
        call, page=page, limit=limit, total=len(items)
    )


def _link(url: str, *, page: int, limit: int, total: int) -> str:
    last = max(1, -(-total // limit))
    rels = []
    if page < last:
        rels += [("next", page + 1), ("last", last)]
    if page > 1:
        rels += [("first", 1), ("prev", page - 1)]
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "page"]
    return ",".join(
        f"<{urlunsplit(parts._replace(query=urlencode([*query, ('page', str(number))])))}>; "
        f'rel="{rel}"'
        for rel, number in rels
    )


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


Handler = Callable[[Call], Reply]


def route(
    handler: Handler, *, world: World, page_cap: int, write: bool = False
) -> Callable[[web.Request], Any]:
    """An aiohttp handler around a synchronous one: reads the request, runs `handler` in a
    thread (World methods run git), and sends its reply the way Gitea would."""

    async def serve(request: web.Request) -> web.StreamResponse:
        raw = await request.read() if request.can_read_body else b""
        seen = _Seen(
            method=request.method,
            params=dict(request.match_info),
            query=dict(request.query),
            authorization=request.headers.get("Authorization", ""),
            origin=f"{request.scheme}://{request.host}",
            url=str(request.url),
            raw=raw,
        )
        reply = await asyncio.to_thread(
            _answer, handler, seen, world=world, page_cap=page_cap, write=write
        )
        sender = request.app.get(WEBHOOKS)
        for event, payload, event_type in reply.events if sender else ():
            sender.post(FORGE, event, payload, event_type=event_type)
        if reply.etag and reply.status == 200:
            tag = (
                reply.headers.get("ETag")
                or f'"{hashlib.sha1(reply.body, usedforsecurity=False).hexdigest()}"'
            )
            headers = {**_HEADERS, **reply.headers, "ETag": tag}
            if tag in _tags(request.headers.get("If-None-Match", "")):
                return web.Response(status=304, headers=headers)
            return _response(reply, headers)
        return _response(reply, {**_HEADERS, **reply.headers})

    return serve


def _response(reply: Reply, headers: Mapping[str, str]) -> web.Response:
    return web.Response(
        status=reply.status,
        body=reply.body,
        headers={**headers, "Content-Type": reply.content_type},
    )


def _tags(value: str) -> set[str]:
    return {tag.strip() for tag in value.split(",") if tag.strip()}


@dataclass(frozen=True, slots=True)
class _Seen:
    """What the handler thread needs of an aiohttp request, read on the event loop."""

    method: str
    params: dict[str, str]
    query: dict[str, str]
    authorization: str
    origin: str
    url: str
    raw: bytes


def _answer(handler: Handler, seen: _Seen, *, world: World, page_cap: int, write: bool) -> Reply:
    origin = seen.origin
    try:
        doer = _doer(world, seen.authorization)
        if write and doer is None:
            raise GiteaError(401, "token is required")
        body = None
        if seen.raw:
            try:
                body = json.loads(seen.raw)
            except ValueError:
                raise GiteaError(422, "request body is not valid JSON") from None
        call = Call(
            world,
            seen.method,
            seen.params,
            seen.query,
            body,
            origin,
            seen.url,
            doer,
            page_cap,
        )
        return handler(call)
    except GiteaError as failure:
        return _error(origin, failure)
    except WorldError as missing:
        return _error(origin, not_found(str(missing)))
    except GitError as failure:
        return _error(origin, GiteaError(500, str(failure)))


def _error(origin: str, failure: GiteaError) -> Reply:
    body: dict[str, Any] = {"message": failure.message, "url": origin + SWAGGER}
    if failure.errors is not None:
        body = {"errors": failure.errors, **body}
    return json_reply(body, status=failure.status)


def _doer(world: World, authorization: str) -> User | None:
    """The user of a `token <t>` or `Bearer <t>` header; a token nobody holds is a 401."""
    if not authorization.strip():
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() not in ("token", "bearer") or not token.strip():
        raise GiteaError(401, "unsupported authorization scheme")
    user = world.user_by_token(FORGE, token.strip())
    if user is None:
        raise GiteaError(401, "user does not exist or the token is invalid")
    return user
