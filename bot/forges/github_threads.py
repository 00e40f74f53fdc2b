"""The GitHub adapter's issue and comment calls. Comments on a pull request live on the
issue of the same number, so one set of endpoints serves both kinds of thread."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.forges import github_decode as decode
from bot.forges.base import Comment, Issue, IssueState, Reaction, RepoRef, Thread
from bot.forges.errors import Invalid
from bot.forges.github_client import Client, api_path, repository
from bot.forges.github_transport import Transport

Json = dict[str, Any]


async def find_issues(
    http: Transport,
    repo: RepoRef,
    *,
    state: IssueState | None = None,
    author: str | None = None,
    marker: str | None = None,
) -> list[Issue]:
    def keep(client: Client, data: Json) -> Issue | None:
        if decode.is_pull_request(data):
            return None
        issue = decode.issue_from(client.requester, data)
        return issue if marker is None or marker in issue.body else None

    return await http.pages(
        f"listing the issues of {repo.path}",
        f"{api_path(repo)}/issues",
        keep,
        state=state.value if state else "all",
        creator=author,
    )


async def open_issue(http: Transport, repo: RepoRef, title: str, body: str) -> Issue:
    def work(client: Client) -> Issue:
        return decode.issue(repository(client, repo).create_issue(title=title, body=body))

    return await http.call(f"opening an issue on {repo.path}", work)


async def edit_issue(
    http: Transport,
    repo: RepoRef,
    number: int,
    *,
    title: str | None = None,
    body: str | None = None,
) -> Issue:
    changes = {k: v for k, v in (("title", title), ("body", body)) if v is not None}
    if not changes:
        return await http.get(
            f"reading issue {repo.path}#{number}",
            f"{api_path(repo)}/issues/{number}",
            lambda c, d: decode.issue_from(c.requester, d),
        )

    def work(client: Client) -> Issue:
        issue = repository(client, repo).get_issue(number)
        issue.edit(**changes)
        return decode.issue(issue)

    return await http.call(f"editing issue {repo.path}#{number}", work)


async def list_comments(
    http: Transport, thread: Thread, *, since: datetime | None = None
) -> list[Comment]:
    return await http.pages(
        f"listing the comments of {thread.repo.path}#{thread.number}",
        f"{api_path(thread.repo)}/issues/{thread.number}/comments",
        lambda c, d: decode.comment_from(c.requester, d),
        since=since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if since else None,
    )


async def post_comment(http: Transport, thread: Thread, body: str) -> Comment:
    # comments on pull requests live on the issue of the same number
    def work(client: Client) -> Comment:
        issue = repository(client, thread.repo).get_issue(thread.number)
        return decode.comment(issue.create_comment(body))

    return await http.call(f"commenting on {thread.repo.path}#{thread.number}", work)


async def edit_comment(http: Transport, thread: Thread, comment_id: str, body: str) -> Comment:
    number = _comment_number(http.forge, comment_id)

    def work(client: Client) -> Comment:
        comment = repository(client, thread.repo).get_issue(thread.number).get_comment(number)
        comment.edit(body)
        return decode.comment(comment)

    return await http.call(f"editing comment {comment_id} in {thread.repo.path}", work)


async def react(http: Transport, thread: Thread, comment_id: str, reaction: Reaction) -> None:
    number = _comment_number(http.forge, comment_id)

    def work(client: Client) -> None:
        comment = repository(client, thread.repo).get_issue(thread.number).get_comment(number)
        comment.create_reaction(reaction.value)

    await http.call(f"reacting to comment {comment_id} in {thread.repo.path}", work)


def _comment_number(forge: str, comment_id: str) -> int:
    if not comment_id.isdigit():
        raise Invalid(forge, f"comment id {comment_id!r} is not a GitHub comment id (a number)")
    return int(comment_id)
