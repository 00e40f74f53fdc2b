"""The GitHub sandbox's pull request endpoints: list (filtered by state, `head`, `base`),
one pull request as JSON or as a diff, opening one from a branch or a fork, and editing
its title and body."""

from __future__ import annotations

from aiohttp import web

from bot.sandbox import gitstore
from bot.sandbox.github_common import (
    FORGE,
    PUSH_ROLES,
    ApiError,
    association,
    caller,
    existing_repo,
    invalid,
    json_answer,
    json_body,
    matches_state,
    not_found,
    number_of,
    page_of,
    role_of,
    run,
    signed_in,
    site_of,
    state_filter,
    world_of,
)
from bot.sandbox.github_json import Json, Site
from bot.sandbox.github_json_threads import pull_json
from bot.sandbox.github_repos import repo_answer
from bot.sandbox.world import SandboxChange, User, World, WorldError

#: media types that ask `GET pulls/{n}` for the diff instead of JSON
_DIFF_TYPES = ("application/vnd.github.diff", "application/vnd.github.v3.diff")


def _pull(world: World, site: Site, change: SandboxChange, user: User | None, full: bool) -> Json:
    target = world.repo(FORGE, change.repo)
    try:
        head_repo: Json | None = repo_answer(
            world, site, world.repo(FORGE, change.source_repo), user
        )
    except WorldError:
        head_repo = None  # the fork was deleted; GitHub then sends `"repo": null`
    base_sha = gitstore.branch_head(world.git_dir(FORGE, target.path), change.target_branch)
    return pull_json(
        site,
        change,
        base_repo=repo_answer(world, site, target, user),
        head_repo=head_repo,
        base_sha=base_sha or "",
        association=association(world, change.repo, change.author),
        full=full,
    )


async def list_pulls(request: web.Request) -> web.Response:
    repo = await existing_repo(request)
    world = world_of(request)
    wanted = state_filter(request)
    head, base = request.query.get("head"), request.query.get("base")
    if head is not None and ":" not in head:
        head = f"{repo.namespace}:{head}"
    chosen = [
        c
        for c in await run(world.changes, FORGE, repo.path)
        if matches_state(c.state, wanted)
        and (head is None or f"{c.source_repo.rpartition('/')[0]}:{c.source_branch}" == head)
        and (base is None or c.target_branch == base)
    ]
    sort = "updated_at" if request.query.get("sort") == "updated" else "created_at"
    descending = request.query.get("direction", "desc") != "asc"
    chosen.sort(key=lambda c: (getattr(c, sort), c.number), reverse=descending)
    chunk, headers = page_of(request, chosen)
    site, user = site_of(request), caller(request)
    return json_answer(
        [await run(_pull, world, site, c, user, False) for c in chunk], headers=headers
    )


async def get_pull(request: web.Request) -> web.Response:
    repo = await existing_repo(request)
    world = world_of(request)
    try:
        change = await run(world.change, FORGE, repo.path, number_of(request))
    except WorldError:
        raise not_found() from None
    accept = request.headers.get("Accept", "")
    if any(kind in accept for kind in _DIFF_TYPES):
        diff = await run(world.change_diff, FORGE, repo.path, change.number)
        return web.Response(body=diff, content_type="application/vnd.github.diff", charset="utf-8")
    return json_answer(await run(_pull, world, site_of(request), change, caller(request), True))


async def update_pull(request: web.Request) -> web.Response:
    """Title and body, by the author or someone with push access (the draft state is
    GraphQL's: see `github_graphql`)."""
    user = signed_in(request)
    repo = await existing_repo(request)
    world = world_of(request)
    body = await json_body(request)
    try:
        change = await run(world.change, FORGE, repo.path, number_of(request))
    except WorldError:
        raise not_found() from None
    if user.name != change.author and role_of(world, repo.path, user) not in PUSH_ROLES:
        raise ApiError(403, "Must have admin rights to Repository.")
    title, text = body.get("title"), body.get("body")
    if title is not None and (not isinstance(title, str) or not title.strip()):
        raise invalid("PullRequest", "title")
    change = await run(
        world.edit_change,
        FORGE,
        repo.path,
        change.number,
        title=title,
        body=None if text is None else str(text),
    )
    return json_answer(await run(_pull, world, site_of(request), change, user, True))


async def create_pull(request: web.Request) -> web.Response:
    user = signed_in(request)
    repo = await existing_repo(request)
    world = world_of(request)
    body = await json_body(request)
    title, head, base = body.get("title"), body.get("head"), body.get("base")
    if not isinstance(title, str) or not title.strip():
        raise invalid("PullRequest", "title", "missing_field")
    git_dir = world.git_dir(FORGE, repo.path)
    if not isinstance(base, str) or await run(gitstore.branch_head, git_dir, base) is None:
        raise invalid("PullRequest", "base")
    if not isinstance(head, str) or not head:
        raise invalid("PullRequest", "head", "missing_field")
    owner, _, branch = head.rpartition(":")
    source = await run(_head_repo, world, repo.path, owner or repo.namespace, branch)
    if source is None:
        raise invalid("PullRequest", "head")
    for change in await run(world.changes, FORGE, repo.path):
        if (change.state, change.source_repo, change.source_branch, change.target_branch) == (
            "open",
            source,
            branch,
            base,
        ):
            message = f"A pull request already exists for {owner or repo.namespace}:{branch}."
            raise ApiError(
                422,
                "Validation Failed",
                errors=[{"resource": "PullRequest", "code": "custom", "message": message}],
            )
    change = await run(
        world.open_change,
        FORGE,
        repo.path,
        title=title,
        body=str(body.get("body") or ""),
        author=user.name,
        source_repo=source,
        source_branch=branch,
        target_branch=base,
        draft=bool(body.get("draft", False)),
    )
    answer = await run(_pull, world, site_of(request), change, user, True)
    return json_answer(answer, status=201)


def _head_repo(world: World, target: str, owner: str, branch: str) -> str | None:
    """The repository `owner:branch` names: the target itself or the owner's fork of it."""
    candidates = [world.repo(FORGE, target)] if target.rpartition("/")[0] == owner else []
    candidates += [r for r in world.repos(FORGE, owner) if r.fork_of == target]
    for candidate in candidates:
        if gitstore.branch_head(world.git_dir(FORGE, candidate.path), branch):
            return candidate.path
    return None


def routes(prefix: str) -> list[web.RouteDef]:
    repo = f"{prefix}/repos/{{owner}}/{{repo}}"
    return [
        web.get(f"{repo}/pulls", list_pulls),
        web.post(f"{repo}/pulls", create_pull),
        web.get(f"{repo}/pulls/{{number:\\d+}}", get_pull),
        web.patch(f"{repo}/pulls/{{number:\\d+}}", update_pull),
    ]
