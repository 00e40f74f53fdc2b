"""The webhooks the GitLab sandbox sends besides `Push Hook`, shaped like GitLab's own
payloads: `Note Hook` (a note on an issue or a merge request, created or updated), `Issue Hook`
and `Merge Request Hook` (opened).

Each builder is a pure function of World records and returns `(event, body)`: the
X-Gitlab-Event and the JSON body. Hook payloads are not the REST API's JSON: ids of people
instead of people, `url` instead of `web_url`, and `2015-05-17 17:06:40 UTC` timestamps on
notes and issues, as GitLab's own hooks spell them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.sandbox.gitlab_json import FORGE, user_id
from bot.sandbox.webhooks import WEBHOOKS
from bot.sandbox.world import SandboxChange, SandboxComment, SandboxIssue, SandboxRepo, World

Json = dict[str, Any]
#: GitLab's state_id of each World state
_STATE_IDS = {"open": 1, "closed": 2, "merged": 3}
_STATES = {"open": "opened", "closed": "closed", "merged": "merged"}


def notify(request: web.Request, event: tuple[str, bytes]) -> None:
    """Queue `event` for the app's hooks, if the sandbox runs with any."""
    sender = request.app.get(WEBHOOKS)
    if sender is not None:
        sender.post(FORGE, *event)


def note_event(
    world: World, note: SandboxComment, *, sender: str, origin: str, action: str = "create"
) -> tuple[str, bytes]:
    """`Note Hook` for `note` just `action`ed ("create" or "update") by `sender`; the thread it
    belongs to comes along as `issue` or `merge_request`."""
    repo = world.repo(FORGE, note.repo)
    thread: Json
    if note.kind == "change":
        change = world.change(FORGE, note.repo, note.number)
        noteable_id, noteable_type = change.id, "MergeRequest"
        url = f"{_web(origin, repo)}/-/merge_requests/{note.number}#note_{note.id}"
        thread = {"merge_request": _merge_request(world, change, origin)}
    else:
        issue = world.issue(FORGE, note.repo, note.number)
        noteable_id, noteable_type = issue.id, "Issue"
        url = f"{_web(origin, repo)}/-/issues/{note.number}#note_{note.id}"
        thread = {"issue": _issue(world, issue, origin)}
    attributes = {
        "id": note.id,
        "note": note.body,
        "noteable_type": noteable_type,
        "author_id": user_id(world, note.author),
        "created_at": _stamp(note.created_at),
        "updated_at": _stamp(note.updated_at),
        "project_id": repo.id,
        "attachment": None,
        "line_code": None,
        "commit_id": "",
        "noteable_id": noteable_id,
        "system": False,
        "st_diff": None,
        "description": note.body,
        "action": action,
        "url": url,
    }
    body = {
        "object_kind": "note",
        "event_type": "note",
        "user": _user(world, sender),
        "project_id": repo.id,
        **_context(origin, repo),
        "object_attributes": attributes,
        **thread,
    }
    return "Note Hook", _dump(body)


def issue_event(
    world: World, issue: SandboxIssue, *, sender: str, origin: str, action: str = "open"
) -> tuple[str, bytes]:
    """`Issue Hook` for `issue` just `action`ed ("open", "close", "reopen", "update")."""
    body = {
        "object_kind": "issue",
        "event_type": "issue",
        "user": _user(world, sender),
        **_context(origin, world.repo(FORGE, issue.repo)),
        "object_attributes": {**_issue(world, issue, origin), "action": action},
        "labels": [],
        "changes": {},
        "assignees": [],
    }
    return "Issue Hook", _dump(body)


def merge_request_event(
    world: World, change: SandboxChange, *, sender: str, origin: str, action: str = "open"
) -> tuple[str, bytes]:
    """`Merge Request Hook` for `change` just `action`ed ("open", "close", "merge", ...)."""
    body = {
        "object_kind": "merge_request",
        "event_type": "merge_request",
        "user": _user(world, sender),
        **_context(origin, world.repo(FORGE, change.repo)),
        "object_attributes": {**_merge_request(world, change, origin), "action": action},
        "labels": [],
        "changes": {},
        "assignees": [],
        "reviewers": [],
    }
    return "Merge Request Hook", _dump(body)


def _issue(world: World, issue: SandboxIssue, origin: str) -> Json:
    repo = world.repo(FORGE, issue.repo)
    return {
        "id": issue.id,
        "iid": issue.number,
        "title": issue.title,
        "description": issue.body,
        "state": _STATES[issue.state],
        "state_id": _STATE_IDS[issue.state],
        "author_id": user_id(world, issue.author),
        "project_id": repo.id,
        "created_at": _stamp(issue.created_at),
        "updated_at": _stamp(issue.updated_at),
        "closed_at": _stamp(issue.updated_at) if issue.state == "closed" else None,
        "assignee_ids": [],
        "assignee_id": None,
        "milestone_id": None,
        "confidential": False,
        "labels": [],
        "url": f"{_web(origin, repo)}/-/issues/{issue.number}",
    }


def _merge_request(world: World, change: SandboxChange, origin: str) -> Json:
    target = world.repo(FORGE, change.repo)
    source = world.repo(FORGE, change.source_repo)
    return {
        "id": change.id,
        "iid": change.number,
        "target_branch": change.target_branch,
        "source_branch": change.source_branch,
        "source_project_id": source.id,
        "target_project_id": target.id,
        "author_id": user_id(world, change.author),
        "assignee_ids": [],
        "assignee_id": None,
        "reviewer_ids": [],
        "title": change.title,
        "description": change.body,
        "created_at": _stamp(change.created_at),
        "updated_at": _stamp(change.updated_at),
        "milestone_id": None,
        "state": _STATES[change.state],
        "state_id": _STATE_IDS[change.state],
        "merge_status": "can_be_merged",
        "detailed_merge_status": "mergeable",
        "work_in_progress": change.draft,
        "draft": change.draft,
        "blocking_discussions_resolved": True,
        "labels": [],
        "url": f"{_web(origin, target)}/-/merge_requests/{change.number}",
        "source": _project(origin, source),
        "target": _project(origin, target),
        # the sandbox keeps only the head's id; GitLab adds its message and author too
        "last_commit": {
            "id": change.head_sha,
            "url": f"{_web(origin, source)}/-/commit/{change.head_sha}",
        },
    }


def _user(world: World, name: str) -> Json:
    found = world.users(FORGE).get(name)
    return {
        "id": user_id(world, name),
        "name": name,
        "username": name,
        "avatar_url": None,
        "email": found.email if found else "",
    }


def _project(origin: str, repo: SandboxRepo) -> Json:
    web = _web(origin, repo)
    ssh = f"git@{origin.split('://', 1)[-1]}:{repo.path}.git"
    return {
        "id": repo.id,
        "name": repo.name,
        "description": "",
        "web_url": web,
        "avatar_url": None,
        "git_ssh_url": ssh,
        "git_http_url": f"{web}.git",
        "namespace": repo.namespace,
        "visibility_level": 20,
        "path_with_namespace": repo.path,
        "default_branch": repo.default_branch,
        "homepage": web,
        "url": f"{web}.git",
        "ssh_url": ssh,
        "http_url": f"{web}.git",
    }


def _context(origin: str, repo: SandboxRepo) -> Json:
    web = _web(origin, repo)
    return {
        "project": _project(origin, repo),
        "repository": {"name": repo.name, "url": f"{web}.git", "description": "", "homepage": web},
    }


def _web(origin: str, repo: SandboxRepo) -> str:
    return f"{origin}/{repo.path}"


def _stamp(moment: datetime | None) -> str | None:
    """GitLab hooks' timestamp spelling: UTC, seconds, a trailing ` UTC`."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _dump(body: Json) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")
