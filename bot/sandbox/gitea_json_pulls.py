"""Pull requests, reactions and permissions as Gitea/Forgejo API JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.sandbox import gitea_git
from bot.sandbox.gitea_json import WIP_PREFIXES, View, access_mode, is_wip, stamp
from bot.sandbox.gitea_web import FORGE
from bot.sandbox.world import SandboxChange


def title_of(change: SandboxChange) -> str:
    """Gitea keeps a draft's state in its title: a draft made in the World gets the prefix."""
    if change.draft and not is_wip(change.title):
        return f"{WIP_PREFIXES[0]} {change.title}"
    return change.title


def pull(view: View, change: SandboxChange) -> dict[str, Any]:
    world = view.world
    target_dir = world.git_dir(FORGE, change.repo)
    head_ref = f"refs/pull/{change.number}/head"
    base_sha = gitea_git.resolve(target_dir, change.target_branch) or ""
    merge_base = gitea_git.merge_base(target_dir, base_sha, head_ref) if base_sha else None
    files = added = deleted = 0
    if merge_base:
        files, added, deleted = gitea_git.diff_size(target_dir, merge_base, head_ref)
    title = title_of(change)
    merged = change.state == "merged"
    closed_at = (
        change.merged_at if merged else (change.updated_at if change.state != "open" else None)
    )
    web = f"{view.origin}/{change.repo}/pulls/{change.number}"
    comments = world.comments(FORGE, change.repo, "change", change.number)
    return {
        "additions": added,
        "allow_maintainer_edit": False,
        "assignee": None,
        "assignees": None,
        "base": _end(view, change.repo, change.target_branch, base_sha),
        "body": change.body,
        "changed_files": files,
        "closed_at": stamp(closed_at),
        "comments": len(comments),
        "created_at": stamp(change.created_at),
        "deletions": deleted,
        "diff_url": f"{web}.diff",
        "draft": is_wip(title),
        "due_date": None,
        "head": _end(view, change.source_repo, change.source_branch, change.head_sha or ""),
        "html_url": web,
        "id": change.id,
        "is_locked": False,
        "labels": [],
        "merge_base": merge_base or "",
        "merge_commit_sha": change.head_sha if merged else None,
        "mergeable": change.state == "open",
        "merged": merged,
        "merged_at": stamp(change.merged_at) if merged else None,
        "merged_by": None,
        "milestone": None,
        "number": change.number,
        "patch_url": f"{web}.patch",
        "pin_order": 0,
        "requested_reviewers": None,
        "requested_reviewers_teams": None,
        "review_comments": 0,
        "state": "open" if change.state == "open" else "closed",
        "title": title,
        "updated_at": stamp(change.updated_at),
        "url": web,
        "user": view.user(change.author),
    }


def _end(view: View, path: str, branch: str, sha: str) -> dict[str, Any]:
    """The `base` or `head` of a pull request; `repo` is null once the repository is gone."""
    try:
        repo = view.world.repo(FORGE, path)
    except LookupError:
        return {"label": branch, "ref": branch, "repo": None, "repo_id": 0, "sha": sha}
    return {
        "label": branch,
        "ref": branch,
        "repo": view.repo(repo),
        "repo_id": repo.id,
        "sha": sha,
    }


def reaction(view: View, user: str, content: str, when: datetime) -> dict[str, Any]:
    return {"user": view.user(user), "content": content, "created_at": stamp(when)}


def permission(view: View, path: str, user: str) -> dict[str, Any]:
    mode = access_mode(view.world, path, user)
    return {"permission": mode, "role_name": mode, "user": view.user(user)}


def pull_as_issue(rendering: View, change: SandboxChange) -> dict[str, Any]:
    """A pull request as the issues endpoints show it: an issue with `pull_request` set."""
    data = pull(rendering, change)
    repo = rendering.world.repo(FORGE, change.repo)
    merged = change.state == "merged"
    return {
        "id": data["id"],
        "url": f"{rendering.api}/repos/{change.repo}/issues/{change.number}",
        "html_url": data["html_url"],
        "number": change.number,
        "user": data["user"],
        "original_author": "",
        "original_author_id": 0,
        "title": title_of(change),
        "body": change.body,
        "ref": "",
        "assets": [],
        "labels": [],
        "milestone": None,
        "assignee": None,
        "assignees": None,
        "state": data["state"],
        "is_locked": False,
        "comments": data["comments"],
        "created_at": data["created_at"],
        "updated_at": data["updated_at"],
        "closed_at": data["closed_at"],
        "due_date": None,
        "pull_request": {
            "merged": merged,
            "merged_at": data["merged_at"],
            "draft": data["draft"],
            "html_url": data["html_url"],
        },
        "repository": {
            "id": repo.id,
            "name": repo.name,
            "owner": repo.namespace,
            "full_name": repo.path,
        },
        "pin_order": 0,
    }
