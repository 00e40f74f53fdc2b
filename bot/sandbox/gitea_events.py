"""The webhooks the Gitea sandbox sends besides `push`, shaped like Gitea's own payloads:
`issue_comment` (created/edited, on issues and pull requests alike, with `is_pull`),
`issues` (opened/closed/reopened/edited) and `pull_request` (opened/closed/merged).

Each builder is a pure function of World records rendered through a `View`, and returns
`(event, body, event_type)`: `event` is X-Gitea-Event, `event_type` the finer
X-Gitea-Event-Type (Gitea names a comment on a pull request `pull_request_comment`)."""

from __future__ import annotations

import json
from typing import Any

from bot.sandbox.gitea_json import View
from bot.sandbox.gitea_json_pulls import pull, pull_as_issue
from bot.sandbox.gitea_web import FORGE
from bot.sandbox.world import SandboxChange, SandboxComment, SandboxIssue

#: (X-Gitea-Event, the JSON body, X-Gitea-Event-Type)
GiteaEvent = tuple[str, bytes, str]


def comment_event(
    view: View, comment: SandboxComment, *, sender: str, action: str, old_body: str | None = None
) -> GiteaEvent:
    """`issue_comment` for `comment` just `action`ed ("created" or "edited") by `sender`;
    an edit carries the old body under `changes`, as Gitea's does."""
    is_pull = comment.kind == "change"
    if is_pull:
        issue = pull_as_issue(view, view.world.change(FORGE, comment.repo, comment.number))
    else:
        issue = view.issue(view.world.issue(FORGE, comment.repo, comment.number))
    body: dict[str, Any] = {"action": action, "issue": issue, "comment": view.comment(comment)}
    if action == "edited" and old_body is not None:
        body["changes"] = {"body": {"from": old_body}}
    body |= {**_context(view, comment.repo, sender), "is_pull": is_pull}
    kind = "pull_request_comment" if is_pull else "issue_comment"
    return "issue_comment", _dump(body), kind


def issue_event(view: View, issue: SandboxIssue, *, sender: str, action: str) -> GiteaEvent:
    """`issues` for `issue` just opened, closed, reopened or edited by `sender`."""
    body = {
        "action": action,
        "number": issue.number,
        "issue": view.issue(issue),
        **_context(view, issue.repo, sender),
    }
    return "issues", _dump(body), "issues"


def pull_event(view: View, change: SandboxChange, *, sender: str, action: str) -> GiteaEvent:
    """`pull_request` for `change` just opened, closed or reopened by `sender`; Gitea says
    "closed" for a merge too, and the pull request's `merged` tells them apart."""
    body = {
        "action": action,
        "number": change.number,
        "pull_request": pull(view, change),
        **_context(view, change.repo, sender),
    }
    return "pull_request", _dump(body), "pull_request"


def _context(view: View, path: str, sender: str) -> dict[str, Any]:
    return {"repository": view.repo(view.world.repo(FORGE, path)), "sender": view.user(sender)}


def _dump(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")
