"""The push webhook each sandbox forge sends after a `git push`: what the push did (read from
git) and the forge's event name and JSON body for it, shaped like the real forge's (GitHub
and Gitea `push`, GitLab `Push Hook`, Pagure `git.receive` in Pagure's webhook envelope)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.sandbox import gitstore
from bot.sandbox.world import SandboxRepo, User, World

ZERO = "0" * 40
#: forges put at most this many commits in one push payload (Forgejo's default is 15,
#: GitLab's 20); the total is sent alongside
MAX_COMMITS = 20


@dataclass(frozen=True, slots=True)
class PushedCommit:
    sha: str
    message: str
    author_name: str
    author_email: str
    authored_at: datetime
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PushEvent:
    """One branch moved by one push; `commits` are the new ones, oldest first."""

    forge: str
    repo: SandboxRepo
    pusher: User
    branch: str
    before: str
    after: str
    forced: bool
    commits: tuple[PushedCommit, ...]
    total_commits: int
    #: the forge's web root, e.g. "http://127.0.0.1:3000"
    base_url: str
    at: datetime

    @property
    def ref(self) -> str:
        return f"refs/heads/{self.branch}"


def read_push(
    world: World,
    forge: str,
    path: str,
    *,
    pusher: User,
    branch: str,
    before: str,
    after: str,
    base_url: str,
) -> PushEvent:
    """What moving `branch` of `path` from `before` to `after` (ZERO: absent) brought."""
    git_dir = world.git_dir(forge, path)
    revisions = [] if after == ZERO else [after] + ([] if before == ZERO else [f"^{before}"])
    found = gitstore.log(git_dir, revisions) if revisions else []
    forced = before != ZERO and after != ZERO and not gitstore.merge_base_is(git_dir, before, after)
    # git lists newest first; payloads list the newest MAX_COMMITS, oldest first
    commits = tuple(_changes(git_dir, c) for c in reversed(found[:MAX_COMMITS]))
    return PushEvent(
        forge,
        world.repo(forge, path),
        pusher,
        branch,
        before,
        after,
        forced,
        commits,
        len(found),
        base_url,
        world.clock(),
    )


def _changes(git_dir: Path, commit: gitstore.GitCommit) -> PushedCommit:
    out = gitstore.run_git(
        git_dir, "diff-tree", "--no-commit-id", "--name-status", "-r", "--root", commit.sha
    )
    changes: dict[str, list[str]] = {"A": [], "D": [], "M": []}
    for line in out.decode("utf-8", "replace").splitlines():
        status, _, name = line.partition("\t")
        changes.setdefault(status[:1], []).append(name)
    return PushedCommit(
        commit.sha,
        commit.message,
        commit.author_name,
        commit.author_email,
        commit.authored_at,
        tuple(changes["A"]),
        tuple(changes["D"]),
        tuple(changes["M"]),
    )


def push_payload(event: PushEvent) -> tuple[str, bytes]:
    """(the forge's event name, the body) for `event`."""
    name, build = _BUILDERS[event.forge]
    # Pagure signs `json.dumps(envelope, sort_keys=True)`; the others keep their own order
    return name, json.dumps(build(event), sort_keys=event.forge == "pagure").encode("utf-8")


def _web(event: PushEvent) -> str:
    return f"{event.base_url}/{event.repo.path}"


def _owner(event: PushEvent, key: str) -> dict[str, Any]:
    return {"id": 0, key: event.repo.namespace, "username": event.repo.namespace}


def _commit(event: PushEvent, commit: PushedCommit, commit_path: str) -> dict[str, Any]:
    person = {"name": commit.author_name, "email": commit.author_email}
    return {
        "id": commit.sha,
        "message": commit.message,
        "timestamp": commit.authored_at.isoformat(),
        "url": f"{_web(event)}/{commit_path}/{commit.sha}",
        "author": person,
        "committer": person,
        "added": list(commit.added),
        "removed": list(commit.removed),
        "modified": list(commit.modified),
    }


def _github(event: PushEvent) -> dict[str, Any]:
    commits = [_commit(event, c, "commit") for c in event.commits]
    return {
        "ref": event.ref,
        "before": event.before,
        "after": event.after,
        "created": event.before == ZERO,
        "deleted": event.after == ZERO,
        "forced": event.forced,
        "base_ref": None,
        "compare": f"{_web(event)}/compare/{event.before[:12]}...{event.after[:12]}",
        "commits": commits,
        "head_commit": commits[-1] if commits else None,
        "repository": {
            "id": event.repo.id,
            "name": event.repo.name,
            "full_name": event.repo.path,
            "private": False,
            "owner": _owner(event, "login"),
            "html_url": _web(event),
            "clone_url": f"{_web(event)}.git",
            "default_branch": event.repo.default_branch,
            "fork": event.repo.fork_of is not None,
        },
        "pusher": {"name": event.pusher.name, "email": event.pusher.email},
        "sender": {"login": event.pusher.name, "id": 0, "type": "User"},
    }


def _gitea(event: PushEvent) -> dict[str, Any]:
    commits = [_commit(event, c, "commit") for c in event.commits]
    user = {"id": 0, "login": event.pusher.name, "username": event.pusher.name}
    return {
        "ref": event.ref,
        "before": event.before,
        "after": event.after,
        "compare_url": f"{_web(event)}/compare/{event.before}...{event.after}",
        "commits": commits,
        "total_commits": event.total_commits,
        "head_commit": commits[-1] if commits else None,
        "repository": {
            "id": event.repo.id,
            "owner": _owner(event, "login"),
            "name": event.repo.name,
            "full_name": event.repo.path,
            "private": False,
            "fork": event.repo.fork_of is not None,
            "html_url": _web(event),
            "clone_url": f"{_web(event)}.git",
            "default_branch": event.repo.default_branch,
            "updated_at": event.repo.updated_at.isoformat(),
        },
        "pusher": {**user, "email": event.pusher.email},
        "sender": user,
    }


def _gitlab(event: PushEvent) -> dict[str, Any]:
    commits = [
        {**_commit(event, c, "-/commit"), "title": c.message.partition("\n")[0]}
        for c in event.commits
    ]
    project = {
        "id": event.repo.id,
        "name": event.repo.name,
        "web_url": _web(event),
        "git_http_url": f"{_web(event)}.git",
        "namespace": event.repo.namespace,
        "path_with_namespace": event.repo.path,
        "default_branch": event.repo.default_branch,
        "homepage": _web(event),
        "http_url": f"{_web(event)}.git",
        "visibility_level": 20,
    }
    return {
        "object_kind": "push",
        "event_name": "push",
        "before": event.before,
        "after": event.after,
        "ref": event.ref,
        "ref_protected": False,
        "checkout_sha": None if event.after == ZERO else event.after,
        "user_id": 0,
        "user_name": event.pusher.name,
        "user_username": event.pusher.name,
        "user_email": event.pusher.email,
        "project_id": event.repo.id,
        "project": project,
        "commits": commits,
        "total_commits_count": event.total_commits,
        "repository": {
            "name": event.repo.name,
            "url": f"{_web(event)}.git",
            "homepage": _web(event),
            "git_http_url": f"{_web(event)}.git",
            "visibility_level": 20,
        },
    }


def _pagure(event: PushEvent) -> dict[str, Any]:
    newest_first = [c.sha for c in reversed(event.commits)]
    authors = sorted({c.author_email for c in event.commits})
    changed = sorted({p for c in event.commits for p in (*c.added, *c.removed, *c.modified)})
    message = {
        "agent": event.pusher.name,
        "authors": [{"name": email, "fullname": email} for email in authors],
        "branch": event.ref,
        "changed_files": changed,
        "end_commit": newest_first[-1] if newest_first else event.after,
        "forced": event.forced,
        "old_commit": event.before,
        "pull_request_id": None,
        "repo": {
            "id": event.repo.id,
            "name": event.repo.name,
            "namespace": event.repo.namespace,
            "fullname": event.repo.path,
            "url_path": event.repo.path,
            "date_created": str(int(event.repo.created_at.timestamp())),
            "parent": None,
        },
        "start_commit": newest_first[0] if newest_first else event.after,
        "total_commits": event.total_commits,
        "pagure_instance": f"{event.base_url}/",
        "project_fullname": event.repo.path,
    }
    return {
        "i": 1,
        "msg": message,
        "msg_id": f"{event.at.year}-{uuid.uuid4()}",
        "timestamp": int(event.at.timestamp()),
        "topic": "git.receive",
    }


_BUILDERS: dict[str, tuple[str, Callable[[PushEvent], dict[str, Any]]]] = {
    "github": ("push", _github),
    "gitea": ("push", _gitea),
    "gitlab": ("Push Hook", _gitlab),
    "pagure": ("git.receive", _pagure),
}
