"""The GitLab adapter's merge requests: find, read, diff and open them; and commit diffs,
rebuilt the same way as a merge request's. A merge request from a
fork is created on the fork with the target's numeric id, and lives in the target project."""

from __future__ import annotations

from typing import Any

import gitlab
import requests
from gitlab.v4.objects import ProjectFileManager

from bot.forges import gitlab_parse as parse
from bot.forges.base import ChangeRequest, ChangeState, RepoRef
from bot.forges.errors import Invalid, NotFound
from bot.forges.gitlab_calls import NO_LIBRARY_RETRY as NO_RETRY
from bot.forges.gitlab_calls import GitlabCalls, page_args, read
from bot.forges.gitlab_lookup import GitlabLookup

Json = dict[str, Any]
#: how many of the newest matching merge requests a retried creation looks through
_RECENT = 20


class GitlabChanges:
    """Merge requests of one GitLab instance; `GitlabForge` hands these calls over."""

    def __init__(
        self, *, gl: gitlab.Gitlab, calls: GitlabCalls, lookup: GitlabLookup, page_size: int
    ) -> None:
        self._gl = gl
        self._calls = calls
        self._lookup = lookup
        self._page_size = page_size
        self._forge = calls.forge

    async def find_changes(
        self,
        repo: RepoRef,
        *,
        state: ChangeState | None = None,
        author: str | None = None,
        source_branch: str | None = None,
        marker: str | None = None,
    ) -> list[ChangeRequest]:
        """Filters by state, author and source branch on the server; the marker (a hidden HTML
        comment) by reading the descriptions, as GitLab's search would tokenize it."""
        requests = self._lookup.api(repo).mergerequests
        filters = {"state": parse.CHANGE_STATE_QUERY[state] if state else "all"}
        if author:
            filters["author_username"] = author
        if source_branch:
            filters["source_branch"] = source_branch
        doing = f"list merge requests of {repo.path}"
        items = await self._calls.pages(
            doing,
            f"merge-requests:{repo.path}:{sorted(filters.items())}",
            lambda page, headers: [
                m.asdict()
                for m in requests.list(
                    order_by="created_at",
                    sort="asc",
                    **filters,
                    **page_args(page, headers, per_page=self._page_size),
                )
            ],
        )
        if marker:
            items = [m for m in items if marker in (m.get("description") or "")]
        return [await self._change(doing, repo, m) for m in items]

    async def get_change(self, repo: RepoRef, number: int) -> ChangeRequest:
        data = await self._merge_request(repo, number)
        return await self._change(f"read merge request {repo.path}!{number}", repo, data)

    async def _merge_request(self, repo: RepoRef, number: int) -> Json:
        requests = self._lookup.api(repo).mergerequests
        return await self._calls.conditional(
            f"read merge request {repo.path}!{number}",
            f"merge-request:{repo.path}!{number}",
            lambda headers: requests.get(number, extra_headers=headers, **NO_RETRY).asdict(),
        )

    async def change_diff(self, repo: RepoRef, number: int) -> bytes:
        """git's own diff text from `/raw_diffs` (GitLab 17.9+); on an older GitLab, the diff
        rebuilt from `/diffs` (see `_rebuilt_diff`)."""
        path = f"{self._lookup.api(repo).mergerequests.path}/{number}/raw_diffs"
        doing = f"read the diff of merge request {repo.path}!{number}"
        try:
            answer = await self._calls.run(
                doing, lambda: self._gl.http_get(path, raw=True, **NO_RETRY)
            )
        except NotFound:
            return await self._rebuilt_diff(repo, number)
        if not isinstance(answer, requests.Response):
            raise Invalid(self._forge, f"{doing}: the answer is not a diff")
        return answer.content

    async def _rebuilt_diff(self, repo: RepoRef, number: int) -> bytes:
        """`git diff` text rebuilt from `/diffs` (GitLab 15.7+), which pages through files;
        binary files get their blob names from two HEAD requests each (see `unified_diff`).
        Renamed files that also changed lack git's `similarity index` line, which git's
        patch id hashes: their ids differ from git's."""
        path = f"{self._lookup.api(repo).mergerequests.path}/{number}/diffs"
        doing = f"read the diff of merge request {repo.path}!{number}"
        items = await self._calls.pages(
            doing,
            f"diffs:{repo.path}!{number}",
            lambda page, headers: list(
                self._gl.http_list(path, **page_args(page, headers, per_page=self._page_size))
            ),
            cache=False,
        )
        binary = [i for i in items if isinstance(i, dict) and parse.is_binary(i)]
        blobs = {}
        if binary:
            blobs = await self._blob_names(repo, binary, *await self._diff_refs(repo, number))
        return read(self._forge, doing, lambda i: parse.unified_diff(i, blobs=blobs), items)

    async def _blob_names(
        self, repo: RepoRef, binary: list[Json], base: str | None, head: str
    ) -> dict[tuple[str, str], tuple[str, str]]:
        """(old, new) blob names of each binary file, read at `base` and `head`; a file
        without an old side (added, or `base` None for a root commit) gets `NO_BLOB`."""
        files = self._lookup.api(repo).files
        names = {}
        for item in binary:
            old, new = str(item.get("old_path")), str(item.get("new_path"))
            names[(old, new)] = (
                parse.NO_BLOB
                if item.get("new_file") or base is None
                else await self._blob(files, old, base),
                parse.NO_BLOB if item.get("deleted_file") else await self._blob(files, new, head),
            )
        return names

    async def _diff_refs(self, repo: RepoRef, number: int) -> tuple[str, str]:
        refs = (await self._merge_request(repo, number)).get("diff_refs") or {}
        base, head = refs.get("base_sha"), refs.get("head_sha")
        if not (isinstance(base, str) and isinstance(head, str)):
            raise Invalid(self._forge, f"merge request {repo.path}!{number} has no diff_refs")
        return base, head

    async def commit_diff(self, repo: RepoRef, sha: str) -> bytes:
        """`git show` text of a commit rebuilt from `/repository/commits/:sha/diff`, which
        pages through files against the first parent; same caveats as `_rebuilt_diff`."""
        path = f"{self._lookup.api(repo).commits.path}/{sha}/diff"
        doing = f"read the diff of commit {sha} in {repo.path}"
        items = await self._calls.pages(
            doing,
            f"commit-diff:{repo.path}@{sha}",
            lambda page, headers: list(
                self._gl.http_list(path, **page_args(page, headers, per_page=self._page_size))
            ),
            cache=False,
        )
        binary = [i for i in items if isinstance(i, dict) and parse.is_binary(i)]
        blobs = {}
        if binary:
            commit = await self._calls.run(
                doing, lambda: self._gl.http_get(path.removesuffix("/diff"), **NO_RETRY)
            )
            parents = commit.get("parent_ids") if isinstance(commit, dict) else None
            base = parents[0] if isinstance(parents, list) and parents else None
            blobs = await self._blob_names(repo, binary, base, sha)
        return read(self._forge, doing, lambda i: parse.unified_diff(i, blobs=blobs), items)

    async def _blob(self, files: ProjectFileManager, path: str, ref: str) -> str:
        doing = f"read the blob name of {path} at {ref}"
        headers = await self._calls.run(doing, lambda: files.head(path, ref, **NO_RETRY))
        name = headers.get("X-Gitlab-Blob-Id")
        if not name:
            raise Invalid(self._forge, f"{doing}: no X-Gitlab-Blob-Id header")
        return str(name)

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
        """A merge request from `source` into `target`; a draft is marked by the title prefix."""
        target_id = (await self._lookup.project(target))["id"]
        fields = {
            "source_branch": source_branch,
            "target_branch": target_branch,
            "title": f"Draft: {title}" if draft else title,
            "description": body,
            "target_project_id": target_id,
        }
        created_on = self._lookup.api(source).mergerequests
        listed_in = self._lookup.api(target).mergerequests
        me = await self._lookup.whoami()

        def landed() -> Json | None:
            found = listed_in.list(
                state="opened",
                source_branch=source_branch,
                author_username=me,
                per_page=_RECENT,
                get_all=False,
                **NO_RETRY,
            )
            return next((m.asdict() for m in found if m.title == fields["title"]), None)

        doing = (
            f"open a merge request {source.path}:{source_branch} -> {target.path}:{target_branch}"
        )
        data = await self._calls.write(
            doing, lambda: created_on.create(fields, **NO_RETRY).asdict(), landed=landed
        )
        return read(
            self._forge, doing, lambda d: parse.change(d, target=target, source=source), data
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
        """PUT the merge request; GitLab's draft state is its title's `Draft:` prefix, so a
        new title or draft state rewrites the title from what the request reads now."""
        doing = f"edit merge request {repo.path}!{number}"
        changes: Json = {}
        if body is not None:
            changes["description"] = body
        if title is not None or draft is not None:
            now = await self.get_change(repo, number)
            wanted = now.draft if draft is None else draft
            plain = now.title if title is None else title
            changes["title"] = f"Draft: {plain}" if wanted else plain
        requests = self._lookup.api(repo).mergerequests
        if changes:
            data = await self._calls.run(
                doing, lambda: requests.update(number, changes, **NO_RETRY)
            )
        else:
            data = await self._merge_request(repo, number)
        return await self._change(doing, repo, data)

    async def _change(self, doing: str, target: RepoRef, data: Json) -> ChangeRequest:
        source = target
        source_id = data.get("source_project_id")
        if isinstance(source_id, int) and source_id != data.get("target_project_id"):
            # a deleted fork keeps its id on the merge request but has no path any more
            source = await self._lookup.path_of(source_id) or RepoRef(
                "(deleted)", f"project-{source_id}"
            )
        return read(
            self._forge, doing, lambda d: parse.change(d, target=target, source=source), data
        )
