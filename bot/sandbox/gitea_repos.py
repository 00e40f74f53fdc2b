"""Gitea sandbox handlers for users, organizations, repositories and their git content:
listings, branches, raw files, contents, commits, compare, forks and permissions."""

from __future__ import annotations

import base64
import hashlib

from bot.sandbox import gitea_git, gitstore
from bot.sandbox.gitea_json import View, access_mode, ident
from bot.sandbox.gitea_json_pulls import permission as permission_json
from bot.sandbox.gitea_web import (
    FORGE,
    Call,
    GiteaError,
    Reply,
    json_reply,
    list_headers,
    list_options,
    not_found,
    page_of,
)
from bot.sandbox.world import User

#: Gitea's `[git] COMMITS_RANGE_SIZE`: the page size of commits of a path, whatever `limit` says
COMMITS_RANGE = 50


def view(call: Call) -> View:
    return View(call.world, call.origin, call.doer.name if call.doer else None)


def index(call: Call) -> int:
    """The issue or pull request number of the route."""
    return int(call.params["index"])


def can_write(call: Call, user: User) -> bool:
    return access_mode(call.world, call.path, user.name) in ("write", "admin", "owner")


def me(call: Call) -> Reply:
    return json_reply(view(call).user(call.signed_in().name))


def user(call: Call) -> Reply:
    name = call.params["username"]
    if name not in call.world.users(FORGE):
        raise not_found(f"user redirect does not exist [name: {name}]")
    return json_reply(view(call).user(name))


def org_repos(call: Call) -> Reply:
    org = call.params["org"]
    repos = call.world.repos(FORGE, org)
    # the sandbox has no organization records: one is a namespace of repositories, not a user
    if org in call.world.users(FORGE) or not repos:
        raise not_found(f"org does not exist [id: 0, name: {org}]")
    page, headers = page_of(call, repos)
    rendering = view(call)
    return json_reply([rendering.repo(r) for r in page], headers=headers)


def org(call: Call) -> Reply:
    """An organization: a namespace of repositories that is not a user's."""
    name = call.params["org"]
    if name in call.world.users(FORGE) or not call.world.repos(FORGE, name):
        raise not_found(f"org does not exist [id: 0, name: {name}]")
    return json_reply(view(call).user(name))


#: `/repos/search`'s `sort` values the sandbox orders by (Gitea's default is alpha)
_SEARCH_ORDER = {
    "alpha": lambda r: r.path.lower(),
    "created": lambda r: (r.created_at, r.id),
    "updated": lambda r: (r.updated_at, r.id),
    "id": lambda r: r.id,
}


def search_repos(call: Call) -> Reply:
    """`/repos/search` by owner id (`uid`, with `exclusive`: owned only), sorted by `sort`
    in `order`; the answer wraps the page in `{"ok": true, "data": [...]}`."""
    repos = call.world.repos(FORGE)
    uid = call.query.get("uid")
    if uid:
        repos = [r for r in repos if str(ident(r.namespace)) == uid]
    keyword = call.query.get("q", "").strip().lower()
    if keyword:
        repos = [r for r in repos if keyword in r.name.lower()]
    sort = call.query.get("sort", "alpha")
    if sort not in _SEARCH_ORDER:
        raise GiteaError(422, f"unsupported sort {sort!r}")
    descending = call.query.get("order", "asc") == "desc"
    ordered = sorted(repos, key=_SEARCH_ORDER[sort], reverse=descending)
    page, headers = page_of(call, ordered)
    rendering = view(call)
    return json_reply({"ok": True, "data": [rendering.repo(r) for r in page]}, headers=headers)


def user_repos(call: Call) -> Reply:
    name = call.params["username"]
    if name not in call.world.users(FORGE):
        raise not_found(f"user redirect does not exist [name: {name}]")
    page, headers = page_of(call, call.world.repos(FORGE, name))
    rendering = view(call)
    return json_reply([rendering.repo(r) for r in page], headers=headers)


def repo(call: Call) -> Reply:
    found = call.world.repo(FORGE, call.path)
    return json_reply(view(call).repo(found), etag=True)


def branches(call: Call) -> Reply:
    call.world.repo(FORGE, call.path)
    tips = gitea_git.tips(call.world.git_dir(FORGE, call.path))
    page, headers = page_of(call, tips)
    rendering = view(call)
    return json_reply([rendering.branch(call.path, t) for t in page], headers=headers, etag=True)


def _commit_of(call: Call, ref: str | None) -> tuple[str, str]:
    """(ref, commit sha) for the `ref` asked, the default branch when none is."""
    found = call.world.repo(FORGE, call.path)
    name = ref or found.default_branch
    sha = gitea_git.resolve(call.world.git_dir(FORGE, call.path), name)
    if sha is None:
        raise not_found(f"object does not exist [id: {name}, rel_path: ]")
    return name, sha


def raw(call: Call) -> Reply:
    _ref, sha = _commit_of(call, call.query.get("ref"))
    path = call.params["path"]
    data = gitstore.read_blob(call.world.git_dir(FORGE, call.path), sha, path)
    if data is None:
        raise not_found(f"object does not exist [id: {sha}, rel_path: {path}]")
    # like Gitea, the ETag is the blob's git object id
    blob_id = hashlib.sha1(b"blob %d\x00" % len(data) + data, usedforsecurity=False).hexdigest()
    try:
        data.decode("utf-8")
        kind = "text/plain; charset=utf-8"
    except UnicodeDecodeError:
        kind = "application/octet-stream"
    return Reply(200, data, kind, {"ETag": f'"{blob_id}"'}, etag=True)


def contents(call: Call) -> Reply:
    ref, sha = _commit_of(call, call.query.get("ref"))
    path = call.params.get("path", "").strip("/")
    git_dir = call.world.git_dir(FORGE, call.path)
    kind = gitea_git.object_type(git_dir, sha, path)
    rendering = view(call)
    if kind == "tree":
        items = gitea_git.tree(git_dir, sha, path)
        return json_reply([rendering.content(call.path, ref, sha, i) for i in items], etag=True)
    item = gitea_git.entry(git_dir, sha, path) if kind else None
    if item is None:
        raise not_found(f"object does not exist [id: {sha}, rel_path: {path}]")
    content = None
    if item.kind == "blob":
        data = gitstore.read_blob(git_dir, sha, path) or b""
        content = base64.b64encode(data).decode("ascii")
    return json_reply(rendering.content(call.path, ref, sha, item, content=content), etag=True)


def commits(call: Call) -> Reply:
    found = call.world.repo(FORGE, call.path)
    git_dir = call.world.git_dir(FORGE, call.path)
    if not gitstore.branches(git_dir):
        raise GiteaError(409, "Git Repository is empty.")
    _ref, sha = _commit_of(call, call.query.get("sha") or found.default_branch)
    path = call.query.get("path") or None
    total = gitea_git.count(git_dir, sha, path=path)
    if path and total == 0:
        raise not_found("FileCommitsCount")
    page, limit = list_options(call)
    size = COMMITS_RANGE if path else limit
    history = gitstore.log(git_dir, [sha], path=path, limit=page * size)
    chunk = history[(page - 1) * size : page * size]
    # like Gitea, the headers count pages of `limit` even where `size` differs
    headers = list_headers(call, page=page, limit=limit, total=total)
    pages = -(-total // limit)
    headers.update(
        {
            "X-Page": str(page),
            "X-PerPage": str(limit),
            "X-Total": str(total),
            "X-PageCount": str(pages),
            "X-HasMore": "true" if page < pages else "false",
        }
    )
    rendering = view(call)
    return json_reply([rendering.commit(call.path, c) for c in chunk], headers=headers)


def compare(call: Call) -> Reply:
    spec = call.params["basehead"]
    base, sep, head = spec.partition("...")
    if not sep:
        base, sep, head = spec.partition("..")
    if not sep:
        base, head = call.world.repo(FORGE, call.path).default_branch, spec
    _base, base_sha = _commit_of(call, base)
    _head, head_sha = _commit_of(call, head)
    git_dir = call.world.git_dir(FORGE, call.path)
    found = gitstore.log(git_dir, [f"{base_sha}..{head_sha}"])
    rendering = view(call)
    return json_reply(
        {"total_commits": len(found), "commits": [rendering.commit(call.path, c) for c in found]}
    )


def commit_diff(call: Call) -> Reply:
    """`git/commits/{sha}.diff`: the commit's diff against its first parent, as git prints it."""
    sha = call.params["sha"]
    diff = gitstore.commit_diff(call.world.git_dir(FORGE, call.path), sha)
    if diff is None:
        raise not_found(f"object does not exist [id: {sha}, rel_path: ]")
    return Reply(200, diff, "text/plain; charset=utf-8")


def fork(call: Call) -> Reply:
    doer = call.signed_in()
    source = call.world.repo(FORGE, call.path)
    organization = call.field("organization") if call.body else None
    name = (call.field("name") if call.body else None) or source.name
    owner = organization or doer.name
    if organization:
        _check_member(call, organization)
    with call.world.writing():
        target = f"{owner}/{name}"
        if any(r.path == target for r in call.world.repos(FORGE, owner)):
            raise GiteaError(409, f"repository already exists [uname: {owner}, name: {name}]")
        made = call.world.fork(FORGE, call.path, owner, target_path=target)
        made.members[doer.name] = "admin"
    return json_reply(view(call).repo(made), status=202)


def _check_member(call: Call, organization: str) -> None:
    doer = call.signed_in()
    repos = call.world.repos(FORGE, organization)
    if organization in call.world.users(FORGE) or not repos:
        raise GiteaError(422, f"org does not exist [id: 0, name: {organization}]")
    if not doer.admin and not any(doer.name in r.members for r in repos):
        raise GiteaError(403, f"User is no Member of Organisation '{organization}'")


def permission(call: Call) -> Reply:
    doer = call.signed_in()
    call.world.repo(FORGE, call.path)
    asked = call.params["collaborator"]
    # Gitea's own rule, checked before the user is looked up
    if (
        not doer.admin
        and doer.name.lower() != asked.lower()
        and access_mode(call.world, call.path, doer.name) not in ("admin", "owner")
    ):
        raise GiteaError(
            403,
            "Only admins can query all permissions, repo admins can query all repo "
            "permissions, collaborators can query only their own",
        )
    if asked not in call.world.users(FORGE):
        raise not_found(f"user redirect does not exist [name: {asked}]")
    return json_reply(permission_json(view(call), call.path, asked))
