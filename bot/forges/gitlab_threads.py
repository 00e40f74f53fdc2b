"""The GitLab adapter's conversations: notes on issues and merge requests, award emoji, and
issues. Notes have no `since` filter in GitLab's API, so the adapter reads them newest-updated
first and stops at the first page that reaches back past `since`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import gitlab
from gitlab.v4.objects import Project, ProjectIssue, ProjectMergeRequest

from bot.forges import gitlab_parse as parse
from bot.forges.base import Comment, Issue, IssueState, Reaction, RepoRef, Thread, ThreadKind
from bot.forges.errors import Invalid, NotFound
from bot.forges.gitlab_calls import NO_LIBRARY_RETRY as NO_RETRY
from bot.forges.gitlab_calls import GitlabCalls, page_args, read
from bot.forges.gitlab_lookup import GitlabLookup

Json = dict[str, Any]
#: how far back a retried write looks for the twin a lost attempt may have created
_RECENT = 20


class GitlabThreads:
    """Comments and issues of one GitLab instance; `GitlabForge` hands these calls over."""

    def __init__(
        self,
        *,
        gl: gitlab.Gitlab,
        calls: GitlabCalls,
        lookup: GitlabLookup,
        base_url: str,
        page_size: int,
    ) -> None:
        self._gl = gl
        self._calls = calls
        self._lookup = lookup
        self._base = base_url
        self._page_size = page_size
        self._forge = calls.forge

    def _project(self, repo: RepoRef) -> Project:
        return self._lookup.api(repo)

    def _noteable(self, thread: Thread) -> ProjectIssue | ProjectMergeRequest:
        project = self._project(thread.repo)
        if thread.kind is ThreadKind.ISSUE:
            return project.issues.get(thread.number, lazy=True)
        return project.mergerequests.get(thread.number, lazy=True)

    def _web_url(self, thread: Thread) -> str:
        segment = parse.THREAD_SEGMENT[thread.kind]
        return f"{self._base}/{thread.repo.path}/-/{segment}/{thread.number}"

    @staticmethod
    def _named(thread: Thread) -> str:
        sign = "#" if thread.kind is ThreadKind.ISSUE else "!"
        return f"{thread.repo.path}{sign}{thread.number}"

    def _comment(self, doing: str, thread: Thread, data: Json) -> Comment:
        url = self._web_url(thread)
        return read(self._forge, doing, lambda d: parse.comment(d, thread_url=url), data)

    async def list_comments(
        self, thread: Thread, *, since: datetime | None = None
    ) -> list[Comment]:
        """Comments oldest first, without GitLab's system notes ("changed the title", ...);
        with `since`, only those created or edited at or after it."""
        notes = self._noteable(thread).notes
        doing = f"list comments of {self._named(thread)}"
        order = (
            {"order_by": "created_at", "sort": "asc"}
            if since is None
            else {"order_by": "updated_at", "sort": "desc"}
        )

        def reached_back(found: list[Json]) -> bool:
            if since is None or not found:
                return False
            oldest = read(
                self._forge,
                doing,
                lambda d: parse.when(d.get("updated_at"), field="updated_at"),
                found[-1],
            )
            return oldest < since

        items = await self._calls.pages(
            doing,
            f"notes:{self._named(thread)}:{order['order_by']}",
            lambda page, headers: [
                n.asdict()
                for n in notes.list(**order, **page_args(page, headers, per_page=self._page_size))
            ],
            enough=reached_back,
        )
        comments = [self._comment(doing, thread, n) for n in items if not n.get("system")]
        if since is not None:
            comments = [c for c in comments if c.updated_at >= since]
        return sorted(comments, key=lambda c: (c.created_at, int(c.id)))

    async def post_comment(self, thread: Thread, body: str) -> Comment:
        notes = self._noteable(thread).notes
        me = await self._lookup.whoami()

        def landed() -> Json | None:
            recent = notes.list(
                order_by="created_at", sort="desc", per_page=_RECENT, get_all=False, **NO_RETRY
            )
            return next(
                (n.asdict() for n in recent if n.body == body and n.author.get("username") == me),
                None,
            )

        doing = f"comment on {self._named(thread)}"
        data = await self._calls.write(
            doing, lambda: notes.create({"body": body}, **NO_RETRY).asdict(), landed=landed
        )
        return self._comment(doing, thread, data)

    async def edit_comment(self, thread: Thread, comment_id: str, body: str) -> Comment:
        notes = self._noteable(thread).notes
        doing = f"edit comment {comment_id} of {self._named(thread)}"
        note_id = self._note_id(doing, comment_id)
        data = await self._calls.run(
            doing, lambda: notes.update(note_id, {"body": body}, **NO_RETRY)
        )
        return self._comment(doing, thread, data)

    async def react(self, thread: Thread, comment_id: str, reaction: Reaction) -> None:
        doing = f"react {reaction.value} to comment {comment_id} of {self._named(thread)}"
        note = self._noteable(thread).notes.get(self._note_id(doing, comment_id), lazy=True)
        try:
            await self._calls.run(
                doing,
                lambda: note.awardemojis.create({"name": parse.EMOJI[reaction]}, **NO_RETRY),
            )
        except NotFound as error:
            # GitLab answers a second award of the same emoji with 404 "has already been taken"
            if "already been taken" not in str(error):
                raise

    def _note_id(self, doing: str, comment_id: str) -> int:
        if not comment_id.isdigit():
            raise Invalid(self._forge, f"{doing}: {comment_id!r} is not a GitLab note id")
        return int(comment_id)

    # -- issues --------------------------------------------------------------------------

    async def find_issues(
        self,
        repo: RepoRef,
        *,
        state: IssueState | None = None,
        author: str | None = None,
        marker: str | None = None,
    ) -> list[Issue]:
        issues = self._project(repo).issues
        filters = {"state": parse.ISSUE_STATE_QUERY[state]} if state else {}
        if author:
            filters["author_username"] = author
        doing = f"list issues of {repo.path}"
        items = await self._calls.pages(
            doing,
            f"issues:{repo.path}:{sorted(filters.items())}",
            lambda page, headers: [
                i.asdict()
                for i in issues.list(
                    order_by="created_at",
                    sort="asc",
                    **filters,
                    **page_args(page, headers, per_page=self._page_size),
                )
            ],
        )
        if marker:
            items = [i for i in items if marker in (i.get("description") or "")]
        return [read(self._forge, doing, parse.issue, i) for i in items]

    async def open_issue(self, repo: RepoRef, title: str, body: str) -> Issue:
        issues = self._project(repo).issues
        me = await self._lookup.whoami()

        def landed() -> Json | None:
            recent = issues.list(
                author_username=me,
                order_by="created_at",
                sort="desc",
                per_page=_RECENT,
                get_all=False,
                **NO_RETRY,
            )
            return next(
                (i.asdict() for i in recent if i.title == title and i.description == body), None
            )

        doing = f"open an issue in {repo.path}"
        data = await self._calls.write(
            doing,
            lambda: issues.create({"title": title, "description": body}, **NO_RETRY).asdict(),
            landed=landed,
        )
        return read(self._forge, doing, parse.issue, data)

    async def edit_issue(
        self, repo: RepoRef, number: int, *, title: str | None = None, body: str | None = None
    ) -> Issue:
        issues = self._project(repo).issues
        fields = (("title", title), ("description", body))
        changes = {key: value for key, value in fields if value is not None}
        doing = f"edit issue {repo.path}#{number}"
        if changes:
            data = await self._calls.run(doing, lambda: issues.update(number, changes, **NO_RETRY))
        else:
            data = await self._calls.run(doing, lambda: issues.get(number, **NO_RETRY).asdict())
        return read(self._forge, doing, parse.issue, data)
