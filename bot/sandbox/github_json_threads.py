"""How the GitHub sandbox spells issues, pull requests, comments and reactions: GitHub's
REST v3 JSON, including the keys list answers leave out (a list of pulls has no `merged`)."""

from __future__ import annotations

from datetime import datetime

from bot.sandbox.github_json import REACTIONS, Json, Site, node_id, stamp, user_json
from bot.sandbox.world import SandboxChange, SandboxComment, SandboxIssue


def reactions_json(url: str, reactions: list[tuple[str, str]]) -> Json:
    rollup: Json = {"url": f"{url}/reactions", "total_count": len(reactions)}
    rollup.update({name: sum(1 for _, r in reactions if r == name) for name in REACTIONS})
    return rollup


def comment_json(site: Site, comment: SandboxComment, *, association: str) -> Json:
    api = f"{site.api}/repos/{comment.repo}"
    page = "issues" if comment.kind == "issue" else "pull"
    url = f"{api}/issues/comments/{comment.id}"
    return {
        "url": url,
        "html_url": f"{site.root}/{comment.repo}/{page}/{comment.number}#issuecomment-{comment.id}",
        "issue_url": f"{api}/issues/{comment.number}",
        "id": comment.id,
        "node_id": node_id("IssueComment", comment.id),
        "user": user_json(site, comment.author),
        "created_at": stamp(comment.created_at),
        "updated_at": stamp(comment.updated_at),
        "author_association": association,
        "body": comment.body,
        "reactions": reactions_json(url, comment.reactions),
        "performed_via_github_app": None,
    }


def reaction_json(site: Site, reaction_id: int, user: str, content: str, when: datetime) -> Json:
    return {
        "id": reaction_id,
        "node_id": node_id("Reaction", reaction_id),
        "user": user_json(site, user),
        "content": content,
        "created_at": stamp(when),
    }


def issue_json(
    site: Site,
    thread: SandboxIssue | SandboxChange,
    *,
    comments: int,
    association: str,
) -> Json:
    """An issue, or a pull request seen through the issues API (then with `pull_request`)."""
    api = f"{site.api}/repos/{thread.repo}"
    url = f"{api}/issues/{thread.number}"
    is_pull = isinstance(thread, SandboxChange)
    state = "open" if thread.state == "open" else "closed"
    closed_at = None if state == "open" else stamp(thread.updated_at)
    data: Json = {
        "url": url,
        "repository_url": api,
        "labels_url": f"{url}/labels{{/name}}",
        "comments_url": f"{url}/comments",
        "events_url": f"{url}/events",
        "html_url": f"{site.root}/{thread.repo}/{'pull' if is_pull else 'issues'}/{thread.number}",
        "id": thread.id,
        "node_id": node_id("PullRequest" if is_pull else "Issue", thread.id),
        "number": thread.number,
        "title": thread.title,
        "user": user_json(site, thread.author),
        "labels": [],
        "state": state,
        "locked": False,
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "comments": comments,
        "created_at": stamp(thread.created_at),
        "updated_at": stamp(thread.updated_at),
        "closed_at": closed_at,
        "author_association": association,
        "active_lock_reason": None,
        "body": thread.body,
        "reactions": reactions_json(url, []),
        "state_reason": None if state == "open" else "completed",
    }
    if isinstance(thread, SandboxChange):
        data["draft"] = thread.draft
        data["pull_request"] = {
            "url": f"{api}/pulls/{thread.number}",
            "html_url": f"{site.root}/{thread.repo}/pull/{thread.number}",
            "diff_url": f"{site.root}/{thread.repo}/pull/{thread.number}.diff",
            "patch_url": f"{site.root}/{thread.repo}/pull/{thread.number}.patch",
            "merged_at": stamp(thread.merged_at),
        }
    return data


def pull_json(
    site: Site,
    change: SandboxChange,
    *,
    base_repo: Json,
    head_repo: Json | None,
    base_sha: str,
    association: str,
    full: bool,
) -> Json:
    """A pull request; `full` adds what only `GET pulls/{n}` answers (merged, mergeable, ...)."""
    api = f"{site.api}/repos/{change.repo}"
    url = f"{api}/pulls/{change.number}"
    html = f"{site.root}/{change.repo}/pull/{change.number}"
    issue = f"{api}/issues/{change.number}"
    statuses = f"{api}/statuses/{change.head_sha}"
    head_owner = change.source_repo.rpartition("/")[0]
    base_owner = change.repo.rpartition("/")[0]
    data: Json = {
        "url": url,
        "id": change.id,
        "node_id": node_id("PullRequest", change.id),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": issue,
        "number": change.number,
        "state": "open" if change.state == "open" else "closed",
        "locked": False,
        "title": change.title,
        "user": user_json(site, change.author),
        "body": change.body,
        "created_at": stamp(change.created_at),
        "updated_at": stamp(change.updated_at),
        "closed_at": None if change.state == "open" else stamp(change.updated_at),
        "merged_at": stamp(change.merged_at),
        "merge_commit_sha": change.head_sha if change.state == "merged" else None,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "labels": [],
        "milestone": None,
        "draft": change.draft,
        "commits_url": f"{url}/commits",
        "review_comments_url": f"{url}/comments",
        "review_comment_url": f"{api}/pulls/comments{{/number}}",
        "comments_url": f"{issue}/comments",
        "statuses_url": statuses,
        "head": {
            "label": f"{head_owner}:{change.source_branch}",
            "ref": change.source_branch,
            "sha": change.head_sha,
            "user": user_json(site, head_owner),
            "repo": head_repo,
        },
        "base": {
            "label": f"{base_owner}:{change.target_branch}",
            "ref": change.target_branch,
            "sha": base_sha,
            "user": base_repo["owner"],
            "repo": base_repo,
        },
        "_links": {
            "self": {"href": url},
            "html": {"href": html},
            "issue": {"href": issue},
            "comments": {"href": f"{issue}/comments"},
            "review_comments": {"href": f"{url}/comments"},
            "review_comment": {"href": f"{api}/pulls/comments{{/number}}"},
            "commits": {"href": f"{url}/commits"},
            "statuses": {"href": statuses},
        },
        "author_association": association,
        "auto_merge": None,
        "active_lock_reason": None,
    }
    if full:
        merged = change.state == "merged"
        data.update(
            {
                "merged": merged,
                "mergeable": None if merged else True,
                "rebaseable": None if merged else True,
                "mergeable_state": "unknown" if merged else "clean",
                "merged_by": user_json(site, base_owner) if merged else None,
                "comments": 0,
                "review_comments": 0,
                "maintainer_can_modify": False,
                "commits": 0,
                "additions": 0,
                "deletions": 0,
                "changed_files": 0,
            }
        )
    return data
