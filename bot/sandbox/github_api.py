"""The GitHub sandbox server: the subset of GitHub's REST API v3 the bot uses, laid out as
GitHub Enterprise serves it (the API under `/api/v3/...`, git's smart HTTP at
`/<owner>/<repo>.git`), over the shared World.

Like GitHub it authenticates by token (`Authorization: token <t>` or `Bearer <t>`, a bad
token is 401 "Bad credentials", anonymous reads are allowed), counts a primary rate limit per
user (403 with `X-RateLimit-Remaining: 0` when spent), tags every GET answer with an ETag and
answers a matching `If-None-Match` with 304, which costs no rate limit.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable

from aiohttp import web

from bot.sandbox import github_graphql, github_pulls, github_repos, github_threads, gitstore
from bot.sandbox.faults import Faults, Handler, fault_middleware
from bot.sandbox.git_http import add_git_routes
from bot.sandbox.github_common import (
    FORGE,
    LIMITS,
    PAGE_CAP,
    WORLD,
    ApiError,
    RateLimit,
    not_found,
    set_user,
)
from bot.sandbox.github_graphql import GRAPHQL_PATH
from bot.sandbox.github_json import numeric_id
from bot.sandbox.world import User, World, WorldError

log = logging.getLogger(__name__)

API_PREFIX = "/api/v3"
#: GitHub's largest `per_page`
PAGE_CAP_DEFAULT = 100
#: GitHub's primary rate limit for a signed-in user, per hour
RATE_LIMIT_DEFAULT = 5000

_ALWAYS = {
    "X-GitHub-Media-Type": "github.v3; format=json",
    "Vary": "Accept, Authorization, Cookie, X-GitHub-OTP",
    "Cache-Control": "private, max-age=60, s-maxage=60",
    "Access-Control-Expose-Headers": "ETag, Link, Location, Retry-After, X-RateLimit-Limit, "
    "X-RateLimit-Remaining, X-RateLimit-Used, X-RateLimit-Resource, X-RateLimit-Reset",
}


def build_app(
    world: World,
    *,
    faults: Faults,
    page_cap: int = PAGE_CAP_DEFAULT,
    rate_limit: int = RATE_LIMIT_DEFAULT,
    clock: Callable[[], float] = time.time,
) -> web.Application:
    """The sandbox's GitHub API; `clock` (epoch seconds) times the rate-limit windows."""
    app = web.Application(middlewares=[fault_middleware(faults), _github_middleware])
    app[WORLD] = world
    app[PAGE_CAP] = page_cap
    app[LIMITS] = RateLimit(rate_limit, clock)
    app.add_routes(github_repos.routes(API_PREFIX))
    app.add_routes(github_threads.routes(API_PREFIX))
    app.add_routes(github_pulls.routes(API_PREFIX))
    app.add_routes(github_graphql.routes())
    # git's smart HTTP on the same server, as GitHub Enterprise serves it: /<owner>/<repo>.git
    add_git_routes(app, world, FORGE, resolve=clone_path)
    return app


def clone_path(url_path: str) -> str | None:
    """The repository a git URL path names: "owner/repo.git" (or without ".git")."""
    path = url_path.removesuffix(".git")
    owner, _, name = path.partition("/")
    return path if owner and name and "/" not in name else None


@web.middleware
async def _github_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(f"{API_PREFIX}/") and request.path != GRAPHQL_PATH:
        return await handler(request)
    try:
        user = _authenticate(request)
    except ApiError as error:
        return error.response()
    set_user(request, user)
    limits = request.app[LIMITS]
    window = limits.window(user.name if user else f"address:{request.remote}")
    if window[1] >= limits.limit:
        who = f"user ID {numeric_id(user.name)}" if user else str(request.remote)
        return ApiError(
            403, f"API rate limit exceeded for {who}.", headers=limits.headers(window)
        ).response()
    response = await _answer(request, handler)
    response = _conditional(request, response, user)
    if response.status != 304:
        window[1] += 1
    response.headers.update(limits.headers(window))
    response.headers.update(_ALWAYS)
    return response


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as error:
        return error.response()
    except WorldError:
        return not_found().response()
    except gitstore.GitError:
        log.exception("git failed behind a GitHub sandbox answer")
        return ApiError(500, "Server Error").response()
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
        return not_found().response()


def _authenticate(request: web.Request) -> User | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() not in ("token", "bearer") or not token.strip():
        raise ApiError(401, "Bad credentials")
    user = request.app[WORLD].user_by_token(FORGE, token.strip())
    if user is None:
        raise ApiError(401, "Bad credentials")
    return user


def _conditional(
    request: web.Request, response: web.StreamResponse, user: User | None
) -> web.StreamResponse:
    """Tag a successful GET with a weak ETag (it differs per caller, as GitHub's do) and
    answer 304 Not Modified when the client already holds that version."""
    if request.method != "GET" or response.status != 200 or not isinstance(response, web.Response):
        return response
    body = response.body if isinstance(response.body, bytes) else b""
    digest = hashlib.md5(body, usedforsecurity=False)
    digest.update(b"\x00" + (user.name if user else "").encode())
    digest.update(b"\x00" + request.headers.get("Accept", "").encode())
    etag = f'W/"{digest.hexdigest()}"'
    held = [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]
    if etag in held or etag.removeprefix("W/") in held or "*" in held:
        return web.Response(status=304, headers={"ETag": etag})
    response.headers["ETag"] = etag
    return response
