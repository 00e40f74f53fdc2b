"""Builds the HTTP requests the Pagure adapter sends (API v0 and the few web routes Pagure
serves outside its API); pure: no I/O, no token, no session."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from bot.forges.base import RepoRef

API = "/api/0"

#: Pagure has no draft pull requests; its UI and its users treat this title prefix as one
WIP_PREFIX = "[WIP] "

#: the largest `per_page` Pagure accepts (it answers 400 EINVALIDPERPAGEVALUE above it)
MAX_PER_PAGE = 100


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    form: tuple[tuple[str, str], ...] = ()

    @property
    def api(self) -> bool:
        """API calls carry the token; web routes (raw files, diffs) are public pages."""
        return self.path.startswith(f"{API}/")


def fork_parts(repo: RepoRef) -> tuple[str | None, str | None]:
    """(fork owner, namespace) of a repository: forks live at `fork/<user>/<namespace>/<name>`."""
    if repo.namespace.startswith("fork/"):
        user, _, namespace = repo.namespace.removeprefix("fork/").partition("/")
        return user or None, namespace or None
    return None, repo.namespace or None


def fork_ref(user: str, repo: RepoRef) -> RepoRef:
    """Where Pagure puts `user`'s fork of `repo`."""
    return RepoRef("/".join(p for p in ("fork", user, repo.namespace) if p), repo.name)


def _repo(repo: RepoRef) -> str:
    return "/".join(quote(part, safe="/") for part in (repo.namespace, repo.name) if part)


def _page(page: int, per_page: int) -> tuple[tuple[str, str], ...]:
    return (("page", str(page)), ("per_page", str(min(per_page, MAX_PER_PAGE))))


def projects(namespace: str, *, page: int, per_page: int) -> Request:
    # forks keep their parent's namespace in Pagure, so the listing must leave them out
    query = (("namespace", namespace), ("fork", "false"), *_page(page, per_page))
    return Request("GET", f"{API}/projects", query)


def project(repo: RepoRef, *, expand_groups: bool = False) -> Request:
    query = (("expand_group", "1"),) if expand_groups else ()
    return Request("GET", f"{API}/{_repo(repo)}", query)


def branches(repo: RepoRef) -> Request:
    return Request("GET", f"{API}/{_repo(repo)}/git/branches", (("with_commits", "true"),))


def tree(repo: RepoRef, ref: str, path: str) -> Request:
    where = f"{API}/{_repo(repo)}/tree/{quote(ref, safe='/')}"
    path = path.strip("/")
    return Request("GET", f"{where}/f/{quote(path, safe='/')}" if path else where)


def raw_file(repo: RepoRef, ref: str, path: str) -> Request:
    """The web route for a file's bytes: Pagure's API has no file-content endpoint."""
    return Request(
        "GET", f"/{_repo(repo)}/raw/{quote(ref, safe='/')}/f/{quote(path.strip('/'), safe='/')}"
    )


def pull_requests(
    repo: RepoRef, *, status: str, author: str | None, page: int, per_page: int
) -> Request:
    query = (("status", status), *((("author", author),) if author else ()), *_page(page, per_page))
    return Request("GET", f"{API}/{_repo(repo)}/pull-requests", query)


def pull_request(repo: RepoRef, number: int) -> Request:
    return Request("GET", f"{API}/{_repo(repo)}/pull-request/{number}")


def edit_pull_request(repo: RepoRef, number: int, *, title: str, body: str | None) -> Request:
    """Pagure's pull request update takes the title always, the description (its "initial
    comment") when given; a draft is the title's prefix."""
    form = [("title", title)]
    if body is not None:
        form.append(("initial_comment", body))
    return Request("POST", f"{API}/{_repo(repo)}/pull-request/{number}", form=tuple(form))


def pull_request_diff(repo: RepoRef, number: int) -> Request:
    """The web route for a pull request's diff: the API gives only per-file statistics."""
    return Request("GET", f"/{_repo(repo)}/pull-request/{number}.diff")


def commit_diff(repo: RepoRef, sha: str) -> Request:
    """The web route for a commit's diff against its first parent: the API has none."""
    return Request("GET", f"/{_repo(repo)}/c/{quote(sha, safe='')}.diff")


def new_pull_request(
    target: RepoRef,
    *,
    source: RepoRef,
    source_branch: str,
    target_branch: str,
    title: str,
    body: str,
    draft: bool,
) -> Request:
    form = [
        ("title", f"{WIP_PREFIX}{title}" if draft else title),
        ("branch_to", target_branch),
        ("branch_from", source_branch),
        ("initial_comment", body),
    ]
    if source != target:
        user, namespace = fork_parts(source)
        form.append(("repo_from", source.name))
        if user:
            form.append(("repo_from_username", user))
        if namespace:
            form.append(("repo_from_namespace", namespace))
    return Request("POST", f"{API}/{_repo(target)}/pull-request/new", form=tuple(form))


def pull_request_comment(repo: RepoRef, number: int, body: str) -> Request:
    return Request(
        "POST", f"{API}/{_repo(repo)}/pull-request/{number}/comment", form=(("comment", body),)
    )


def issues(repo: RepoRef, *, status: str, author: str | None, page: int, per_page: int) -> Request:
    query = (("status", status), *((("author", author),) if author else ()), *_page(page, per_page))
    return Request("GET", f"{API}/{_repo(repo)}/issues", query)


def issue(repo: RepoRef, number: int) -> Request:
    return Request("GET", f"{API}/{_repo(repo)}/issue/{number}")


def new_issue(repo: RepoRef, title: str, body: str) -> Request:
    return Request(
        "POST",
        f"{API}/{_repo(repo)}/new_issue",
        form=(("title", title), ("issue_content", body)),
    )


def edit_issue(repo: RepoRef, number: int, title: str, body: str) -> Request:
    """Pagure's issue update takes both fields: the caller fills the one it keeps."""
    return Request(
        "POST",
        f"{API}/{_repo(repo)}/issue/{number}",
        form=(("title", title), ("issue_content", body)),
    )


def issue_comment(repo: RepoRef, number: int, body: str) -> Request:
    return Request("POST", f"{API}/{_repo(repo)}/issue/{number}/comment", form=(("comment", body),))


def fork(repo: RepoRef) -> Request:
    """Fork `repo` (itself perhaps a fork) for the token's user; `wait` makes it synchronous."""
    user, namespace = fork_parts(repo)
    form = [("repo", repo.name), ("namespace", namespace or ""), ("wait", "true")]
    if user:
        form.append(("username", user))
    return Request("POST", f"{API}/fork", form=tuple(form))


def user(name: str) -> Request:
    return Request("GET", f"{API}/user/{quote(name, safe='')}")


def web_path(repo: RepoRef) -> str:
    """A repository's page path: `rpms/bash`, `fork/alice/rpms/bash`."""
    return "/".join(part for part in (repo.namespace, repo.name) if part)


def clone_path(repo: RepoRef) -> str:
    """The path git serves a repository under, its full name: forks are `forks/<user>/...`."""
    path = web_path(repo)
    return "forks/" + path.removeprefix("fork/") if path.startswith("fork/") else path
