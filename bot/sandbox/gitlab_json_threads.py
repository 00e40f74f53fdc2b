"""The World's merge requests, issues, notes and award emoji in GitLab v4's JSON."""

from __future__ import annotations

import zlib

from bot.sandbox.gitlab_json import FORGE, Json, stamp, user
from bot.sandbox.world import SandboxChange, SandboxComment, SandboxIssue, World

#: the World spells reactions GitHub's way; GitLab names its emoji
EMOJI_TO_WORLD = {"thumbsup": "+1", "thumbsdown": "-1"}
WORLD_TO_EMOJI = {world: gitlab for gitlab, world in EMOJI_TO_WORLD.items()}
_STATES = {"open": "opened", "closed": "closed", "merged": "merged"}


def merge_request(world: World, change: SandboxChange, origin: str) -> Json:
    target = world.repo(FORGE, change.repo)
    source = world.repo(FORGE, change.source_repo)
    merged = change.state == "merged"
    closed = change.state == "closed"
    return {
        "id": change.id,
        "iid": change.number,
        "project_id": target.id,
        "title": change.title,
        "description": change.body,
        "state": _STATES[change.state],
        "created_at": stamp(change.created_at),
        "updated_at": stamp(change.updated_at),
        "merged_by": None,
        "merge_user": None,
        "merged_at": stamp(change.merged_at) if merged else None,
        "closed_by": None,
        "closed_at": stamp(change.updated_at) if closed else None,
        "target_branch": change.target_branch,
        "source_branch": change.source_branch,
        "user_notes_count": len(world.comments(FORGE, change.repo, "change", change.number)),
        "upvotes": 0,
        "downvotes": 0,
        "author": user(world, change.author, origin),
        "assignees": [],
        "assignee": None,
        "reviewers": [],
        "source_project_id": source.id,
        "target_project_id": target.id,
        "labels": [],
        "draft": change.draft,
        "work_in_progress": change.draft,
        "milestone": None,
        "merge_when_pipeline_succeeds": False,
        "merge_status": "can_be_merged",
        "detailed_merge_status": "mergeable",
        "sha": change.head_sha,
        "merge_commit_sha": None,
        "squash_commit_sha": None,
        "discussion_locked": None,
        "should_remove_source_branch": None,
        "force_remove_source_branch": False,
        "reference": f"!{change.number}",
        "references": {
            "short": f"!{change.number}",
            "relative": f"!{change.number}",
            "full": f"{change.repo}!{change.number}",
        },
        "web_url": f"{origin}/{change.repo}/-/merge_requests/{change.number}",
        "squash": False,
        "task_completion_status": {"count": 0, "completed_count": 0},
        "has_conflicts": False,
        "blocking_discussions_resolved": True,
    }


def issue(world: World, found: SandboxIssue, origin: str) -> Json:
    repo = world.repo(FORGE, found.repo)
    url = f"{origin}/{found.repo}/-/issues/{found.number}"
    api = f"{origin}/api/v4/projects/{repo.id}/issues/{found.number}"
    return {
        "id": found.id,
        "iid": found.number,
        "project_id": repo.id,
        "title": found.title,
        "description": found.body,
        "state": "opened" if found.state == "open" else "closed",
        "created_at": stamp(found.created_at),
        "updated_at": stamp(found.updated_at),
        "closed_at": stamp(found.updated_at) if found.state == "closed" else None,
        "closed_by": None,
        "labels": [],
        "milestone": None,
        "assignees": [],
        "assignee": None,
        "author": user(world, found.author, origin),
        "type": "ISSUE",
        "issue_type": "issue",
        "user_notes_count": len(world.comments(FORGE, found.repo, "issue", found.number)),
        "merge_requests_count": 0,
        "upvotes": 0,
        "downvotes": 0,
        "due_date": None,
        "confidential": False,
        "discussion_locked": None,
        "web_url": url,
        "references": {
            "short": f"#{found.number}",
            "relative": f"#{found.number}",
            "full": f"{found.repo}#{found.number}",
        },
        "_links": {
            "self": api,
            "notes": f"{api}/notes",
            "project": f"{origin}/api/v4/projects/{repo.id}",
        },
    }


def note(world: World, found: SandboxComment, origin: str) -> Json:
    if found.kind == "issue":
        noteable_id, noteable_type = world.issue(FORGE, found.repo, found.number).id, "Issue"
    else:
        noteable_id = world.change(FORGE, found.repo, found.number).id
        noteable_type = "MergeRequest"
    return {
        "id": found.id,
        "type": None,
        "body": found.body,
        "attachment": None,
        "author": user(world, found.author, origin),
        "created_at": stamp(found.created_at),
        "updated_at": stamp(found.updated_at),
        "system": False,
        "noteable_id": noteable_id,
        "noteable_type": noteable_type,
        "resolvable": False,
        "confidential": False,
        "internal": False,
        "noteable_iid": found.number,
        "commands_changes": {},
    }


def award(world: World, found: SandboxComment, who: str, name: str, origin: str) -> Json:
    spelled = WORLD_TO_EMOJI.get(name, name)
    return {
        "id": zlib.crc32(f"{found.id}:{who}:{name}".encode()) % 9_000_000 + 1,
        "name": spelled,
        "user": user(world, who, origin),
        "created_at": stamp(found.updated_at),
        "updated_at": stamp(found.updated_at),
        "awardable_id": found.id,
        "awardable_type": "Note",
    }
