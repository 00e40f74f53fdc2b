"""The GitLab sandbox server: the subset of GitLab's REST API v4 the adapter uses, over the
shared World, with GitLab's authentication, error bodies, pagination and ETags; and git's smart
HTTP at each project's `http_url_to_repo` (`<origin>/<path>.git`)."""

from __future__ import annotations

import time

from aiohttp import web

from bot.sandbox import gitlab_merge_requests, gitlab_repos, gitlab_threads
from bot.sandbox.faults import Faults, fault_middleware
from bot.sandbox.git_http import add_git_routes
from bot.sandbox.gitlab_http import (
    FORGE,
    PAGE_CAP,
    RAW_DIFFS,
    WORLD,
    authenticate,
    errors,
    etags,
)
from bot.sandbox.gitlab_limits import Clock, rate_limit
from bot.sandbox.world import World

#: GitLab answers at most 100 items per page
PAGE_CAP_DEFAULT = 100


def build_app(
    world: World,
    *,
    faults: Faults,
    page_cap: int = PAGE_CAP_DEFAULT,
    raw_diffs: bool = True,
    per_minute: int | None = None,
    clock: Clock = time.time,
) -> web.Application:
    """Serve `world`'s `gitlab` forge; `faults` apply to every request (their middleware
    comes first). `raw_diffs=False` imitates GitLab before 17.9, which lacks that route;
    `per_minute` turns on GitLab's per-user request limit (off by default)."""
    middlewares = [fault_middleware(faults)]
    if per_minute is not None:
        middlewares.append(rate_limit(per_minute, clock=clock))
    app = web.Application(middlewares=[*middlewares, errors, authenticate(world), etags])
    app[WORLD] = world
    app[PAGE_CAP] = page_cap
    app[RAW_DIFFS] = raw_diffs
    app.add_routes(gitlab_repos.routes())
    app.add_routes(gitlab_merge_requests.routes())
    app.add_routes(gitlab_threads.routes())
    add_git_routes(app, world, FORGE, resolve=clone_path)
    return app


def clone_path(url_path: str) -> str | None:
    """The project of a git URL: GitLab serves `group/sub/name.git` and `group/sub/name`."""
    path = url_path.removesuffix(".git")
    return path if "/" in path and not path.startswith("api/") else None
