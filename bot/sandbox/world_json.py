"""How the sandbox's records are written to and read from `state.json`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from bot.sandbox.world_records import (
    ForgeRecords,
    SandboxChange,
    SandboxComment,
    SandboxIssue,
    SandboxRepo,
    User,
)


def json_default(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__}")


def dump(forge: ForgeRecords) -> dict[str, Any]:
    return {
        "users": [asdict(u) for u in forge.users.values()],
        "repos": [asdict(r) for r in forge.repos.values()],
        "changes": [asdict(c) for c in forge.changes.values()],
        "issues": [asdict(i) for i in forge.issues.values()],
        "comments": [asdict(c) for c in forge.comments.values()],
        "next_id": forge.next_id,
    }


def load(data: dict[str, Any]) -> ForgeRecords:
    forge = ForgeRecords(next_id=data["next_id"])
    for user in data["users"]:
        forge.users[user["name"]] = User(**user)
    for repo in data["repos"]:
        forge.repos[repo["path"]] = SandboxRepo(**_dates(repo, "created_at", "updated_at"))
    for change in data["changes"]:
        loaded = SandboxChange(**_dates(change, "created_at", "updated_at", "merged_at"))
        forge.changes[f"{loaded.repo}#{loaded.number}"] = loaded
    for issue in data["issues"]:
        loaded_issue = SandboxIssue(**_dates(issue, "created_at", "updated_at"))
        forge.issues[f"{loaded_issue.repo}#{loaded_issue.number}"] = loaded_issue
    for comment in data["comments"]:
        values = _dates(comment, "created_at", "updated_at")
        values["reactions"] = [tuple(pair) for pair in values["reactions"]]
        forge.comments[comment["id"]] = SandboxComment(**values)
    return forge


def _dates(values: dict[str, Any], *names: str) -> dict[str, Any]:
    result = dict(values)
    for name in names:
        if result.get(name):
            result[name] = datetime.fromisoformat(result[name]).astimezone(UTC)
    return result
