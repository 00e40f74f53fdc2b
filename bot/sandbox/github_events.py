"""The webhooks the GitHub sandbox sends besides `push`, shaped like GitHub's own payloads:
`issue_comment` (created/edited; on a pull request the issue carries `pull_request`) and
`issues` (opened/closed/reopened/edited). Each builder is a pure function of World records
and returns `(event, body)`: the X-GitHub-Event and the JSON body."""

from __future__ import annotations

import json
from typing import Any

from bot.sandbox.github_common import FORGE, association
from bot.sandbox.github_json import Json, Site, repo_json, user_json
from bot.sandbox.github_json_threads import comment_json, issue_json
from bot.sandbox.world import SandboxChange, SandboxComment, SandboxIssue, World


def comment_event(
    world: World,
    site: Site,
    comment: SandboxComment,
    *,
    sender: str,
    action: str,
    old_body: str | None = None,
) -> tuple[str, bytes]:
    """`issue_comment` for `comment` just `action`ed ("created" or "edited") by `sender`;
    an edit carries the old body under `changes`, as GitHub's does."""
    thread: SandboxIssue | SandboxChange
    if comment.kind == "change":
        thread = world.change(FORGE, comment.repo, comment.number)
    else:
        thread = world.issue(FORGE, comment.repo, comment.number)
    body: dict[str, Any] = {"action": action}
    if action == "edited" and old_body is not None:
        body["changes"] = {"body": {"from": old_body}}
    body |= {
        "issue": _issue(world, site, thread),
        "comment": comment_json(
            site, comment, association=association(world, comment.repo, comment.author)
        ),
        **_context(world, site, comment.repo, sender),
    }
    return "issue_comment", _dump(body)


def issue_event(
    world: World, site: Site, thread: SandboxIssue | SandboxChange, *, sender: str, action: str
) -> tuple[str, bytes]:
    """`issues` for `thread` just opened, closed, reopened or edited by `sender`."""
    body = {
        "action": action,
        "issue": _issue(world, site, thread),
        **_context(world, site, thread.repo, sender),
    }
    return "issues", _dump(body)


def _issue(world: World, site: Site, thread: SandboxIssue | SandboxChange) -> Json:
    kind = "change" if isinstance(thread, SandboxChange) else "issue"
    return issue_json(
        site,
        thread,
        comments=len(world.comments(FORGE, thread.repo, kind, thread.number)),
        association=association(world, thread.repo, thread.author),
    )


def _context(world: World, site: Site, path: str, sender: str) -> dict[str, Any]:
    repo = world.repo(FORGE, path)
    organization = repo.namespace not in world.users(FORGE)
    return {
        "repository": repo_json(site, repo, organization=organization, role=None),
        "sender": user_json(site, sender),
    }


def _dump(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")
