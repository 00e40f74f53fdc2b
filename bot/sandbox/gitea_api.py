"""The Gitea/Forgejo sandbox server: the subset of API v1 the Gitea adapter uses, over the
shared World (forge name "gitea"), with Gitea's paging, errors, auth scheme and ETags."""

from __future__ import annotations

from aiohttp import web

from bot.sandbox import gitea_comments as comments
from bot.sandbox import gitea_issues as issues
from bot.sandbox import gitea_repos as repos
from bot.sandbox.faults import Faults, fault_middleware
from bot.sandbox.git_http import add_git_routes
from bot.sandbox.gitea_web import FORGE, Handler, route
from bot.sandbox.world import World

#: Gitea's `[api] MAX_RESPONSE_ITEMS`
PAGE_CAP = 50

_REPO = "/api/v1/repos/{owner}/{repo}"
_ISSUE = _REPO + r"/issues/{index:\d+}"
_COMMENT = _REPO + r"/issues/comments/{id:\d+}"

#: (method, path, handler, needs a token)
ROUTES: tuple[tuple[str, str, Handler, bool], ...] = (
    ("GET", "/api/v1/user", repos.me, True),
    ("GET", "/api/v1/users/{username}", repos.user, False),
    ("GET", "/api/v1/users/{username}/repos", repos.user_repos, False),
    ("GET", "/api/v1/orgs/{org}", repos.org, False),
    ("GET", "/api/v1/orgs/{org}/repos", repos.org_repos, False),
    ("GET", "/api/v1/repos/search", repos.search_repos, False),
    ("GET", _REPO, repos.repo, False),
    ("GET", _REPO + "/branches", repos.branches, False),
    ("GET", _REPO + "/raw/{path:.+}", repos.raw, False),
    ("GET", _REPO + "/contents", repos.contents, False),
    ("GET", _REPO + "/contents/{path:.+}", repos.contents, False),
    ("GET", _REPO + "/commits", repos.commits, False),
    ("GET", _REPO + "/compare/{basehead:.+}", repos.compare, False),
    ("GET", _REPO + "/git/commits/{sha}.diff", repos.commit_diff, False),
    ("POST", _REPO + "/forks", repos.fork, True),
    ("GET", _REPO + "/collaborators/{collaborator}/permission", repos.permission, True),
    ("GET", _REPO + "/pulls", issues.list_pulls, False),
    ("POST", _REPO + "/pulls", issues.create_pull, True),
    ("GET", _REPO + r"/pulls/{index:\d+}", issues.get_pull, False),
    ("PATCH", _REPO + r"/pulls/{index:\d+}", issues.edit_pull, True),
    ("GET", _REPO + r"/pulls/{index:\d+}.diff", issues.pull_diff, False),
    ("GET", _REPO + "/issues", issues.list_issues, False),
    ("POST", _REPO + "/issues", issues.create_issue, True),
    ("GET", _ISSUE, issues.get_issue, False),
    ("PATCH", _ISSUE, issues.edit_issue, True),
    ("GET", _ISSUE + "/comments", comments.list_comments, False),
    ("POST", _ISSUE + "/comments", comments.create_comment, True),
    ("GET", _COMMENT, comments.get_comment, False),
    ("PATCH", _COMMENT, comments.edit_comment, True),
    ("GET", _COMMENT + "/reactions", comments.list_reactions, False),
    ("POST", _COMMENT + "/reactions", comments.add_reaction, True),
)


def build_app(world: World, *, faults: Faults, page_cap: int = PAGE_CAP) -> web.Application:
    """The sandbox Gitea API app, and git's smart HTTP at each repository's `clone_url`;
    `faults` applies to every request (its middleware comes first)."""
    app = web.Application(middlewares=[fault_middleware(faults)])
    for method, path, handler, write in ROUTES:
        app.router.add_route(
            method, path, route(handler, world=world, page_cap=page_cap, write=write)
        )
    add_git_routes(app, world, FORGE, resolve=clone_path)
    return app


def clone_path(url_path: str) -> str | None:
    """The repository of a git URL: Gitea serves `owner/name.git` and `owner/name` alike."""
    path = url_path.removesuffix(".git")
    return path if path.count("/") == 1 else None
