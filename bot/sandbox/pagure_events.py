"""The webhooks the Pagure sandbox sends besides `git.receive`, as Pagure's own web-hooks do:
the fedora-messaging message (`issue.comment.added`, `pull-request.comment.added`,
`pull-request.new`) in Pagure's envelope `{i, msg, msg_id, timestamp, topic}`, the bare topic
in `topic`, `msg` extended with `pagure_instance` and `project_fullname`, and the whole
serialised with sorted keys, since that exact text is what Pagure signs.

The builders read git (a pull request lists its commits), so the API runs them in its worker
thread and posts the `(topic, body)` pairs they return from the event loop with `post`."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.sandbox import pagure_json
from bot.sandbox.pagure_json import FORGE
from bot.sandbox.webhooks import WEBHOOKS
from bot.sandbox.world import SandboxChange, SandboxComment, World

#: (X-Pagure-Topic, the JSON body)
PagureEvent = tuple[str, bytes]


def comment_event(world: World, comment: SandboxComment, *, agent: str, base: str) -> PagureEvent:
    """`issue.comment.added` or `pull-request.comment.added` for `comment` just added by
    `agent`; the message carries the whole thread, comments included, as Pagure's does."""
    if comment.kind == "change":
        change = world.change(FORGE, comment.repo, comment.number)
        message = {"pullrequest": pagure_json.pull_request(world, change, base), "agent": agent}
        topic = "pull-request.comment.added"
        return _envelope(topic, comment.repo, message, base, at=comment.created_at)
    issue = pagure_json.issue(world, world.issue(FORGE, comment.repo, comment.number), base)
    project = pagure_json.project(world, world.repo(FORGE, comment.repo), base)
    message = {"issue": issue, "project": project, "agent": agent}
    return _envelope("issue.comment.added", comment.repo, message, base, at=comment.created_at)


def pull_request_new_event(
    world: World, change: SandboxChange, *, agent: str, base: str
) -> PagureEvent:
    """`pull-request.new` for `change` just opened by `agent`."""
    message = {"pullrequest": pagure_json.pull_request(world, change, base), "agent": agent}
    return _envelope("pull-request.new", change.repo, message, base, at=change.created_at)


def post(request: web.Request, events: Iterable[PagureEvent]) -> None:
    """Queue `events` for the app's hooks, if the sandbox runs with any; call it on the loop."""
    sender = request.app.get(WEBHOOKS)
    for topic, body in events if sender else ():
        sender.post(FORGE, topic, body)


def _envelope(
    topic: str, path: str, message: dict[str, Any], base: str, *, at: datetime
) -> PagureEvent:
    """`at` is when the action happened, which is when Pagure sends its message."""
    body = {
        "i": 1,
        "msg": {
            **message,
            "pagure_instance": f"{base}/",
            "project_fullname": pagure_json.fullname(path),
        },
        "msg_id": f"{at.year}-{uuid.uuid4()}",
        "timestamp": int(at.timestamp()),
        "topic": topic,
    }
    # Pagure signs `json.dumps(envelope, sort_keys=True)`: the receiver verifies these bytes
    return topic, json.dumps(body, sort_keys=True).encode("utf-8")
