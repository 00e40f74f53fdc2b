"""Where things are on a GitLab instance: projects by path or by numeric id, and who the token
belongs to. Merge requests name their projects by id only, so ids seen are remembered."""

from __future__ import annotations

from typing import Any

import gitlab
from gitlab.v4.objects import Project

from bot.forges.base import RepoRef
from bot.forges.errors import Invalid, NotFound
from bot.forges.gitlab_calls import NO_LIBRARY_RETRY as NO_RETRY
from bot.forges.gitlab_calls import GitlabCalls

Json = dict[str, Any]


class GitlabLookup:
    def __init__(self, *, gl: gitlab.Gitlab, calls: GitlabCalls) -> None:
        self._gl = gl
        self._calls = calls
        self._paths: dict[int, RepoRef] = {}
        self._me: str | None = None

    def api(self, repo: RepoRef) -> Project:
        """A python-gitlab project handle (no request); the path, URL-encoded, is the id."""
        return self._gl.projects.get(repo.path, lazy=True)

    async def project(self, repo: RepoRef) -> Json:
        """The project's JSON, revalidated by ETag when asked again."""
        data = await self._calls.conditional(
            f"read project {repo.path}",
            f"project:{repo.path}",
            lambda headers: self._gl.projects.get(
                repo.path, extra_headers=headers, **NO_RETRY
            ).asdict(),
        )
        self.remember(data)
        return data

    async def path_of(self, project_id: int) -> RepoRef | None:
        """The path of a project known by id; None when the project is gone (a deleted fork)."""
        if project_id not in self._paths:
            try:
                data = await self._calls.conditional(
                    f"read project {project_id}",
                    f"project-id:{project_id}",
                    lambda headers: self._gl.projects.get(
                        project_id, extra_headers=headers, **NO_RETRY
                    ).asdict(),
                )
            except NotFound:
                return None
            self.remember(data)
        return self._paths.get(project_id)

    def remember(self, data: Json) -> None:
        number, path = data.get("id"), data.get("path_with_namespace")
        if isinstance(number, int) and isinstance(path, str) and "/" in path:
            self._paths[number] = RepoRef.parse(path)

    async def whoami(self) -> str:
        """The user name the token belongs to (asked once)."""
        if self._me is None:
            data = await self._calls.run(
                "read the current user", lambda: self._gl.http_get("/user", **NO_RETRY)
            )
            if not isinstance(data, dict) or not isinstance(data.get("username"), str):
                raise Invalid(self._calls.forge, "read the current user: no username in the answer")
            self._me = data["username"]
        return self._me
