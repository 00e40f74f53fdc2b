"""The sandbox World in GitLab v4's JSON: projects, namespaces, users, commits, branches, merge
requests, issues, notes and award emoji, with the field names and value spellings GitLab uses
(`opened`, `iid`, millisecond `Z` timestamps)."""

from __future__ import annotations

import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.sandbox.gitlab_git import LogEntry, TreeItem
from bot.sandbox.world import (
    SandboxRepo,
    User,
    World,
)

Json = dict[str, Any]
FORGE = "gitlab"


def stamp(moment: datetime | None) -> str | None:
    """GitLab's timestamp spelling: UTC, milliseconds, `Z`."""
    if moment is None:
        return None
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def user_id(world: World, name: str) -> int:
    """Users have no ids in the World; their order of creation gives stable ones."""
    names = list(world.users(FORGE))
    return names.index(name) + 1 if name in names else 0


def user(world: World, name: str, origin: str) -> Json:
    return {
        "id": user_id(world, name),
        "username": name,
        "name": name,
        "state": "active",
        "locked": False,
        "avatar_url": None,
        "web_url": f"{origin}/{name}",
    }


def current_user(world: World, found: User, origin: str) -> Json:
    return {**user(world, found.name, origin), "email": found.email, "is_admin": found.admin}


def group_id(path: str) -> int:
    """Groups have no ids in the World either: a checksum of the path stands in."""
    return zlib.crc32(path.encode()) % 9_000_000 + 1_000_000


def namespace(world: World, path: str, origin: str) -> Json:
    is_user = path in world.users(FORGE)
    parent = path.rpartition("/")[0]
    return {
        "id": user_id(world, path) if is_user else group_id(path),
        "name": path.rpartition("/")[2],
        "path": path.rpartition("/")[2],
        "kind": "user" if is_user else "group",
        "full_path": path,
        "parent_id": group_id(parent) if parent else None,
        "avatar_url": None,
        "web_url": f"{origin}/{path}" if is_user else f"{origin}/groups/{path}",
    }


@dataclass(frozen=True, slots=True)
class Counts:
    """Fork counts, taken once per answer: a listing of 10,000 projects must not walk every
    project 10,000 times."""

    forks: Counter[str]

    @classmethod
    def of(cls, world: World) -> Counts:
        return cls(Counter(r.fork_of for r in world.repos(FORGE) if r.fork_of))


def project(
    world: World, repo: SandboxRepo, origin: str, counts: Counts, *, import_status: str = ""
) -> Json:
    api = f"{origin}/api/v4/projects/{repo.id}"
    data: Json = {
        "id": repo.id,
        "description": "",
        "name": repo.name,
        "name_with_namespace": " / ".join(repo.path.split("/")),
        "path": repo.name,
        "path_with_namespace": repo.path,
        "created_at": stamp(repo.created_at),
        "updated_at": stamp(repo.updated_at),
        "last_activity_at": stamp(repo.updated_at),
        "default_branch": repo.default_branch,
        "tag_list": [],
        "topics": [],
        "ssh_url_to_repo": f"git@{origin.split('://', 1)[-1]}:{repo.path}.git",
        "http_url_to_repo": f"{origin}/{repo.path}.git",
        "web_url": f"{origin}/{repo.path}",
        "readme_url": None,
        "avatar_url": None,
        "forks_count": counts.forks[repo.path],
        "star_count": 0,
        "namespace": namespace(world, repo.namespace, origin),
        "visibility": "public",
        "archived": False,
        "issues_enabled": True,
        "merge_requests_enabled": True,
        "open_issues_count": sum(1 for i in world.issues(FORGE, repo.path) if i.state == "open"),
        "import_status": import_status or ("finished" if repo.fork_of else "none"),
        "_links": {
            "self": api,
            "issues": f"{api}/issues",
            "merge_requests": f"{api}/merge_requests",
            "repo_branches": f"{api}/repository/branches",
            "members": f"{api}/members",
        },
    }
    if repo.fork_of:
        parent = project(world, world.repo(FORGE, repo.fork_of), origin, counts)
        data["forked_from_project"] = {
            key: parent[key]
            for key in (
                "id",
                "description",
                "name",
                "name_with_namespace",
                "path",
                "path_with_namespace",
                "created_at",
                "default_branch",
                "http_url_to_repo",
                "web_url",
                "last_activity_at",
                "namespace",
            )
        }
    return data


def commit(entry: LogEntry, repo: SandboxRepo, origin: str) -> Json:
    return {
        "id": entry.sha,
        "short_id": entry.sha[:8],
        "created_at": stamp(entry.committed_at),
        "parent_ids": list(entry.parents),
        "title": entry.title,
        "message": entry.message + "\n",
        "author_name": entry.author_name,
        "author_email": entry.author_email,
        "authored_date": stamp(entry.authored_at),
        "committer_name": entry.committer_name,
        "committer_email": entry.committer_email,
        "committed_date": stamp(entry.committed_at),
        "trailers": {},
        "extended_trailers": {},
        "web_url": f"{origin}/{repo.path}/-/commit/{entry.sha}",
    }


def branch(name: str, head: LogEntry, repo: SandboxRepo, origin: str, *, can_push: bool) -> Json:
    return {
        "name": name,
        "commit": commit(head, repo, origin),
        "merged": False,
        "protected": name == repo.default_branch,
        "developers_can_push": False,
        "developers_can_merge": False,
        "can_push": can_push,
        "default": name == repo.default_branch,
        "web_url": f"{origin}/{repo.path}/-/tree/{name}",
    }


def tree_item(item: TreeItem) -> Json:
    return {
        "id": item.sha,
        "name": item.name,
        "type": item.kind,
        "path": item.path,
        "mode": item.mode,
    }


def member(world: World, name: str, access_level: int, origin: str) -> Json:
    return {
        **user(world, name, origin),
        "access_level": access_level,
        "created_at": None,
        "expires_at": None,
        "membership_state": "active",
    }
