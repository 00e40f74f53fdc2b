"""The sandbox's state as Gitea/Forgejo API JSON: users, repositories, branches, contents,
commits, pull requests, issues, comments, reactions and permissions (Forgejo v10 field sets)."""

from __future__ import annotations

import zlib
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from bot.sandbox.gitea_git import Tip, TreeItem
from bot.sandbox.gitea_web import FORGE
from bot.sandbox.gitstore import GitCommit
from bot.sandbox.world import SandboxComment, SandboxIssue, SandboxRepo, World

ZERO_TIME = "0001-01-01T00:00:00Z"
#: Gitea's default `WORK_IN_PROGRESS_PREFIXES`: drafts are pull requests with such a title
WIP_PREFIXES = ("WIP:", "[WIP]")


def stamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ident(name: str) -> int:
    """A stable numeric id for a user or organization name."""
    return zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF


def is_wip(title: str) -> bool:
    return title.upper().startswith(tuple(p.upper() for p in WIP_PREFIXES))


def access_mode(world: World, path: str, user: str) -> str:
    """Gitea's access mode of `user` on a repository: none, read, write, admin or owner."""
    repo = world.repo(FORGE, path)
    found = world.users(FORGE).get(user)
    if found is None:
        return "none"
    if found.admin:
        return "admin"
    if repo.namespace == user:
        return "owner"
    # Gitea has no triage or maintain: they count as the mode below them
    role = repo.members.get(user, "read")
    return {"read": "read", "triage": "read", "write": "write", "maintain": "write"}.get(
        role, "admin"
    )


class View:
    """Renders for one request: links start at `origin`, permissions are `doer`'s."""

    def __init__(self, world: World, origin: str, doer: str | None) -> None:
        self.world = world
        self.origin = origin
        self.api = f"{origin}/api/v1"
        self.doer = doer
        self._forks: Counter[str] | None = None

    def forks_of(self, path: str) -> int:
        """How many forks a repository has (counted once per view: listings render many)."""
        if self._forks is None:
            self._forks = Counter(r.fork_of for r in self.world.repos(FORGE) if r.fork_of)
        return self._forks[path]

    def user(self, name: str) -> dict[str, Any]:
        found = self.world.users(FORGE).get(name)
        return {
            "active": True,
            "avatar_url": f"{self.origin}/avatars/{ident(name):x}",
            "created": ZERO_TIME,
            "description": "",
            "email": found.email if found else "",
            "followers_count": 0,
            "following_count": 0,
            "full_name": "",
            "html_url": f"{self.origin}/{name}",
            "id": ident(name),
            "is_admin": bool(found and found.admin),
            "language": "",
            "last_login": ZERO_TIME,
            "location": "",
            "login": name,
            "login_name": "",
            "prohibit_login": False,
            "pronouns": "",
            "restricted": False,
            "source_id": 0,
            "starred_repos_count": 0,
            "username": name,
            "visibility": "public",
            "website": "",
        }

    def repo(self, repo: SandboxRepo, *, with_parent: bool = True) -> dict[str, Any]:
        git_dir = self.world.git_dir(FORGE, repo.path)
        empty = not any(git_dir.glob("refs/heads/*")) and not (git_dir / "packed-refs").exists()
        mode = access_mode(self.world, repo.path, self.doer) if self.doer else "read"
        parent = None
        if with_parent and repo.fork_of:
            parent = self.repo(self.world.repo(FORGE, repo.fork_of), with_parent=False)
        issues = sum(1 for i in self.world.issues(FORGE, repo.path) if i.state == "open")
        pulls = sum(1 for c in self.world.changes(FORGE, repo.path) if c.state == "open")
        web = f"{self.origin}/{repo.path}"
        return {
            "allow_fast_forward_only_merge": True,
            "allow_merge_commits": True,
            "allow_rebase": True,
            "allow_rebase_explicit": True,
            "allow_rebase_update": True,
            "allow_squash_merge": True,
            "archived": False,
            "archived_at": "1970-01-01T00:00:00Z",
            "avatar_url": "",
            "clone_url": f"{web}.git",
            "created_at": stamp(repo.created_at),
            "default_allow_maintainer_edit": False,
            "default_branch": repo.default_branch,
            "default_delete_branch_after_merge": False,
            "default_merge_style": "merge",
            "default_update_style": "merge",
            "description": "",
            "empty": empty,
            "fork": repo.fork_of is not None,
            "forks_count": self.forks_of(repo.path),
            "full_name": repo.path,
            "globally_editable_wiki": False,
            "has_actions": False,
            "has_issues": True,
            "has_packages": False,
            "has_projects": False,
            "has_pull_requests": True,
            "has_releases": False,
            "has_wiki": False,
            "html_url": web,
            "id": repo.id,
            "ignore_whitespace_conflicts": False,
            "internal": False,
            "internal_tracker": {
                "allow_only_contributors_to_track_time": True,
                "enable_issue_dependencies": True,
                "enable_time_tracker": False,
            },
            "language": "",
            "languages_url": f"{self.api}/repos/{repo.path}/languages",
            "link": "",
            "mirror": False,
            "mirror_interval": "",
            "mirror_updated": ZERO_TIME,
            "name": repo.name,
            "object_format_name": "sha1",
            "open_issues_count": issues,
            "open_pr_counter": pulls,
            "original_url": "",
            "owner": self.user(repo.namespace),
            "parent": parent,
            "permissions": {
                "admin": mode in ("admin", "owner"),
                "pull": True,
                "push": mode in ("write", "admin", "owner"),
            },
            "private": False,
            "release_counter": 0,
            "repo_transfer": None,
            "size": 0,
            "ssh_url": f"ssh://git@sandbox.invalid/{repo.path}.git",
            "stars_count": 0,
            "template": False,
            "topics": None,
            "updated_at": stamp(repo.updated_at),
            "url": f"{self.api}/repos/{repo.path}",
            "watchers_count": 0,
            "website": "",
            "wiki_branch": repo.default_branch,
        }

    def branch(self, path: str, tip: Tip) -> dict[str, Any]:
        mode = access_mode(self.world, path, self.doer) if self.doer else "read"
        return {
            "name": tip.branch,
            "commit": {
                "id": tip.sha,
                "message": tip.message,
                "url": f"{self.origin}/{path}/commit/{tip.sha}",
                "author": {"name": tip.author_name, "email": tip.author_email, "username": ""},
                "committer": {
                    "name": tip.committer_name,
                    "email": tip.committer_email,
                    "username": "",
                },
                "verification": None,
                "timestamp": stamp(tip.committed_at),
                "added": None,
                "removed": None,
                "modified": None,
            },
            "protected": False,
            "required_approvals": 0,
            "enable_status_check": False,
            "status_check_contexts": [],
            "user_can_push": mode in ("write", "admin", "owner"),
            "user_can_merge": mode in ("write", "admin", "owner"),
            "effective_branch_protection_name": "",
        }

    def content(
        self, path: str, ref: str, commit: str, item: TreeItem, *, content: str | None = None
    ) -> dict[str, Any]:
        """A contents entry; `last_commit_sha` is the ref's commit, where Gitea runs a log per
        entry for the last commit touching it (the adapter reads neither)."""
        kind = {"tree": "dir", "commit": "submodule"}.get(item.kind, "file")
        if item.kind == "blob" and item.mode == "120000":
            kind = "symlink"
        web = f"{self.origin}/{path}/src/branch/{ref}/{item.path}"
        git = f"{self.api}/repos/{path}/git/{'trees' if kind == 'dir' else 'blobs'}/{item.sha}"
        this = f"{self.api}/repos/{path}/contents/{item.path}?ref={ref}"
        return {
            "name": item.name,
            "path": item.path,
            "sha": item.sha,
            "last_commit_sha": commit,
            "type": kind,
            "size": item.size or 0,
            "encoding": "base64" if content is not None else None,
            "content": content,
            "target": None,
            "url": this,
            "html_url": web,
            "git_url": git,
            "download_url": (
                f"{self.origin}/{path}/raw/branch/{ref}/{item.path}" if kind == "file" else None
            ),
            "submodule_git_url": None,
            "_links": {"self": this, "git": git, "html": web},
        }

    def commit(self, path: str, found: GitCommit) -> dict[str, Any]:
        person = {
            "name": found.author_name,
            "email": found.author_email,
            "date": stamp(found.authored_at),
        }
        url = f"{self.api}/repos/{path}/git/commits/{found.sha}"
        return {
            "url": url,
            "sha": found.sha,
            "created": stamp(found.authored_at),
            "html_url": f"{self.origin}/{path}/commit/{found.sha}",
            "commit": {
                "url": url,
                "author": person,
                "committer": person,
                "message": found.message + "\n",
                "tree": None,
                "verification": None,
            },
            "author": None,
            "committer": None,
            "parents": [],
            "files": None,
            "stats": None,
        }

    def comment(self, found: SandboxComment) -> dict[str, Any]:
        section = "issues" if found.kind == "issue" else "pulls"
        thread = f"{self.origin}/{found.repo}/{section}/{found.number}"
        return {
            "assets": [],
            "body": found.body,
            "created_at": stamp(found.created_at),
            "html_url": f"{thread}#issuecomment-{found.id}",
            "id": found.id,
            "issue_url": thread if found.kind == "issue" else "",
            "original_author": "",
            "original_author_id": 0,
            "pull_request_url": thread if found.kind == "change" else "",
            "updated_at": stamp(found.updated_at),
            "user": self.user(found.author),
        }

    def issue(self, found: SandboxIssue) -> dict[str, Any]:
        repo = self.world.repo(FORGE, found.repo)
        comments = self.world.comments(FORGE, found.repo, "issue", found.number)
        return {
            "id": found.id,
            "url": f"{self.api}/repos/{found.repo}/issues/{found.number}",
            "html_url": f"{self.origin}/{found.repo}/issues/{found.number}",
            "number": found.number,
            "user": self.user(found.author),
            "original_author": "",
            "original_author_id": 0,
            "title": found.title,
            "body": found.body,
            "ref": "",
            "assets": [],
            "labels": [],
            "milestone": None,
            "assignee": None,
            "assignees": None,
            "state": found.state,
            "is_locked": False,
            "comments": len(comments),
            "created_at": stamp(found.created_at),
            "updated_at": stamp(found.updated_at),
            "closed_at": stamp(found.updated_at) if found.state == "closed" else None,
            "due_date": None,
            "pull_request": None,
            "repository": {
                "id": repo.id,
                "name": repo.name,
                "owner": repo.namespace,
                "full_name": repo.path,
            },
            "pin_order": 0,
        }
