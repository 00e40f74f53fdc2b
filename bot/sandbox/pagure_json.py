"""Renders the sandbox World in Pagure API v0's JSON: projects, pull requests, issues,
comments, pagination and error bodies, with the field names and value types Pagure uses
(dates as Unix seconds in strings, statuses "Open"/"Merged"/"Closed")."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from yarl import URL

from bot.sandbox import gitstore
from bot.sandbox.world import (
    SandboxChange,
    SandboxComment,
    SandboxIssue,
    SandboxRepo,
    World,
    WorldError,
)

FORGE = "pagure"

#: Pagure's error codes and their texts (pagure/api/__init__.py APIERROR)
ERRORS = {
    "ENOPROJECT": "Project not found",
    "EINVALIDREQ": "Invalid or incomplete input submitted",
    "EINVALIDTOK": (
        "Invalid or expired token. Please visit https://pagure.sandbox.test/settings#api-keys "
        "to get or renew your API token."
    ),
    "ENOISSUE": "Issue not found",
    "ENOREQ": "Pull-Request not found",
    "ENOUSER": "No such user found",
    "EINVALIDPERPAGEVALUE": "The per_page value must be between 1 and 100",
    "ENOTHIGHENOUGH": "You do not have sufficient permissions to perform this action",
    "EFILENOTFOUND": "File not found in this git repository",
    "EEMPTYGIT": "This git repository is empty",
    "ENOCODE": "Variable message describing the issue",
}

#: World roles as Pagure access levels; Pagure has no read level (anyone may read)
_LEVELS = {"admin": "admin", "maintain": "admin", "write": "commit", "triage": "ticket"}
#: Fedora gives packages nobody maintains to this account
ORPHAN = "orphan"
_REACTIONS = {"+1": "Thumbs up", "-1": "Thumbs down"}
_STATUSES = {"open": "Open", "merged": "Merged", "closed": "Closed"}


def error(code: str, *, message: str | None = None, errors: object = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": message or ERRORS[code], "error_code": code}
    if errors is not None:
        body["errors"] = errors
    return body


def ts(moment: datetime | None) -> str | None:
    return None if moment is None else str(int(moment.timestamp()))


def identity(path: str) -> tuple[str | None, str | None, str]:
    """(fork owner, namespace, name) of a World path: `fork/<user>/<ns>/<name>` or `<ns>/<name>`."""
    parts = path.split("/")
    if parts[0] == "fork" and len(parts) >= 3:
        return parts[1], "/".join(parts[2:-1]) or None, parts[-1]
    return None, "/".join(parts[:-1]) or None, parts[-1]


def fullname(path: str) -> str:
    return "forks/" + path.removeprefix("fork/") if path.startswith("fork/") else path


def user(name: str, base: str) -> dict[str, Any]:
    return {
        "fullname": name,
        "full_url": f"{base}/user/{name}",
        "name": name,
        "url_path": f"user/{name}",
    }


def owner(repo: SandboxRepo) -> str:
    fork_user, _, _ = identity(repo.path)
    if fork_user:
        return fork_user
    admins = sorted(u for u, role in repo.members.items() if role == "admin")
    return admins[0] if admins else ORPHAN


def project(world: World, repo: SandboxRepo, base: str) -> dict[str, Any]:
    main = owner(repo)
    levels: dict[str, list[str]] = {"admin": [], "collaborator": [], "commit": [], "ticket": []}
    for member, role in sorted(repo.members.items()):
        if member != main and role in _LEVELS:
            levels[_LEVELS[role]].append(member)
    _, namespace, name = identity(repo.path)
    parent = None
    if repo.fork_of:
        try:
            parent = project(world, world.repo(FORGE, repo.fork_of), base)
        except WorldError:
            parent = None  # the parent was deleted; Pagure keeps the fork
    return {
        "access_groups": {"admin": [], "collaborator": [], "commit": [], "ticket": []},
        "access_users": {**levels, "owner": [main]},
        "close_status": [],
        "custom_keys": [],
        "date_created": ts(repo.created_at),
        "date_modified": ts(repo.updated_at),
        "description": f"The {name} package",
        "full_url": f"{base}/{repo.path}",
        "fullname": fullname(repo.path),
        "id": repo.id,
        "milestones": {},
        "name": name,
        "namespace": namespace,
        "parent": parent,
        "priorities": {},
        "tags": [],
        "url_path": repo.path,
        "user": user(main, base),
    }


def comment(found: SandboxComment, base: str, *, in_pull_request: bool) -> dict[str, Any]:
    edited = found.updated_at != found.created_at
    reactions: dict[str, list[str]] = {}
    for who, reaction in found.reactions:
        reactions.setdefault(_REACTIONS.get(reaction, reaction), []).append(who)
    body: dict[str, Any] = {
        "comment": found.body,
        "date_created": ts(found.created_at),
        "edited_on": ts(found.updated_at) if edited else None,
        "editor": user(found.author, base) if edited else None,
        "id": found.id,
        "notification": False,
        "parent": None,
        "reactions": reactions,
        "user": user(found.author, base),
    }
    if in_pull_request:
        body |= {"commit": None, "filename": None, "line": None, "tree": None}
    return body


def pull_request_status(change: SandboxChange) -> str:
    return _STATUSES[change.state]


def pull_request(world: World, change: SandboxChange, base: str) -> dict[str, Any]:
    git_dir = world.git_dir(FORGE, change.repo)
    commits = gitstore.log(
        git_dir, [f"refs/heads/{change.target_branch}..refs/pull/{change.number}/head"]
    )
    closed = change.state != "open"
    return {
        "assignee": None,
        "branch": change.target_branch,
        "branch_from": change.source_branch,
        "cached_merge_status": "unknown",
        "closed_at": ts(change.updated_at) if closed else None,
        "closed_by": None,
        "comments": [
            comment(c, base, in_pull_request=True)
            for c in world.comments(FORGE, change.repo, "change", change.number)
        ],
        "commit_start": commits[-1].sha if commits else change.head_sha,
        "commit_stop": change.head_sha,
        "date_created": ts(change.created_at),
        "id": change.number,
        "initial_comment": change.body,
        "last_updated": ts(change.updated_at),
        "project": project(world, world.repo(FORGE, change.repo), base),
        "remote_git": None,
        "repo_from": project(world, world.repo(FORGE, change.source_repo), base),
        "status": pull_request_status(change),
        "tags": [],
        "threshold_reached": None,
        "title": change.title,
        "uid": f"{change.id:032x}",
        "updated_on": ts(change.updated_at),
        "user": user(change.author, base),
    }


def issue(world: World, found: SandboxIssue, base: str) -> dict[str, Any]:
    closed = found.state != "open"
    return {
        "assignee": None,
        "blocks": [],
        "close_status": "Fixed" if closed else None,
        "closed_at": ts(found.updated_at) if closed else None,
        "closed_by": None,
        "comments": [
            comment(c, base, in_pull_request=False)
            for c in world.comments(FORGE, found.repo, "issue", found.number)
        ],
        "content": found.body,
        "custom_fields": [],
        "date_created": ts(found.created_at),
        "depends": [],
        "full_url": f"{base}/{found.repo}/issue/{found.number}",
        "id": found.number,
        "last_updated": ts(found.updated_at),
        "milestone": None,
        "priority": None,
        "private": False,
        "related_prs": [],
        "status": "Open" if not closed else "Closed",
        "tags": [],
        "title": found.title,
        "user": user(found.author, base),
    }


def pagination(url: URL, *, page: int, per_page: int, total: int) -> dict[str, Any]:
    """Pagure's `pagination` block: links keep the request's other arguments."""
    pages = max(1, math.ceil(total / per_page))

    def link(number: int) -> str:
        return str(url.update_query(page=str(number), per_page=str(per_page)))

    return {
        "first": link(1),
        "last": link(pages),
        "next": link(page + 1) if page < pages else None,
        "page": page,
        "pages": pages,
        "per_page": per_page,
        "prev": link(page - 1) if page > 1 else None,
    }
