"""Reads GitLab v4 JSON (projects, merge requests, notes, issues, commits, trees, diffs) into
the forge vocabulary; pure functions, no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from bot.forges.base import (
    BranchHead,
    ChangeRequest,
    ChangeState,
    Comment,
    Commit,
    EntryType,
    Issue,
    IssueState,
    Permission,
    Reaction,
    Repo,
    RepoRef,
    ThreadKind,
    TreeEntry,
)

Json = Mapping[str, Any]

#: GitLab marks a draft merge request by a title prefix; its API strips none of them
_DRAFT_PREFIX = re.compile(r"^\s*(?:\[draft\]|\(draft\)|draft:|draft\s+-)\s*", re.IGNORECASE)

#: merge request states in GitLab's words; "locked" is a short-lived state while merging
_CHANGE_STATES = {
    "opened": ChangeState.OPEN,
    "locked": ChangeState.OPEN,
    "closed": ChangeState.CLOSED,
    "merged": ChangeState.MERGED,
}
CHANGE_STATE_QUERY = {
    ChangeState.OPEN: "opened",
    ChangeState.CLOSED: "closed",
    ChangeState.MERGED: "merged",
}
ISSUE_STATE_QUERY = {IssueState.OPEN: "opened", IssueState.CLOSED: "closed"}

#: award emoji names GitLab uses for the bot's reactions
EMOJI = {
    Reaction.SEEN: "eyes",
    Reaction.DONE: "thumbsup",
    Reaction.REFUSED: "thumbsdown",
    Reaction.CONFUSED: "confused",
}

#: GitLab access levels: 5 minimal (cannot see the code), 10 guest, 15 planner, 20 reporter,
#: 30 developer, 40 maintainer, 50 owner
_ACCESS = ((50, Permission.ADMIN), (40, Permission.MAINTAIN), (30, Permission.WRITE))
_ACCESS_LOW = ((15, Permission.TRIAGE), (10, Permission.READ))

#: path segment of each thread kind in GitLab's web and API URLs
THREAD_SEGMENT = {ThreadKind.ISSUE: "issues", ThreadKind.CHANGE: "merge_requests"}


class Unreadable(ValueError):
    """An answer lacks a field the adapter needs, or holds one it cannot read."""


def when(value: object, *, field: str) -> datetime:
    """A GitLab timestamp ("2019-09-10T14:03:24.365Z" or with an offset) as an aware datetime."""
    if not isinstance(value, str):
        raise Unreadable(f"field {field!r} is {value!r}, not a timestamp")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise Unreadable(f"field {field!r}: {value!r} is not an ISO 8601 timestamp") from error
    if parsed.tzinfo is None:
        raise Unreadable(f"field {field!r}: {value!r} has no time zone")
    return parsed


def _text(data: Json, field: str) -> str:
    value = data.get(field)
    if not isinstance(value, str):
        raise Unreadable(f"field {field!r} is {value!r}, not text")
    return value


def _number(data: Json, field: str) -> int:
    value = data.get(field)
    if not isinstance(value, int) or isinstance(value, bool):
        raise Unreadable(f"field {field!r} is {value!r}, not a number")
    return value


def _username(data: Json, field: str = "author") -> str:
    user = data.get(field)
    if not isinstance(user, Mapping):
        raise Unreadable(f"field {field!r} is {user!r}, not a user")
    return _text(user, "username")


def repo(data: Json) -> Repo:
    """A project: its last update is the newer of `last_activity_at` (pushes, merge requests,
    issues; GitLab refreshes it at most hourly) and `updated_at` (the project's own record)."""
    stamps = [when(data[f], field=f) for f in ("last_activity_at", "updated_at") if data.get(f)]
    if not stamps:
        raise Unreadable("project has no 'last_activity_at' or 'updated_at' field")
    parent = data.get("forked_from_project")
    fork_of = None
    if isinstance(parent, Mapping):
        fork_of = RepoRef.parse(_text(parent, "path_with_namespace"))
    return Repo(
        ref=RepoRef.parse(_text(data, "path_with_namespace")),
        # an empty repository has no default branch yet
        default_branch=data.get("default_branch") or "",
        updated_at=max(stamps),
        clone_url=_text(data, "http_url_to_repo"),
        web_url=_text(data, "web_url"),
        fork_of=fork_of,
    )


def branch(data: Json) -> BranchHead:
    commit = data.get("commit")
    if not isinstance(commit, Mapping):
        raise Unreadable(f"branch {data.get('name')!r} has no commit")
    return BranchHead(_text(data, "name"), _text(commit, "id"))


def tree_entry(data: Json) -> TreeEntry:
    kind = _text(data, "type")
    if kind == "tree":
        entry = EntryType.DIR
    elif kind == "commit":
        entry = EntryType.SUBMODULE
    elif kind == "blob":
        entry = EntryType.LINK if data.get("mode") == "120000" else EntryType.FILE
    else:
        raise Unreadable(f"tree entry {data.get('path')!r} has unknown type {kind!r}")
    # the tree API gives no sizes
    return TreeEntry(_text(data, "path"), entry)


def commit(data: Json) -> Commit:
    message = data.get("message") or _text(data, "title")
    return Commit(
        sha=_text(data, "id"),
        title=_text(data, "title"),
        message=message.rstrip("\n"),
        author_name=_text(data, "author_name"),
        author_email=_text(data, "author_email"),
        authored_at=when(data.get("authored_date"), field="authored_date"),
    )


def is_draft(data: Json) -> bool:
    title = data.get("title") or ""
    return bool(
        data.get("draft") or data.get("work_in_progress") or _DRAFT_PREFIX.match(str(title))
    )


def undrafted(title: str) -> str:
    """The title without GitLab's draft prefix: the draft flag says it already."""
    return _DRAFT_PREFIX.sub("", title, count=1)


def change(data: Json, *, target: RepoRef, source: RepoRef) -> ChangeRequest:
    """A merge request; GitLab gives its projects as numeric ids, so the caller resolves them."""
    state = _text(data, "state")
    if state not in _CHANGE_STATES:
        raise Unreadable(f"merge request !{data.get('iid')} has unknown state {state!r}")
    return ChangeRequest(
        number=_number(data, "iid"),
        title=undrafted(_text(data, "title")),
        body=data.get("description") or "",
        state=_CHANGE_STATES[state],
        author=_username(data),
        source=source,
        source_branch=_text(data, "source_branch"),
        target=target,
        target_branch=_text(data, "target_branch"),
        url=_text(data, "web_url"),
        created_at=when(data.get("created_at"), field="created_at"),
        updated_at=when(data.get("updated_at"), field="updated_at"),
        draft=is_draft(data),
        head_sha=data.get("sha") or None,
    )


def issue(data: Json) -> Issue:
    state = _text(data, "state")
    if state not in ("opened", "closed"):
        raise Unreadable(f"issue #{data.get('iid')} has unknown state {state!r}")
    return Issue(
        number=_number(data, "iid"),
        title=_text(data, "title"),
        body=data.get("description") or "",
        state=IssueState.OPEN if state == "opened" else IssueState.CLOSED,
        author=_username(data),
        url=_text(data, "web_url"),
        created_at=when(data.get("created_at"), field="created_at"),
        updated_at=when(data.get("updated_at"), field="updated_at"),
    )


def comment(data: Json, *, thread_url: str) -> Comment:
    """A note; notes carry no URL of their own, the web page anchors them as `#note_<id>`."""
    number = _number(data, "id")
    return Comment(
        id=str(number),
        author=_username(data),
        body=data.get("body") or "",
        created_at=when(data.get("created_at"), field="created_at"),
        updated_at=when(data.get("updated_at"), field="updated_at"),
        url=f"{thread_url}#note_{number}",
    )


def permission(access_level: object) -> Permission:
    if not isinstance(access_level, int):
        raise Unreadable(f"access_level is {access_level!r}, not a number")
    for floor, meaning in _ACCESS + _ACCESS_LOW:
        if access_level >= floor:
            return meaning
    return Permission.NONE


#: git's name for "no blob" on an `index` line of an added or deleted file
NO_BLOB = "0" * 40


def is_binary(item: Json) -> bool:
    return str(item.get("diff") or "").startswith("Binary files ")


def unified_diff(
    items: Iterable[Json], *, blobs: Mapping[tuple[str, str], tuple[str, str]] | None = None
) -> bytes:
    """Rebuild `git diff --full-index` output from GitLab's per-file diffs (hunks only, no
    headers). GitLab gives no blob names, but git's patch id of a binary file is made of
    them: `blobs` maps (old path, new path) of each binary file to its (old, new) blob names,
    which become its `index` line.

    Raises Unreadable when GitLab left a file's diff out for being too large: a partial diff
    would give the change a wrong identity.
    """
    parts: list[str] = []
    for item in items:
        old, new = _text(item, "old_path"), _text(item, "new_path")
        if item.get("too_large"):
            raise Unreadable(f"GitLab left out the diff of {new!r} as too large")
        parts.append(_file_diff(item, old, new, (blobs or {}).get((old, new))))
    return "".join(parts).encode("utf-8")


def _file_diff(item: Json, old: str, new: str, blob_names: tuple[str, str] | None) -> str:
    a_mode, b_mode = str(item.get("a_mode") or ""), str(item.get("b_mode") or "")
    added, deleted = bool(item.get("new_file")), bool(item.get("deleted_file"))
    lines = [f"diff --git a/{old} b/{new}"]
    if added:
        lines.append(f"new file mode {b_mode}")
    elif deleted:
        lines.append(f"deleted file mode {a_mode}")
    elif a_mode and b_mode and a_mode != b_mode:
        lines += [f"old mode {a_mode}", f"new mode {b_mode}"]
    hunks = str(item.get("diff") or "")
    if item.get("renamed_file"):
        # git's patch id hashes the similarity line; only a pure move's is known (100%)
        lines += ["similarity index 100%"] if not hunks else []
        lines += [f"rename from {old}", f"rename to {new}"]
    if blob_names and is_binary(item):
        same_mode = not (added or deleted) and a_mode == b_mode
        mode = f" {a_mode}" if same_mode else ""
        lines.append(f"index {blob_names[0]}..{blob_names[1]}{mode}")
    before = "/dev/null" if added else f"a/{old}"
    after = "/dev/null" if deleted else f"b/{new}"
    header = "\n".join(lines) + "\n"
    if not hunks:
        return header
    if hunks.startswith("Binary files "):
        # GitLab names the files without git's a/ b/ prefixes
        return f"{header}Binary files {before} and {after} differ\n"
    if not hunks.endswith("\n"):
        hunks += "\n"
    return f"{header}--- {before}\n+++ {after}\n{hunks}"
