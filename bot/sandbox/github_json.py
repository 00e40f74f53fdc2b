"""How the GitHub sandbox spells the World's objects: the JSON of GitHub's REST API v3 (as
GitHub Enterprise serves it under `/api/v3`), field for field where the bot or PyGithub reads."""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.sandbox.gitstore import GitCommit, GitEntry
from bot.sandbox.world import SandboxRepo

Json = dict[str, Any]

#: the reactions GitHub knows, in the order its rollups list them
REACTIONS = ("+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes")

#: the fine-grained role -> the legacy `permission` GitHub still reports next to `role_name`
LEGACY_PERMISSION = {
    "admin": "admin",
    "maintain": "write",
    "write": "write",
    "triage": "read",
    "read": "read",
}
_RANK = ("read", "triage", "write", "maintain", "admin")


@dataclass(frozen=True, slots=True)
class Site:
    """Where the sandbox is served: the web root; the API lives under `/api/v3`."""

    root: str

    @property
    def api(self) -> str:
        return f"{self.root}/api/v3"


def stamp(moment: datetime | None) -> str | None:
    """GitHub's timestamps: UTC, whole seconds, a trailing Z."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def numeric_id(name: str) -> int:
    """A stable positive id for a name the World keeps without one (users, organizations)."""
    return zlib.crc32(name.encode("utf-8")) or 1


def node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode()


def user_json(site: Site, login: str, *, organization: bool = False) -> Json:
    api = f"{site.api}/users/{login}"
    number = numeric_id(login)
    return {
        "login": login,
        "id": number,
        "node_id": node_id("Organization" if organization else "User", number),
        "avatar_url": f"{site.root}/avatars/{login}",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{site.root}/{login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": "Organization" if organization else "User",
        "site_admin": False,
    }


_REPO_URLS = (
    ("archive_url", "/{archive_format}{/ref}"),
    ("assignees_url", "/assignees{/user}"),
    ("blobs_url", "/git/blobs{/sha}"),
    ("branches_url", "/branches{/branch}"),
    ("collaborators_url", "/collaborators{/collaborator}"),
    ("comments_url", "/comments{/number}"),
    ("commits_url", "/commits{/sha}"),
    ("compare_url", "/compare/{base}...{head}"),
    ("contents_url", "/contents/{+path}"),
    ("contributors_url", "/contributors"),
    ("deployments_url", "/deployments"),
    ("downloads_url", "/downloads"),
    ("events_url", "/events"),
    ("forks_url", "/forks"),
    ("git_commits_url", "/git/commits{/sha}"),
    ("git_refs_url", "/git/refs{/sha}"),
    ("git_tags_url", "/git/tags{/sha}"),
    ("hooks_url", "/hooks"),
    ("issue_comment_url", "/issues/comments{/number}"),
    ("issue_events_url", "/issues/events{/number}"),
    ("issues_url", "/issues{/number}"),
    ("keys_url", "/keys{/key_id}"),
    ("labels_url", "/labels{/name}"),
    ("languages_url", "/languages"),
    ("merges_url", "/merges"),
    ("milestones_url", "/milestones{/number}"),
    ("notifications_url", "/notifications{?since,all,participating}"),
    ("pulls_url", "/pulls{/number}"),
    ("releases_url", "/releases{/id}"),
    ("stargazers_url", "/stargazers"),
    ("statuses_url", "/statuses/{sha}"),
    ("subscribers_url", "/subscribers"),
    ("subscription_url", "/subscription"),
    ("tags_url", "/tags"),
    ("teams_url", "/teams"),
    ("trees_url", "/git/trees{/sha}"),
)


def repo_json(
    site: Site,
    repo: SandboxRepo,
    *,
    organization: bool,
    role: str | None,
    parent: Json | None = None,
) -> Json:
    """A repository; `role` is the caller's (None: anonymous, no `permissions` block);
    `parent` is given only where GitHub includes it (a single repository, a new fork)."""
    api = f"{site.api}/repos/{repo.path}"
    data: Json = {
        "id": repo.id,
        "node_id": node_id("Repository", repo.id),
        "name": repo.name,
        "full_name": repo.path,
        "private": False,
        "owner": user_json(site, repo.namespace, organization=organization),
        "html_url": f"{site.root}/{repo.path}",
        "description": None,
        "fork": repo.fork_of is not None,
        "url": api,
    }
    data.update({key: f"{api}{suffix}" for key, suffix in _REPO_URLS})
    data.update(
        {
            "created_at": stamp(repo.created_at),
            "updated_at": stamp(repo.updated_at),
            "pushed_at": stamp(repo.updated_at),
            "git_url": f"git://{site.root.partition('://')[2]}/{repo.path}.git",
            "ssh_url": f"git@{site.root.partition('://')[2].partition(':')[0]}:{repo.path}.git",
            "clone_url": f"{site.root}/{repo.path}.git",
            "svn_url": f"{site.root}/{repo.path}",
            "homepage": None,
            "size": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "language": None,
            "has_issues": True,
            "has_projects": True,
            "has_downloads": True,
            "has_wiki": True,
            "has_pages": False,
            "has_discussions": False,
            "forks_count": 0,
            "mirror_url": None,
            "archived": False,
            "disabled": False,
            "open_issues_count": 0,
            "license": None,
            "allow_forking": True,
            "is_template": False,
            "topics": [],
            "visibility": "public",
            "forks": 0,
            "open_issues": 0,
            "watchers": 0,
            "default_branch": repo.default_branch,
        }
    )
    if role is not None:
        data["permissions"] = permissions_json(role)
    if parent is not None:
        data["parent"] = parent
        data["source"] = parent
    return data


def permissions_json(role: str) -> Json:
    rank = _RANK.index(role) if role in _RANK else -1
    return {
        "admin": rank >= _RANK.index("admin"),
        "maintain": rank >= _RANK.index("maintain"),
        "push": rank >= _RANK.index("write"),
        "triage": rank >= _RANK.index("triage"),
        "pull": rank >= 0,
    }


def permission_json(site: Site, login: str, role: str | None) -> Json:
    """`collaborators/{user}/permission`: the legacy `permission` and the exact `role_name`."""
    user = user_json(site, login)
    user["permissions"] = permissions_json(role or "")
    user["role_name"] = role or "none"
    return {
        "permission": LEGACY_PERMISSION.get(role or "", "none"),
        "role_name": role or "none",
        "user": user,
    }


def branch_json(site: Site, repo: SandboxRepo, name: str, sha: str) -> Json:
    return {
        "name": name,
        "commit": {"sha": sha, "url": f"{site.api}/repos/{repo.path}/commits/{sha}"},
        "protected": False,
    }


def content_json(
    site: Site, repo: SandboxRepo, entry: GitEntry, sha: str, ref: str, *, data: bytes | None
) -> Json:
    """One entry of the contents API; `data` (a file's bytes) only for a single-file answer.

    GitHub sends files up to 1 MB inline as base64; bigger ones come with `encoding: none`
    and empty `content`, and must be read as a git blob. Submodules inside a directory
    listing are typed `file`, as GitHub keeps doing for backwards compatibility.
    """
    kind = {"blob": "file", "tree": "dir", "commit": "file"}[entry.kind]
    if entry.kind == "blob" and entry.mode == "120000":
        kind = "symlink"
    api = f"{site.api}/repos/{repo.path}"
    name = entry.path.rpartition("/")[2]
    git_url = f"{api}/git/{'trees' if kind == 'dir' else 'blobs'}/{sha}"
    html = f"{site.root}/{repo.path}/{'tree' if kind == 'dir' else 'blob'}/{ref}/{entry.path}"
    found: Json = {
        "name": name,
        "path": entry.path,
        "sha": sha,
        "size": entry.size or 0,
        "url": f"{api}/contents/{entry.path}?ref={ref}",
        "html_url": html,
        "git_url": git_url,
        "download_url": None
        if kind == "dir"
        else f"{site.root}/{repo.path}/raw/{ref}/{entry.path}",
        "type": kind,
        "_links": {"self": f"{api}/contents/{entry.path}?ref={ref}", "git": git_url, "html": html},
    }
    if data is not None:
        if len(data) > INLINE_LIMIT:
            found.update(content="", encoding="none")
        else:
            found.update(content=_base64_lines(data), encoding="base64")
    return found


#: files above this size come without content from the contents API (GitHub: 1 MB)
INLINE_LIMIT = 1024 * 1024


def blob_json(site: Site, repo: SandboxRepo, sha: str, data: bytes) -> Json:
    return {
        "sha": sha,
        "node_id": node_id("Blob", zlib.crc32(sha.encode())),
        "size": len(data),
        "url": f"{site.api}/repos/{repo.path}/git/blobs/{sha}",
        "content": _base64_lines(data),
        "encoding": "base64",
    }


def _base64_lines(data: bytes) -> str:
    # GitHub wraps base64 content at 60 characters, like `base64` does
    return base64.encodebytes(data).decode("ascii")


def commit_json(site: Site, repo: SandboxRepo, commit: GitCommit) -> Json:
    api = f"{site.api}/repos/{repo.path}"
    person = {
        "name": commit.author_name,
        "email": commit.author_email,
        "date": stamp(commit.authored_at),
    }
    return {
        "sha": commit.sha,
        "node_id": node_id("Commit", zlib.crc32(commit.sha.encode())),
        "commit": {
            "author": person,
            "committer": dict(person),
            "message": commit.message,
            "tree": {"sha": "", "url": f"{api}/git/trees/"},
            "url": f"{api}/git/commits/{commit.sha}",
            "comment_count": 0,
            "verification": {"verified": False, "reason": "unsigned", "signature": None},
        },
        "url": f"{api}/commits/{commit.sha}",
        "html_url": f"{site.root}/{repo.path}/commit/{commit.sha}",
        "comments_url": f"{api}/commits/{commit.sha}/comments",
        # GitHub links the git author to an account by email; the sandbox links nobody
        "author": None,
        "committer": None,
        "parents": [],
    }
