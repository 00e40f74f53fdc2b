"""The GitLab sandbox's HTTP conventions: token authentication (`PRIVATE-TOKEN` or a Bearer
token), GitLab's error bodies, offset pagination headers, weak ETags with 304, and finding the
project a URL names by numeric id or by URL-encoded path."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from multidict import MultiDict

from bot.sandbox.gitlab_json import user_id
from bot.sandbox.world import SandboxRepo, User, World, WorldError

FORGE = "gitlab"
API = "/api/v4/"
WORLD = web.AppKey("gitlab_world", World)
PAGE_CAP = web.AppKey("gitlab_page_cap", int)
RAW_DIFFS = web.AppKey("gitlab_raw_diffs", bool)
USER = web.RequestKey("gitlab_user", User | None)  # type: ignore[arg-type]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: GitLab's access levels for the World's roles
ACCESS_LEVELS = {"read": 10, "triage": 20, "write": 30, "maintain": 40, "admin": 50}
_ROLE_ORDER = ("read", "triage", "write", "maintain", "admin")
DEFAULT_PER_PAGE = 20
#: GitLab's `state` filter values in the World's words ("locked" is a merge being done)
WORLD_STATES = {"opened": "open", "closed": "closed", "merged": "merged", "locked": "open"}


class ApiError(Exception):
    """Answer with GitLab's error shape: `{"message": ...}`, or `{"error": ...}` for bad input."""

    def __init__(self, status: int, message: object, *, key: str = "message") -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.body = {key: message}


def not_found(what: str) -> ApiError:
    return ApiError(404, f"404 {what} Not Found")


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as error:
        return web.json_response(error.body, status=error.status)
    except WorldError:
        return web.json_response({"message": "404 Not found"}, status=404)


def authenticate(world: World) -> Callable[..., object]:
    """Reads the token: an unknown token is refused even on reads, as GitLab does; anonymous
    reads are allowed (the sandbox's projects are public), anonymous writes are not."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API):
            # git's smart HTTP routes check their own credentials
            return await handler(request)
        token = request.headers.get("PRIVATE-TOKEN", "")
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        if not token and scheme.lower() == "bearer":
            token = credentials.strip()
        user = world.user_by_token(FORGE, token) if token else None
        if token and user is None:
            return web.json_response({"message": "401 Unauthorized"}, status=401)
        if user is None and request.method not in ("GET", "HEAD"):
            return web.json_response({"message": "401 Unauthorized"}, status=401)
        request[USER] = user
        return await handler(request)

    return middleware


@web.middleware
async def etags(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Weak ETags over the body, and 304 for a matching If-None-Match (Rack's ConditionalGet)."""
    response = await handler(request)
    if (
        request.method != "GET"
        or not request.path.startswith(API)
        or response.status != 200
        or not isinstance(response, web.Response)
        or "no-store" in response.headers.get("Cache-Control", "")
    ):
        return response
    body = response.body if isinstance(response.body, bytes) else b""
    tag = f'W/"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'
    # spelled as in GitLab's recorded answers; clients must not care about the case
    response.headers["Etag"] = tag
    response.headers["Cache-Control"] = "max-age=0, private, must-revalidate"
    wanted = [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]
    if tag in wanted or "*" in wanted:
        return web.Response(status=304, headers={"Etag": tag, "Cache-Control": "max-age=0"})
    return response


def user_of(request: web.Request) -> User | None:
    return request.get(USER)


def signed_in(request: web.Request) -> User:
    user = user_of(request)
    if user is None:
        raise ApiError(401, "401 Unauthorized")
    return user


def at_least(world: World, repo: SandboxRepo, user: User, role: str) -> bool:
    found = world.role(FORGE, repo.path, user.name)
    return found is not None and _ROLE_ORDER.index(found) >= _ROLE_ORDER.index(role)


def project_of(request: web.Request, key: str = "id") -> SandboxRepo:
    """The project named by the URL: a numeric id, or the path (aiohttp decodes `%2F`)."""
    world = request.app[WORLD]
    wanted = request.match_info[key]
    if wanted.isdigit():
        number = int(wanted)
        found = next((r for r in world.repos(FORGE) if r.id == number), None)
    else:
        try:
            found = world.repo(FORGE, wanted)
        except WorldError:
            found = None
    if found is None:
        raise not_found("Project")
    return found


def number_of(request: web.Request, key: str) -> int:
    value = request.match_info[key]
    if not value.isdigit():
        raise ApiError(400, f"{key} is invalid", key="error")
    return int(value)


async def params(request: web.Request) -> MultiDict[str]:
    """Query and body parameters together; GitLab takes JSON or form bodies alike."""
    merged: MultiDict[str] = MultiDict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            try:
                body: Any = await request.json()
            except json.JSONDecodeError as error:
                raise ApiError(400, "400 Bad request - body is not JSON") from error
            if isinstance(body, dict):
                for key, value in body.items():
                    merged[key] = value if isinstance(value, str) else json.dumps(value)
        else:
            for key, value in (await request.post()).items():
                if isinstance(value, str):
                    merged[key] = value
    return merged


def required(values: MultiDict[str], *names: str) -> None:
    for name in names:
        if not values.get(name):
            raise ApiError(400, f"{name} is missing", key="error")


def paginate(
    request: web.Request, items: Sequence[Any], render: Callable[[Any], Any]
) -> web.Response:
    """One page of `items` (rendered to JSON) with GitLab's offset pagination headers."""
    start, stop, headers = page_window(request, len(items))
    return web.json_response([render(item) for item in items[start:stop]], headers=headers)


def page_window(request: web.Request, total: int) -> tuple[int, int, dict[str, str]]:
    """Which slice of `total` items the request's `page`/`per_page` ask for, and the headers
    GitLab sends with it (X-Page, X-Next-Page, X-Total, Link, ...)."""
    cap = request.app[PAGE_CAP]
    page = _positive(request.query.get("page"), 1, "page")
    per_page = min(_positive(request.query.get("per_page"), DEFAULT_PER_PAGE, "per_page"), cap)
    pages = max(1, math.ceil(total / per_page))
    headers = {
        "X-Page": str(page),
        "X-Per-Page": str(per_page),
        "X-Total": str(total),
        "X-Total-Pages": str(pages),
        "X-Next-Page": str(page + 1) if page < pages else "",
        "X-Prev-Page": str(page - 1) if 1 < page <= pages + 1 else "",
    }
    links = [("first", 1), ("last", pages)]
    if headers["X-Next-Page"]:
        links.insert(0, ("next", page + 1))
    if headers["X-Prev-Page"]:
        links.insert(0, ("prev", page - 1))
    headers["Link"] = ", ".join(
        f'<{request.url.update_query(page=n, per_page=per_page)}>; rel="{rel}"'
        for rel, n in links
    )
    return (page - 1) * per_page, page * per_page, headers


def _positive(value: str | None, default: int, name: str) -> int:
    if value is None or value == "":
        return default
    if not value.isdigit() or int(value) < 1:
        raise ApiError(400, f"{name} is invalid", key="error")
    return int(value)


def origin(request: web.Request) -> str:
    return str(request.url.origin())


def ordered(request: web.Request, items: list[Any]) -> list[Any]:
    """GitLab's `order_by` (created_at, updated_at) and `sort` (default: newest first)."""
    order = request.query.get("order_by", "created_at")
    if order not in ("created_at", "updated_at"):
        raise ApiError(400, "order_by does not have a valid value", key="error")
    descending = request.query.get("sort", "desc") != "asc"
    return sorted(items, key=lambda i: (getattr(i, order), i.id), reverse=descending)


def author_matches(request: web.Request, world: World, author: str) -> bool:
    name, number = request.query.get("author_username"), request.query.get("author_id")
    if name is not None and author.lower() != name.lower():
        return False
    return number is None or str(user_id(world, author)) == number
