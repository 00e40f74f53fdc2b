"""The GitHub sandbox's repository endpoints: listings of an organization's or a user's
repositories, one repository, branches, contents and blobs, commits, compare, forks and a
collaborator's permission."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bot.sandbox import gitstore
from bot.sandbox.github_common import (
    FORGE,
    PUSH_ROLES,
    ApiError,
    caller,
    existing_repo,
    json_answer,
    json_body,
    not_found,
    page_of,
    role_of,
    run,
    signed_in,
    site_of,
    world_of,
)
from bot.sandbox.github_json import (
    Json,
    Site,
    blob_json,
    branch_json,
    commit_json,
    content_json,
    permission_json,
    repo_json,
)
from bot.sandbox.world import SandboxRepo, User, World, WorldError

_SORT_KEYS = {
    "created": lambda r: (r.created_at, r.id),
    "updated": lambda r: (r.updated_at, r.id),
    "pushed": lambda r: (r.updated_at, r.id),
    "full_name": lambda r: r.path.lower(),
}
_DIFF_TYPES = ("application/vnd.github.diff", "application/vnd.github.v3.diff")
#: GitHub answers at most this many commits from compare when the client does not paginate
_COMPARE_CAP = 250


def repo_answer(world: World, site: Site, repo: SandboxRepo, user: User | None) -> Json:
    """A repository as `GET /repos/{owner}/{repo}` shows it, with its parent if it is a fork."""
    parent = None
    if repo.fork_of is not None:
        try:
            source = world.repo(FORGE, repo.fork_of)
        except WorldError:
            source = None
        if source is not None:
            parent = _repo(world, site, source, user)
    return _repo(world, site, repo, user, parent=parent)


def _repo(
    world: World, site: Site, repo: SandboxRepo, user: User | None, parent: Json | None = None
) -> Json:
    organization = repo.namespace not in world.users(FORGE)
    role = role_of(world, repo.path, user)
    return repo_json(site, repo, organization=organization, role=role, parent=parent)


async def list_org_repos(request: web.Request) -> web.Response:
    world = world_of(request)
    org = request.match_info["org"]
    repos = await run(world.repos, FORGE, org)
    # the World has no organizations of its own: a namespace with repositories that is
    # not a user's is one
    if org in world.users(FORGE) or not repos:
        raise not_found()
    return _repo_page(request, repos, default_sort="created")


async def list_user_repos(request: web.Request) -> web.Response:
    world = world_of(request)
    login = request.match_info["user"]
    repos = await run(world.repos, FORGE, login)
    if login not in world.users(FORGE) and not repos:
        raise not_found()
    return _repo_page(request, repos, default_sort="full_name")


def _repo_page(
    request: web.Request, repos: list[SandboxRepo], *, default_sort: str
) -> web.Response:
    sort = request.query.get("sort", default_sort)
    if sort not in _SORT_KEYS:
        sort = default_sort
    default_direction = "asc" if sort == "full_name" else "desc"
    direction = request.query.get("direction", default_direction)
    ordered = sorted(repos, key=_SORT_KEYS[sort], reverse=direction == "desc")
    chunk, headers = page_of(request, ordered)
    world, site, user = world_of(request), site_of(request), caller(request)
    return json_answer([_repo(world, site, r, user) for r in chunk], headers=headers)


async def get_repo(request: web.Request) -> web.Response:
    repo = await existing_repo(request)
    world = world_of(request)
    return json_answer(await run(repo_answer, world, site_of(request), repo, caller(request)))


async def list_branches(request: web.Request) -> web.Response:
    repo = await existing_repo(request)
    git_dir = world_of(request).git_dir(FORGE, repo.path)
    heads = await run(gitstore.branches, git_dir)
    chunk, headers = page_of(request, heads)
    site = site_of(request)
    return json_answer([branch_json(site, repo, n, s) for n, s in chunk], headers=headers)


async def get_contents(request: web.Request) -> web.Response:
    repo = await existing_repo(request)
    git_dir = world_of(request).git_dir(FORGE, repo.path)
    path = request.match_info.get("path", "").strip("/")
    ref = request.query.get("ref") or repo.default_branch
    if await run(_commit_of, git_dir, ref) is None:
        raise ApiError(404, f"No commit found for the ref {ref}")
    site = site_of(request)
    if path:
        found = await run(_ls, git_dir, ref, path)
        if not found:
            raise not_found()
        entry, sha = found[0]
        if entry.kind == "blob":
            data = await run(gitstore.run_git, git_dir, "cat-file", "blob", sha)
            return json_answer(content_json(site, repo, entry, sha, ref, data=data))
        if entry.kind != "tree":
            return json_answer(content_json(site, repo, entry, sha, ref, data=b""))
    children = await run(_ls, git_dir, ref, f"{path}/" if path else "")
    return json_answer([content_json(site, repo, e, s, ref, data=None) for e, s in children])


def _commit_of(git_dir: Path, ref: str) -> str | None:
    try:
        out = gitstore.run_git(git_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except gitstore.GitError:
        return None
    return out.decode().strip() or None


def _ls(git_dir: Path, ref: str, path: str) -> list[tuple[gitstore.GitEntry, str]]:
    """Entries of `ls-tree` with their object ids (gitstore's listing leaves the ids out);
    `path` names one entry, or with a trailing slash the entries of a directory."""
    args = ["ls-tree", "-l", "-z", ref]
    if path:
        args += ["--", path]
    try:
        out = gitstore.run_git(git_dir, *args)
    except gitstore.GitError:
        return []
    entries = []
    for record in out.split(b"\x00"):
        if not record:
            continue
        meta, name = record.split(b"\t", 1)
        mode, kind, sha, size = meta.decode().split()
        path_text = name.decode("utf-8", "replace")
        entries.append(
            (
                gitstore.GitEntry(path_text, kind, mode, int(size) if size.isdigit() else None),
                sha,
            )
        )
    return entries


async def get_blob(request: web.Request) -> web.Response:
    repo = await existing_repo(request)
    git_dir = world_of(request).git_dir(FORGE, repo.path)
    sha = request.match_info["sha"]
    try:
        kind = (await run(gitstore.run_git, git_dir, "cat-file", "-t", sha)).decode().strip()
    except gitstore.GitError:
        raise not_found() from None
    if kind != "blob":
        raise not_found()
    data = await run(gitstore.run_git, git_dir, "cat-file", "blob", sha)
    return json_answer(blob_json(site_of(request), repo, sha, data))


async def list_commits(request: web.Request) -> web.Response:
    repo = await existing_repo(request)
    git_dir = world_of(request).git_dir(FORGE, repo.path)
    ref = request.query.get("sha") or repo.default_branch
    if not await run(gitstore.branches, git_dir):
        raise ApiError(409, "Git Repository is empty.")
    if await run(_commit_of, git_dir, ref) is None:
        raise ApiError(404, f"No commit found for SHA: {ref}")
    commits = await run(gitstore.log, git_dir, [ref], path=request.query.get("path") or None)
    chunk, headers = page_of(request, commits)
    site = site_of(request)
    return json_answer([commit_json(site, repo, c) for c in chunk], headers=headers)


async def get_commit(request: web.Request) -> web.Response:
    """One commit; with a diff `Accept`, its diff against its first parent as git prints it.
    Like GitHub, a ref that names no commit is a 422."""
    repo = await existing_repo(request)
    git_dir = world_of(request).git_dir(FORGE, repo.path)
    ref = request.match_info["ref"]
    sha = await run(_commit_of, git_dir, ref)
    if sha is None:
        raise ApiError(422, f"No commit found for SHA: {ref}")
    if any(kind in request.headers.get("Accept", "") for kind in _DIFF_TYPES):
        diff = await run(gitstore.commit_diff, git_dir, sha)
        return web.Response(body=diff, content_type="application/vnd.github.diff", charset="utf-8")
    found = await run(gitstore.log, git_dir, [sha], limit=1)
    return json_answer(commit_json(site_of(request), repo, found[0]))


@dataclass(frozen=True, slots=True)
class _Comparison:
    base: gitstore.GitCommit
    merge_base: gitstore.GitCommit
    ahead: list[gitstore.GitCommit]  # oldest first, as GitHub lists them
    behind: int


def _compare(git_dir: Path, base: str, head: str) -> _Comparison | None:
    base_sha, head_sha = _commit_of(git_dir, base), _commit_of(git_dir, head)
    if base_sha is None or head_sha is None:
        return None
    try:
        merge_base = gitstore.run_git(git_dir, "merge-base", base_sha, head_sha).decode().strip()
    except gitstore.GitError:
        return None  # no common ancestor
    return _Comparison(
        base=gitstore.log(git_dir, [base_sha], limit=1)[0],
        merge_base=gitstore.log(git_dir, [merge_base], limit=1)[0],
        ahead=list(reversed(gitstore.log(git_dir, [f"{base_sha}..{head_sha}"]))),
        behind=len(gitstore.log(git_dir, [f"{head_sha}..{base_sha}"])),
    )


async def compare(request: web.Request) -> web.Response:
    repo = await existing_repo(request)
    git_dir = world_of(request).git_dir(FORGE, repo.path)
    base, dots, head = request.match_info["basehead"].partition("...")
    found = await run(_compare, git_dir, base, head) if dots and base and head else None
    if found is None:
        raise ApiError(404, f"No common ancestor between {base} and {head}.")
    headers: dict[str, str] = {}
    if "page" in request.query or "per_page" in request.query:
        shown, headers = page_of(request, found.ahead)
    else:
        shown = found.ahead[:_COMPARE_CAP]
    status = "identical"
    if found.ahead and found.behind:
        status = "diverged"
    elif found.ahead or found.behind:
        status = "ahead" if found.ahead else "behind"
    site = site_of(request)
    html = f"{site.root}/{repo.path}/compare/{base}...{head}"
    body = {
        "url": f"{site.api}/repos/{repo.path}/compare/{base}...{head}",
        "html_url": html,
        "permalink_url": f"{site.root}/{repo.path}/compare/{found.base.sha}...{head}",
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "base_commit": commit_json(site, repo, found.base),
        "merge_base_commit": commit_json(site, repo, found.merge_base),
        "status": status,
        "ahead_by": len(found.ahead),
        "behind_by": found.behind,
        "total_commits": len(found.ahead),
        "commits": [commit_json(site, repo, c) for c in shown],
        "files": [],
    }
    return json_answer(body, headers=headers)


async def create_fork(request: web.Request) -> web.Response:
    user = signed_in(request)
    repo = await existing_repo(request)
    body = await json_body(request)
    owner = body.get("organization") or user.name
    name = body.get("name") or repo.name
    world = world_of(request)
    fork = await run(world.fork, FORGE, repo.path, owner, target_path=f"{owner}/{name}")
    answer = await run(repo_answer, world, site_of(request), fork, user)
    # GitHub forks asynchronously and answers 202 Accepted with the fork it will have
    return json_answer(answer, status=202)


async def collaborator_permission(request: web.Request) -> web.Response:
    user = signed_in(request)
    repo = await existing_repo(request)
    world = world_of(request)
    if role_of(world, repo.path, user) not in PUSH_ROLES:
        raise ApiError(403, "Must have push access to view collaborator permission.")
    login = request.match_info["user"]
    if login not in world.users(FORGE):
        raise not_found()
    role = world.role(FORGE, repo.path, login)
    return json_answer(permission_json(site_of(request), login, role))


def routes(prefix: str) -> list[web.RouteDef]:
    repo = f"{prefix}/repos/{{owner}}/{{repo}}"
    return [
        web.get(f"{prefix}/orgs/{{org}}/repos", list_org_repos),
        web.get(f"{prefix}/users/{{user}}/repos", list_user_repos),
        web.get(repo, get_repo),
        web.get(f"{repo}/branches", list_branches),
        web.get(f"{repo}/contents", get_contents),
        web.get(f"{repo}/contents/{{path:.*}}", get_contents),
        web.get(f"{repo}/git/blobs/{{sha}}", get_blob),
        web.get(f"{repo}/commits", list_commits),
        web.get(f"{repo}/commits/{{ref}}", get_commit),
        web.get(f"{repo}/compare/{{basehead:.+}}", compare),
        web.post(f"{repo}/forks", create_fork),
        web.get(f"{repo}/collaborators/{{user}}/permission", collaborator_permission),
    ]
