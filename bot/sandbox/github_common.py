"""What every GitHub sandbox handler shares: the app's state, GitHub's error bodies, who is
calling and with which role, page slicing with `Link` headers, and the primary rate limit."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from aiohttp import web

from bot.sandbox.github_json import Json, Site
from bot.sandbox.world import SandboxRepo, User, World, WorldError

FORGE = "github"
DOCS = "https://docs.github.com/rest"
#: GitHub's default page size when a client sends no `per_page`
DEFAULT_PER_PAGE = 30
#: roles that may push, in the World's spelling
PUSH_ROLES = ("write", "maintain", "admin")

T = TypeVar("T")


class ApiError(Exception):
    """An answer GitHub gives with an error body: `message`, `documentation_url`, `status`,
    and for 422 the `errors` list saying which field was wrong."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[Json] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers: dict[str, str] = dict(headers or {})

    def response(self) -> web.Response:
        body: Json = {"message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        body["documentation_url"] = DOCS
        body["status"] = str(self.status)
        return json_answer(body, status=self.status, headers=self.headers)


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def invalid(resource: str, field_name: str, code: str = "invalid") -> ApiError:
    return ApiError(
        422,
        "Validation Failed",
        errors=[{"resource": resource, "field": field_name, "code": code}],
    )


@dataclass(slots=True)
class RateLimit:
    """GitHub's primary rate limit: `limit` requests per user (or per address when anonymous)
    per hour; an answer 304 costs nothing."""

    limit: int
    clock: Callable[[], float]
    _windows: dict[str, list[float]] = field(default_factory=dict)

    def window(self, key: str) -> list[float]:
        """[start, used] of the caller's current hour."""
        now = self.clock()
        window = self._windows.get(key)
        if window is None or now >= window[0] + 3600:
            window = [now, 0]
            self._windows[key] = window
        return window

    def headers(self, window: list[float]) -> dict[str, str]:
        used = int(window[1])
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.limit - used)),
            "X-RateLimit-Reset": str(int(window[0] + 3600)),
            "X-RateLimit-Used": str(used),
            "X-RateLimit-Resource": "core",
        }


WORLD = web.AppKey("github_world", World)
PAGE_CAP = web.AppKey("github_page_cap", int)
LIMITS = web.AppKey("github_rate_limit", RateLimit)
_USER = web.RequestKey("github_user", User | None)


def world_of(request: web.Request) -> World:
    return request.app[WORLD]


def site_of(request: web.Request) -> Site:
    return Site(f"{request.scheme}://{request.host}")


def set_user(request: web.Request, user: User | None) -> None:
    request[_USER] = user


def caller(request: web.Request) -> User | None:
    return request.get(_USER)


def signed_in(request: web.Request) -> User:
    user = caller(request)
    if user is None:
        raise ApiError(401, "Requires authentication")
    return user


async def run(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """World calls may run git: keep them off the event loop."""
    return await asyncio.to_thread(partial(function, *args, **kwargs))


def number_of(request: web.Request, key: str = "number") -> int:
    return int(request.match_info[key])


def state_filter(request: web.Request) -> str:
    state = request.query.get("state", "open")
    return state if state in ("open", "closed", "all") else "open"


def matches_state(state: str, wanted: str) -> bool:
    return wanted == "all" or (state == "open") == (wanted == "open")


def repo_path(request: web.Request) -> str:
    return f"{request.match_info['owner']}/{request.match_info['repo']}"


async def existing_repo(request: web.Request) -> SandboxRepo:
    try:
        return await run(world_of(request).repo, FORGE, repo_path(request))
    except WorldError:
        raise not_found() from None


def role_of(world: World, path: str, user: User | None) -> str | None:
    return None if user is None else world.role(FORGE, path, user.name)


def association(world: World, path: str, login: str) -> str:
    """`author_association` of `login` on a repository."""
    if path.partition("/")[0] == login:
        return "OWNER"
    role = world.role(FORGE, path, login)
    return "COLLABORATOR" if role in PUSH_ROLES else "NONE"


def page_of(
    request: web.Request, items: Sequence[T], *, cap: int | None = None
) -> tuple[list[T], dict[str, str]]:
    """The slice `page`/`per_page` ask for and the `Link` header pointing at the others."""
    cap = cap or request.app[PAGE_CAP]
    per_page = min(cap, max(1, _int(request.query.get("per_page"), DEFAULT_PER_PAGE)))
    page = max(1, _int(request.query.get("page"), 1))
    last = max(1, -(-len(items) // per_page))
    chunk = list(items[(page - 1) * per_page : page * per_page])
    links = []
    if page < last:
        links += [_link(request, page + 1, "next"), _link(request, last, "last")]
    if page > 1:
        links += [_link(request, 1, "first"), _link(request, min(page - 1, last), "prev")]
    return chunk, ({"Link": ", ".join(links)} if links else {})


def _link(request: web.Request, page: int, rel: str) -> str:
    return f'<{request.url.update_query(page=str(page))}>; rel="{rel}"'


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def json_answer(
    data: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=json.dumps(data).encode("utf-8"),
        status=status,
        headers=headers,
        content_type="application/json",
        charset="utf-8",
    )


async def json_body(request: web.Request) -> Json:
    """The request's JSON object; GitHub answers 400 "Problems parsing JSON" otherwise."""
    if not request.can_read_body:
        return {}
    try:
        data = json.loads(await request.read() or b"{}")
    except ValueError:
        raise ApiError(400, "Problems parsing JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "Problems parsing JSON")
    return data
