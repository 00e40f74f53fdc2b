"""The Pagure adapter's pull requests, issues and comments (the "threads" people talk in).

Pagure answers a new comment with "Comment added" and nothing else, so the comment is found
afterwards by what it says among those that were not there before. Pagure does not refuse a
second pull request from the same branch, so `open_change` checks before it opens one.
"""

from __future__ import annotations

from datetime import datetime

from bot.forges import pagure_answers as answers
from bot.forges import pagure_requests as build
from bot.forges.base import (
    ChangeRequest,
    ChangeState,
    Comment,
    Issue,
    IssueState,
    RepoRef,
    Thread,
    ThreadKind,
)
from bot.forges.errors import Conflict
from bot.forges.pagure_answers import Json
from bot.forges.pagure_http import PagureHttp

_CHANGE_STATUS = {
    None: "All",
    ChangeState.OPEN: "Open",
    ChangeState.MERGED: "Merged",
    ChangeState.CLOSED: "Closed",
}
_ISSUE_STATUS = {None: "all", IssueState.OPEN: "Open", IssueState.CLOSED: "Closed"}


class PagureThreads:
    def __init__(self, http: PagureHttp, *, username: str, page_size: int) -> None:
        self._http = http
        self._forge = http.forge
        self._web = http.base_url
        self._username = username
        self._page_size = page_size

    # -- pull requests -----------------------------------------------------------------

    async def _pull_requests(
        self,
        repo: RepoRef,
        *,
        state: ChangeState | None,
        author: str | None = None,
        direct: bool = False,
    ) -> list[ChangeRequest]:
        doing = f"list pull requests of {repo.path}"
        found = await self._http.pages(
            lambda page: build.pull_requests(
                repo,
                status=_CHANGE_STATUS[state],
                author=author,
                page=page,
                per_page=self._page_size,
            ),
            doing,
            "requests",
            direct=direct,
        )
        return [self._http.decipher(doing, answers.change, r, web_base=self._web) for r in found]

    async def find_changes(
        self,
        repo: RepoRef,
        *,
        state: ChangeState | None = None,
        author: str | None = None,
        source_branch: str | None = None,
        marker: str | None = None,
    ) -> list[ChangeRequest]:
        found = await self._pull_requests(repo, state=state, author=author)
        return [
            c
            for c in found
            if (source_branch is None or c.source_branch == source_branch)
            and (marker is None or marker in c.body)
        ]

    async def get_change(self, repo: RepoRef, number: int) -> ChangeRequest:
        doing = f"read pull request {repo.path}#{number}"
        data = await self._http.json(build.pull_request(repo, number), doing)
        return self._http.decipher(doing, answers.change, data, web_base=self._web)

    async def change_diff(self, repo: RepoRef, number: int) -> bytes:
        doing = f"read the diff of pull request {repo.path}#{number}"
        return await self._http.send(build.pull_request_diff(repo, number), doing)

    async def open_change(
        self,
        target: RepoRef,
        *,
        source: RepoRef,
        source_branch: str,
        target_branch: str,
        title: str,
        body: str,
        draft: bool = False,
    ) -> ChangeRequest:
        doing = f"open a pull request on {target.path} from {source.path}:{source_branch}"

        async def same(*, direct: bool) -> ChangeRequest | None:
            found = [
                c
                for c in await self._pull_requests(target, state=ChangeState.OPEN, direct=direct)
                if (c.source, c.source_branch, c.target_branch)
                == (source, source_branch, target_branch)
            ]
            return found[0] if found else None

        existing = await same(direct=False)
        if existing is not None:
            raise Conflict(
                self._forge,
                f"{doing}: pull request #{existing.number} is open for that branch already",
            )
        request = build.new_pull_request(
            target,
            source=source,
            source_branch=source_branch,
            target_branch=target_branch,
            title=title,
            body=body,
            draft=draft,
        )
        return await self._http.create(
            request,
            doing,
            read=lambda answer: answers.change(answers.json_object(answer), web_base=self._web),
            find=lambda: same(direct=True),
        )

    async def edit_change(
        self,
        repo: RepoRef,
        number: int,
        *,
        title: str | None = None,
        body: str | None = None,
        draft: bool | None = None,
    ) -> ChangeRequest:
        doing = f"edit pull request {repo.path}#{number}"
        now = await self.get_change(repo, number)
        plain = now.title if title is None else title
        wanted = now.draft if draft is None else draft
        written = f"{build.WIP_PREFIX}{plain}" if wanted else plain
        request = build.edit_pull_request(repo, number, title=written, body=body)
        data = await self._http.json(request, doing)
        return self._http.decipher(doing, answers.change, data, web_base=self._web)

    # -- comments ----------------------------------------------------------------------

    def _thread_url(self, thread: Thread) -> str:
        kind = "issue" if thread.kind is ThreadKind.ISSUE else "pull-request"
        return f"{self._web}/{build.web_path(thread.repo)}/{kind}/{thread.number}"

    async def _comments(self, thread: Thread, *, direct: bool = False) -> list[Comment]:
        doing = f"read comments of {thread.kind} {thread.repo.path}#{thread.number}"
        if thread.kind is ThreadKind.ISSUE:
            request = build.issue(thread.repo, thread.number)
        else:
            request = build.pull_request(thread.repo, thread.number)
        data = await self._http.json(request, doing, direct=direct)
        return self._http.decipher(
            doing,
            lambda d: answers.comments(d["comments"], thread_url=self._thread_url(thread)),
            data,
        )

    async def list_comments(
        self, thread: Thread, *, since: datetime | None = None
    ) -> list[Comment]:
        found = await self._comments(thread)
        return [c for c in found if since is None or c.updated_at >= since]

    async def post_comment(self, thread: Thread, body: str) -> Comment:
        before = {c.id for c in await self._comments(thread)}

        async def find() -> Comment | None:
            mine = [
                c
                for c in await self._comments(thread, direct=True)
                if c.id not in before and c.author == self._username and c.body == body
            ]
            return mine[-1] if mine else None

        if thread.kind is ThreadKind.ISSUE:
            request = build.issue_comment(thread.repo, thread.number, body)
        else:
            request = build.pull_request_comment(thread.repo, thread.number, body)
        doing = f"comment on {thread.kind} {thread.repo.path}#{thread.number}"
        return await self._http.create(request, doing, read=lambda _answer: None, find=find)

    # -- issues ------------------------------------------------------------------------

    def _issue(self, repo: RepoRef, data: Json, doing: str) -> Issue:
        repo_url = f"{self._web}/{build.web_path(repo)}"
        return self._http.decipher(doing, answers.issue, data, repo_url=repo_url)

    async def _issues(
        self,
        repo: RepoRef,
        *,
        state: IssueState | None,
        author: str | None,
        direct: bool = False,
    ) -> list[Issue]:
        doing = f"list issues of {repo.path}"
        found = await self._http.pages(
            lambda page: build.issues(
                repo,
                status=_ISSUE_STATUS[state],
                author=author,
                page=page,
                per_page=self._page_size,
            ),
            doing,
            "issues",
            direct=direct,
        )
        return [self._issue(repo, i, doing) for i in found]

    async def find_issues(
        self,
        repo: RepoRef,
        *,
        state: IssueState | None = None,
        author: str | None = None,
        marker: str | None = None,
    ) -> list[Issue]:
        found = await self._issues(repo, state=state, author=author)
        return [i for i in found if marker is None or marker in i.body]

    async def open_issue(self, repo: RepoRef, title: str, body: str) -> Issue:
        doing = f"open an issue on {repo.path}"

        async def find() -> Issue | None:
            mine = await self._issues(
                repo, state=IssueState.OPEN, author=self._username, direct=True
            )
            same = [i for i in mine if (i.title, i.body) == (title, body)]
            return max(same, key=lambda i: i.number) if same else None

        return await self._http.create(
            build.new_issue(repo, title, body),
            doing,
            read=lambda answer: self._issue(repo, answers.json_object(answer)["issue"], doing),
            find=find,
        )

    async def edit_issue(
        self, repo: RepoRef, number: int, *, title: str | None = None, body: str | None = None
    ) -> Issue:
        doing = f"edit issue {repo.path}#{number}"
        if title is None or body is None:
            data = await self._http.json(build.issue(repo, number), doing)
            current = self._issue(repo, data, doing)
            title = current.title if title is None else title
            body = current.body if body is None else body
        answer = await self._http.json(build.edit_issue(repo, number, title, body), doing)
        return self._issue(repo, self._http.decipher(doing, lambda a: a["issue"], answer), doing)
