"""Gitea/Forgejo API v1 without I/O: what request to send, what an answer means, whether another
page follows, and which answers an ETag lets us reuse."""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from bot.forges.base import RepoRef
from bot.forges.errors import Invalid
from bot.forges.status import error_for

API_PREFIX = "/api/v1"
#: Gitea's `[api] MAX_RESPONSE_ITEMS` default: a bigger `limit` is silently cut to this
MAX_PAGE_SIZE = 50

_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^",;]+)"?')

Query = Mapping[str, str | int | bool]


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request; `doing` names it in errors and logs and never holds the token."""

    method: str
    url: str
    headers: Mapping[str, str]
    doing: str
    body: bytes | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """One HTTP answer; header names are lower-case."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class Builder:
    """Builds the requests of one Gitea instance for one token."""

    def __init__(self, *, base_url: str, token: str, user_agent: str) -> None:
        self._api = base_url.rstrip("/") + API_PREFIX
        self._headers = {"User-Agent": user_agent}
        if token:
            # no token means anonymous reads: Gitea refuses an empty `token ` header
            self._headers["Authorization"] = f"token {token}"

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Query | None = None,
        json_body: Mapping[str, Any] | None = None,
        accept: str = "application/json",
    ) -> Request:
        """`path` is below /api/v1 and already quoted (see `repo_path`)."""
        headers = {**self._headers, "Accept": accept}
        body = None
        if json_body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(json_body).encode("utf-8")
        url = self._api + path
        encoded = _query(query)
        if encoded:
            url = f"{url}?{encoded}"
        doing = f"{method} {path}" + (f"?{encoded}" if encoded and method == "GET" else "")
        return Request(method, url, headers, doing, body)


def repo_path(repo: RepoRef, *parts: str) -> str:
    """`/repos/{owner}/{name}/...` with every piece quoted; a part may hold slashes (file paths,
    branch names), which stay path separators."""
    tail = "".join(f"/{quote(part.strip('/'), safe='/')}" for part in parts if part.strip("/"))
    return f"/repos/{quote(repo.namespace, safe='')}/{quote(repo.name, safe='')}{tail}"


def segment(value: str) -> str:
    """One quoted path segment (a user or organization name)."""
    return quote(value, safe="")


def _query(query: Query | None) -> str:
    if not query:
        return ""
    pairs = []
    for key, value in query.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        pairs.append((key, str(value)))
    return urlencode(pairs)


def check(forge: str, request: Request, answer: Answer, *, now: datetime) -> Answer:
    """The answer when it is a success; otherwise the forge-neutral error it means, raised."""
    error = error_for(
        forge, answer.status, answer.headers, answer.body, doing=request.doing, now=now
    )
    if error is not None:
        raise error
    return answer


def json_of(forge: str, request: Request, answer: Answer) -> Any:
    try:
        return json.loads(answer.body)
    except ValueError:
        raise Invalid(
            forge,
            f"{request.doing}: HTTP {answer.status} answer is not JSON "
            f"(content type {answer.headers.get('content-type', 'unknown')!r})",
        ) from None


def json_list(forge: str, request: Request, answer: Answer) -> list[Any]:
    value = json_of(forge, request, answer)
    if not isinstance(value, list):
        raise Invalid(forge, f"{request.doing}: expected a JSON list, got {type(value).__name__}")
    return value


def links(headers: Mapping[str, str]) -> dict[str, str]:
    """The `Link` header as rel -> URL."""
    return {rel: url for url, rel in _LINK.findall(headers.get("link", ""))}


def more_pages(headers: Mapping[str, str], *, size: int, got: int, collected: int) -> bool:
    """Whether asking for the next page can return more items.

    Gitea sends `Link` with rel="next" whenever a next page exists and `X-Total-Count` on
    lists; some lists (contents, comments) come whole. An empty page ends the walk either way,
    because a few endpoints (commits of a path) page with their own fixed size.
    """
    if got == 0:
        return False
    if "link" in headers:
        return "next" in links(headers)
    total = headers.get("x-total-count", "").strip()
    if total.isdigit():
        return collected < int(total)
    return got >= size


@dataclass(slots=True)
class EtagCache:
    """Answers kept by URL with their ETag: a GET is sent with If-None-Match, and a 304 is
    answered from here. Bounded: the least recently used entries go first."""

    max_entries: int = 10_000
    hits: int = 0
    _entries: OrderedDict[str, Answer] = field(default_factory=OrderedDict)

    def prepare(self, request: Request) -> Request:
        if request.method != "GET":
            return request
        cached = self._entries.get(request.url)
        if cached is None:
            return request
        self._entries.move_to_end(request.url)
        headers = {**request.headers, "If-None-Match": cached.headers["etag"]}
        return replace(request, headers=headers)

    def settle(self, request: Request, answer: Answer) -> Answer:
        """The answer to use: the cached one for a 304, else `answer` (kept when it has an ETag)."""
        if request.method != "GET":
            return answer
        if answer.status == 304:
            cached = self._entries.get(request.url)
            if cached is None:
                # we only send If-None-Match for what we hold; a 304 otherwise is the server's bug
                return Answer(502, answer.headers, b"304 Not Modified for a request never cached")
            self.hits += 1
            return cached
        if answer.status == 200 and answer.headers.get("etag"):
            self._entries[request.url] = answer
            self._entries.move_to_end(request.url)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return answer
