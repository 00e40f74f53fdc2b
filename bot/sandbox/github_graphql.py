"""The GitHub sandbox's GraphQL endpoint, for the only two mutations the bot sends: a pull
request marked ready for review, or turned back into a draft (GitHub's REST API cannot)."""

from __future__ import annotations

import re

from aiohttp import web

from bot.sandbox.github_common import (
    FORGE,
    PUSH_ROLES,
    ApiError,
    json_answer,
    role_of,
    run,
    signed_in,
    world_of,
)
from bot.sandbox.github_json import node_id
from bot.sandbox.world import SandboxChange, World

GRAPHQL_PATH = "/api/graphql"
#: mutation name -> the draft state it leaves
_MUTATIONS = {"markPullRequestReadyForReview": False, "convertPullRequestToDraft": True}
_NAMED = re.compile(r"\bmutation\b[^{]*\{\s*(?P<name>\w+)\s*\(\s*input\s*:")


def routes() -> list[web.RouteDef]:
    return [web.post(GRAPHQL_PATH, graphql)]


async def graphql(request: web.Request) -> web.Response:
    user = signed_in(request)
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "Problems parsing JSON") from None
    query = body.get("query") if isinstance(body, dict) else None
    found = _NAMED.search(query) if isinstance(query, str) else None
    if found is None or found.group("name") not in _MUTATIONS:
        return _errors("the sandbox answers only " + " and ".join(sorted(_MUTATIONS)))
    name = found.group("name")
    variables = body.get("variables") or {}
    given = variables.get("input") if isinstance(variables, dict) else None
    wanted = given.get("pullRequestId") if isinstance(given, dict) else None
    world = world_of(request)
    change = await run(_by_node_id, world, str(wanted))
    if change is None:
        return _errors(f"Could not resolve to a node with the global id of '{wanted}'",
                       kind="NOT_FOUND")
    if change.author != user.name and role_of(world, change.repo, user) not in PUSH_ROLES:
        return _errors(f"{user.name} does not have permission to update this pull request",
                       kind="FORBIDDEN")
    draft = _MUTATIONS[name]
    await run(world.edit_change, FORGE, change.repo, change.number, draft=draft)
    mutation_id = given.get("clientMutationId") if isinstance(given, dict) else None
    return json_answer(
        {"data": {name: {"clientMutationId": mutation_id, "pullRequest": {"isDraft": draft}}}}
    )


def _by_node_id(world: World, wanted: str) -> SandboxChange | None:
    for repo in world.repos(FORGE):
        for change in world.changes(FORGE, repo.path):
            if node_id("PullRequest", change.id) == wanted:
                return change
    return None


def _errors(message: str, *, kind: str = "INVALID") -> web.Response:
    """GraphQL answers 200 with an `errors` list, as GitHub does."""
    return json_answer({"errors": [{"type": kind, "message": message}]})
