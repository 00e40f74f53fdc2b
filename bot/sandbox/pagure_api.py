"""The sandbox Pagure: the subset of Pagure's API v0 (and of its web routes) the Pagure
adapter uses, served over the shared World with Pagure's JSON, errors and paging.

Pagure's routes are ambiguous by design (`/<repo>/...`, `/<namespace>/<repo>/...`,
`/fork/<user>/<namespace>/<repo>/...`), so one handler finds the repository a path starts
with, then dispatches on what follows. Pagure sends no ETag and honours no If-None-Match,
and neither does this sandbox.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.sandbox import gitstore, pagure_json, pagure_threads, pagure_web
from bot.sandbox.faults import Faults, fault_middleware
from bot.sandbox.git_http import add_git_routes
from bot.sandbox.pagure_common import (
    PAGE_CAP,
    WORLD,
    ApiError,
    api_errors,
    base_of,
    commit_exists,
    form,
    in_thread,
    is_true,
    locate,
    logged_in,
    paging,
    required,
    world_of,
)
from bot.sandbox.pagure_json import FORGE, fullname, identity
from bot.sandbox.world import World

Handler = Callable[[web.Request, str, list[str]], Awaitable[web.StreamResponse]]

#: Pagure's maximum `per_page`
PAGE_CAP_DEFAULT = 100
#: git file modes as Pagure names them in its tree listing
_TYPES = {"040000": "folder", "120000": "link", "160000": "submodule"}


def build_app(world: World, *, faults: Faults, page_cap: int = PAGE_CAP_DEFAULT) -> web.Application:
    app = web.Application(middlewares=[fault_middleware(faults), api_errors])
    app[WORLD] = world
    app[PAGE_CAP] = page_cap
    app.router.add_route("*", "/api/0/{tail:.*}", _api)
    # git's routes go before the web catch-all, which would take `.../info/refs` for a page
    add_git_routes(app, world, FORGE, resolve=git_path)
    app.router.add_get("/{tail:.*}", pagure_web.serve)
    return app


def git_path(url_path: str) -> str | None:
    """The World path of a clone URL's repository: Pagure serves each project under its full
    name plus `.git`, forks under `forks/<user>/<namespace>/<name>.git`."""
    if not url_path.endswith(".git"):
        return None
    path = url_path.removesuffix(".git")
    return "fork/" + path.removeprefix("forks/") if path.startswith("forks/") else path


async def _api(request: web.Request) -> web.StreamResponse:
    parts = [p for p in request.match_info["tail"].split("/") if p]
    if parts == ["projects"] and request.method == "GET":
        return await _projects(request)
    if parts == ["fork"] and request.method == "POST":
        return await _fork(request)
    if len(parts) == 2 and parts[0] == "user" and request.method == "GET":
        return await _user(request, parts[1])
    world = world_of(request)
    path, rest = await in_thread(world, lambda: locate(world, parts))
    if path is None:
        raise ApiError(404, "ENOPROJECT")
    allowed = [(method, handler) for method, shape, handler in _ROUTES if _fits(shape, rest)]
    for method, handler in allowed:
        if method == request.method:
            return await handler(request, path, rest)
    if allowed:
        raise web.HTTPMethodNotAllowed(request.method, [m for m, _ in allowed])
    raise web.HTTPNotFound()


def _fits(shape: tuple[str, ...], rest: list[str]) -> bool:
    if shape[-1:] == ("**",):
        return len(rest) >= len(shape) - 1 and _fits(shape[:-1], rest[: len(shape) - 1])
    if len(shape) != len(rest):
        return False
    return all(s == r or (s == "#" and r.isdigit()) for s, r in zip(shape, rest, strict=True))


async def _projects(request: web.Request) -> web.Response:
    world = world_of(request)
    page, per_page = paging(request)
    namespace = request.query.get("namespace")
    fork = request.query.get("fork")
    base = base_of(request)

    def answer() -> dict[str, object]:
        repos = [
            r
            for r in world.repos(FORGE)
            if (namespace is None or identity(r.path)[1] == namespace)
            and (fork is None or is_true(fork) == (r.fork_of is not None))
        ]
        repos.sort(key=lambda r: (r.name.lower(), r.path))
        chunk = repos[(page - 1) * per_page : page * per_page]
        return {
            "args": {
                "fork": None if fork is None else is_true(fork),
                "namespace": namespace,
                "owner": None,
                "page": page,
                "pattern": None,
                "per_page": per_page,
                "short": False,
                "tags": [],
                "username": None,
            },
            "pagination": pagure_json.pagination(
                request.url, page=page, per_page=per_page, total=len(repos)
            ),
            "projects": [pagure_json.project(world, r, base) for r in chunk],
            "total_projects": len(repos),
        }

    return web.json_response(await in_thread(world, answer))


async def _fork(request: web.Request) -> web.Response:
    world = world_of(request)
    me = logged_in(request)
    fields = await form(request)
    required(fields, "repo")
    name, namespace = fields["repo"], fields.get("namespace", "").strip()
    owner = fields.get("username", "").strip()
    source = "/".join(p for p in ("fork" if owner else "", owner, namespace, name) if p)
    target = "/".join(p for p in ("fork", me.name, namespace, name) if p)

    def make() -> None:
        known = {r.path for r in world.repos(FORGE)}
        if source not in known:
            raise ApiError(404, "ENOPROJECT")
        if target in known:
            message = f'Repo "{fullname(target)}" already exists'
            raise ApiError(400, "ENOCODE", message=message)
        world.fork(FORGE, source, me.name, target_path=target)

    await in_thread(world, make)
    if not is_true(fields.get("wait", "true")):
        return web.json_response({"message": "Project forking queued", "taskid": target})
    message = f'Repo "{fullname(source)}" cloned to "{me.name}/{fullname(source)}"'
    return web.json_response({"message": message})


async def _user(request: web.Request, name: str) -> web.Response:
    world = world_of(request)
    if name not in world.users(FORGE):
        raise ApiError(404, "ENOUSER")
    base = base_of(request)

    def answer() -> dict[str, object]:
        repos = [r for r in world.repos(FORGE) if pagure_json.owner(r) == name]
        return {
            "forks": [pagure_json.project(world, r, base) for r in repos if r.fork_of],
            "repos": [pagure_json.project(world, r, base) for r in repos if not r.fork_of],
            "user": pagure_json.user(name, base),
        }

    return web.json_response(await in_thread(world, answer))


async def _project(request: web.Request, path: str, _rest: list[str]) -> web.Response:
    world = world_of(request)
    base = base_of(request)

    def answer() -> dict[str, object]:
        body = pagure_json.project(world, world.repo(FORGE, path), base)
        if is_true(request.query.get("expand_group")):
            body["group_details"] = {}  # the World has no groups
        return body

    return web.json_response(await in_thread(world, answer))


async def _branches(request: web.Request, path: str, _rest: list[str]) -> web.Response:
    world = world_of(request)
    repo = world.repo(FORGE, path)
    heads = dict(await in_thread(world, lambda: gitstore.branches(world.git_dir(FORGE, path))))
    default = repo.default_branch if repo.default_branch in heads else None
    if is_true(request.query.get("with_commits")):
        listed: object = heads
        shown: object = {default: heads[default]} if default else {}
    else:
        listed, shown = sorted(heads), default
    return web.json_response({"branches": listed, "default": shown, "total_branches": len(heads)})


async def _tree(request: web.Request, path: str, rest: list[str]) -> web.Response:
    world = world_of(request)
    tail = rest[1:]
    split = tail.index("f") if "f" in tail else len(tail)
    identifier, filename = "/".join(tail[:split]), "/".join(tail[split + 1 :])
    base = base_of(request)
    git_dir = world.git_dir(FORGE, path)

    def answer() -> dict[str, object]:
        heads = dict(gitstore.branches(git_dir))
        if not heads:
            raise ApiError(404, "EEMPTYGIT")
        repo = world.repo(FORGE, path)
        branch = identifier or repo.default_branch
        if branch in heads:
            commit = heads[branch]
        elif commit_exists(git_dir, identifier):
            commit = identifier
        else:
            raise ApiError(404, "EFILENOTFOUND")
        raw = f"{base}/{path}/raw/{branch}/f"
        entries = gitstore.list_tree(git_dir, commit, filename)
        if entries is None:
            if not filename or gitstore.read_blob(git_dir, commit, filename) is None:
                raise ApiError(404, "EFILENOTFOUND")
            return {"content_url": f"{raw}/{filename}", "name": filename, "type": "file"}
        content = []
        for entry in sorted(entries, key=lambda e: int(e.mode, 8)):
            kind = _TYPES.get(entry.mode, "file")
            url = f"{raw}/{entry.path}"
            if kind == "folder":
                url = f"{base}/api/0/{path}/tree/{branch}/f/{entry.path}"
            name = entry.path.rpartition("/")[2]
            content.append({"content_url": url, "name": name, "path": entry.path, "type": kind})
        return {"content": content, "name": filename or None, "type": "folder"}

    return web.json_response(await in_thread(world, answer))


_ROUTES: list[tuple[str, tuple[str, ...], Handler]] = [
    ("GET", (), _project),
    ("GET", ("git", "branches"), _branches),
    ("GET", ("tree", "**"), _tree),
    *pagure_threads.ROUTES,
]
