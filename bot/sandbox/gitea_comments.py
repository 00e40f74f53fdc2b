"""Gitea sandbox handlers for comments and their reactions: issues and pull requests keep
their comments in one thread per number, under `/issues/{index}/comments`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.sandbox.gitea_events import comment_event
from bot.sandbox.gitea_json import stamp
from bot.sandbox.gitea_json_pulls import reaction
from bot.sandbox.gitea_repos import can_write, index, view
from bot.sandbox.gitea_web import FORGE, Call, GiteaError, Reply, json_reply, not_found
from bot.sandbox.world import SandboxComment, WorldError

#: Gitea's default `[ui] REACTIONS`
REACTIONS = ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes")


def _thread_kind(call: Call, number: int) -> str:
    try:
        call.world.issue(FORGE, call.path, number)
        return "issue"
    except WorldError:
        call.world.change(FORGE, call.path, number)
        return "change"


def list_comments(call: Call) -> Reply:
    number = index(call)
    found = call.world.comments(FORGE, call.path, _thread_kind(call, number), number)
    since, before = call.query.get("since"), call.query.get("before")
    rendering = view(call)
    shown = [rendering.comment(c) for c in found]
    # RFC 3339 in UTC compares as text; Gitea filters on the update time
    if since:
        shown = [c for c in shown if c["updated_at"] >= _utc(since)]
    if before:
        shown = [c for c in shown if c["updated_at"] < _utc(before)]
    return json_reply(shown, headers={"X-Total-Count": str(len(shown))})


def _utc(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise GiteaError(422, f"invalid time {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return stamp(moment) or ""


def create_comment(call: Call) -> Reply:
    doer = call.signed_in()
    number = index(call)
    body = call.field("body")
    if body is None:
        raise GiteaError(422, "[Body]: Required")
    made = call.world.add_comment(
        FORGE, call.path, _thread_kind(call, number), number, author=doer.name, body=body
    )
    rendering = view(call)
    event = comment_event(rendering, made, sender=doer.name, action="created")
    return replace(json_reply(rendering.comment(made), status=201), events=(event,))


def _comment(call: Call) -> SandboxComment:
    found = call.world.comment(FORGE, int(call.params["id"]))
    if found.repo != call.path:
        raise not_found(f"comment does not exist [id: {found.id}]")
    return found


def get_comment(call: Call) -> Reply:
    return json_reply(view(call).comment(_comment(call)))


def edit_comment(call: Call) -> Reply:
    doer = call.signed_in()
    found = _comment(call)
    if found.author != doer.name and not can_write(call, doer):
        raise GiteaError(403, "only the poster or a writer may edit a comment")
    body = call.field("body")
    if body is None:
        raise GiteaError(422, "[Body]: Required")
    old_body = found.body
    edited, rendering = call.world.edit_comment(FORGE, found.id, body), view(call)
    event = comment_event(rendering, edited, sender=doer.name, action="edited", old_body=old_body)
    return replace(json_reply(rendering.comment(edited)), events=(event,))


def list_reactions(call: Call) -> Reply:
    found = _comment(call)
    rendering = view(call)
    return json_reply([reaction(rendering, u, r, found.created_at) for u, r in found.reactions])


def add_reaction(call: Call) -> Reply:
    doer = call.signed_in()
    found = _comment(call)
    content = call.field("content")
    if content not in REACTIONS:
        raise GiteaError(403, f"'{content}' is not an allowed reaction")
    existed = (doer.name, content) in found.reactions
    call.world.react(FORGE, found.id, doer.name, content)
    answer = reaction(view(call), doer.name, content, found.created_at)
    return json_reply(answer, status=200 if existed else 201)
