"""Deciphers Pagure API v0 answers into the forge vocabulary; pure.

A malformed answer raises KeyError, TypeError or ValueError here; the adapter turns those
into `Invalid` naming the call.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from bot.forges.base import (
    BranchHead,
    ChangeRequest,
    ChangeState,
    Comment,
    EntryType,
    Issue,
    IssueState,
    Permission,
    Repo,
    RepoRef,
    TreeEntry,
)

Json = Mapping[str, Any]

_CHANGE_STATES = {
    "Open": ChangeState.OPEN,
    "Merged": ChangeState.MERGED,
    "Closed": ChangeState.CLOSED,
}
_ENTRY_TYPES = {
    "folder": EntryType.DIR,
    "file": EntryType.FILE,
    "link": EntryType.LINK,
    "submodule": EntryType.SUBMODULE,
}
#: Pagure's access levels; a collaborator may commit only to some branches (EPEL ones, on
#: Fedora's dist-git), so it does not count as write access to the repository
_LEVELS = (
    ("owner", Permission.ADMIN),
    ("admin", Permission.ADMIN),
    ("commit", Permission.WRITE),
    ("collaborator", Permission.TRIAGE),
    ("ticket", Permission.TRIAGE),
)
_WIP_PREFIXES = ("[WIP]", "WIP:")


def json_object(body: bytes) -> Json:
    data = json.loads(body)
    if not isinstance(data, dict):
        raise TypeError(f"expected a JSON object, got {type(data).__name__}")
    return data


def timestamp(value: object) -> datetime:
    """Pagure's dates are Unix seconds, as a string."""
    return datetime.fromtimestamp(int(str(value)), UTC)


def pages(data: Json) -> int:
    """How many pages a paginated listing has (1 when the answer is not paginated)."""
    pagination = data.get("pagination") or {}
    return max(1, int(pagination.get("pages") or 1))


def url_path(project: Json) -> str:
    """A project's path on the web and in the API: `rpms/bash`, `fork/alice/rpms/bash`."""
    if project.get("url_path"):
        return str(project["url_path"])
    fullname = str(project["fullname"])
    return "fork/" + fullname.removeprefix("forks/") if fullname.startswith("forks/") else fullname


def repo_ref(project: Json) -> RepoRef:
    namespace, _, name = url_path(project).rpartition("/")
    return RepoRef(namespace, name)


def repo(project: Json, *, web_base: str, default_branch: str) -> Repo:
    parent = project.get("parent")
    return Repo(
        ref=repo_ref(project),
        default_branch=default_branch,
        updated_at=timestamp(project.get("date_modified") or project["date_created"]),
        # git serves every project under its full name; forks under `forks/<user>/...`
        clone_url=f"{web_base}/{project['fullname']}.git",
        web_url=str(project.get("full_url") or f"{web_base}/{url_path(project)}"),
        fork_of=repo_ref(parent) if parent else None,
    )


def default_branch(branches: Json) -> str | None:
    default = branches.get("default")
    if isinstance(default, dict):  # with_commits: {"main": "<sha>"}
        return next(iter(default), None)
    return str(default) if default else None


def branch_heads(branches: Json) -> list[BranchHead]:
    heads = branches["branches"]
    if not isinstance(heads, dict):
        raise TypeError("branches were listed without their commits (with_commits missing)")
    return [BranchHead(str(name), str(sha)) for name, sha in sorted(heads.items())]


def tree_entries(tree: Json) -> list[TreeEntry] | None:
    """A directory's entries; None when the path is a file."""
    if tree["type"] == "file":
        return None
    return [TreeEntry(str(entry["path"]), _ENTRY_TYPES[entry["type"]]) for entry in tree["content"]]


def split_draft(title: str) -> tuple[str, bool]:
    for prefix in _WIP_PREFIXES:
        if title.upper().startswith(prefix):
            return title[len(prefix) :].strip(), True
    return title, False


def change(request: Json, *, web_base: str) -> ChangeRequest:
    target = repo_ref(request["project"])
    source = repo_ref(request["repo_from"]) if request.get("repo_from") else target
    title, draft = split_draft(str(request["title"]))
    created = timestamp(request["date_created"])
    updated = request.get("last_updated") or request.get("updated_on")
    return ChangeRequest(
        number=int(request["id"]),
        title=title,
        body=str(request.get("initial_comment") or ""),
        state=_CHANGE_STATES[request["status"]],
        author=str(request["user"]["name"]),
        source=source,
        source_branch=str(request["branch_from"]),
        target=target,
        target_branch=str(request["branch"]),
        url=f"{web_base}/{url_path(request['project'])}/pull-request/{request['id']}",
        created_at=created,
        updated_at=timestamp(updated) if updated else created,
        draft=draft,
        head_sha=request.get("commit_stop") or None,
    )


def comments(items: Iterable[Json], *, thread_url: str) -> list[Comment]:
    """What people wrote on an issue or pull request, oldest first; Pagure's own
    notifications ("1 new commit added", metadata changes) are left out."""
    found = []
    for item in items:
        if item.get("notification"):
            continue
        created = timestamp(item["date_created"])
        found.append(
            Comment(
                id=str(item["id"]),
                author=str(item["user"]["name"]),
                body=str(item["comment"]),
                created_at=created,
                updated_at=timestamp(item["edited_on"]) if item.get("edited_on") else created,
                url=f"{thread_url}#comment-{item['id']}",
            )
        )
    return sorted(found, key=lambda c: int(c.id))


def issue(data: Json, *, repo_url: str) -> Issue:
    created = timestamp(data["date_created"])
    updated = data.get("last_updated")
    return Issue(
        number=int(data["id"]),
        title=str(data["title"]),
        body=str(data.get("content") or ""),
        state=IssueState.OPEN if data["status"] == "Open" else IssueState.CLOSED,
        author=str(data["user"]["name"]),
        url=f"{repo_url}/issue/{data['id']}",
        created_at=created,
        updated_at=timestamp(updated) if updated else created,
    )


def permission(project: Json, user: str) -> Permission | None:
    """The user's level from a project's access lists (groups expanded with `expand_group`);
    None when the user is on none of them."""
    if project.get("user", {}).get("name") == user:
        return Permission.ADMIN
    users = project.get("access_users") or {}
    groups = project.get("access_groups") or {}
    members = project.get("group_details") or {}
    for level, granted in _LEVELS:
        if user in (users.get(level) or []):
            return granted
        if any(user in (members.get(group) or []) for group in groups.get(level) or []):
            return granted
    return None
