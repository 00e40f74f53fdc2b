"""Turns GitHub answers, read through PyGithub's object model, into the forge vocabulary.

Objects are built `completed=True` from the JSON already fetched, so reading an attribute
never sends a request; these functions run in the adapter's worker threads all the same.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from github.Branch import Branch
from github.Commit import Commit as GhCommit
from github.ContentFile import ContentFile
from github.Issue import Issue as GhIssue
from github.IssueComment import IssueComment
from github.PullRequest import PullRequest
from github.Repository import Repository
from github.Requester import Requester

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
    Repo,
    RepoRef,
    TreeEntry,
)

Json = dict[str, Any]

_ENTRY_TYPES = {
    "file": EntryType.FILE,
    "dir": EntryType.DIR,
    "symlink": EntryType.LINK,
    "submodule": EntryType.SUBMODULE,
}
#: `role_name` first (it tells maintain and triage apart); `permission` is the legacy level
_PERMISSIONS = {
    "admin": Permission.ADMIN,
    "maintain": Permission.MAINTAIN,
    "write": Permission.WRITE,
    "triage": Permission.TRIAGE,
    "read": Permission.READ,
    "none": Permission.NONE,
}


def repo(requester: Requester, data: Json) -> Repo:
    found = Repository(requester, {}, data, completed=True)
    updated = found.updated_at
    # a push moves `pushed_at`; `updated_at` follows changes of the repository's settings
    if found.pushed_at is not None and found.pushed_at > updated:
        updated = found.pushed_at
    parent = found.parent
    return Repo(
        ref=RepoRef.parse(found.full_name),
        default_branch=found.default_branch,
        updated_at=_aware(updated),
        clone_url=found.clone_url,
        web_url=found.html_url,
        fork_of=RepoRef.parse(parent.full_name) if parent is not None else None,
    )


def branch(requester: Requester, data: Json) -> BranchHead:
    found = Branch(requester, {}, data)
    return BranchHead(found.name, found.commit.sha)


def content(requester: Requester, data: Json) -> ContentFile:
    return ContentFile(requester, {}, data, completed=True)


def file_bytes(found: ContentFile) -> bytes | None:
    """A file's bytes from the contents API, or None when GitHub left them out (files over
    1 MB come with `encoding: none`; read them as a git blob by `found.sha`)."""
    if found.encoding == "base64":
        return found.decoded_content
    if found.encoding == "none" or not found.content:
        return None
    raise ValueError(f"unknown content encoding {found.encoding!r}")


def blob_bytes(data: Json) -> bytes:
    if data.get("encoding") != "base64":
        raise ValueError(f"unknown blob encoding {data.get('encoding')!r}")
    return base64.b64decode(data["content"])


def entry(requester: Requester, data: Json) -> TreeEntry:
    found = content(requester, data)
    kind = _ENTRY_TYPES.get(found.type)
    if kind is None:
        raise ValueError(f"unknown entry type {found.type!r} of {found.path}")
    return TreeEntry(found.path, kind, found.size if kind is EntryType.FILE else None)


def commit(requester: Requester, data: Json) -> Commit:
    found = GhCommit(requester, {}, data, completed=True)
    git = found.commit
    message = git.message
    return Commit(
        sha=found.sha,
        title=message.split("\n", 1)[0],
        message=message,
        author_name=git.author.name,
        author_email=git.author.email,
        authored_at=_aware(git.author.date),
    )


def change(requester: Requester, data: Json) -> ChangeRequest:
    found = PullRequest(requester, {}, data, completed=True)
    target = RepoRef.parse(found.base.repo.full_name)
    head_repo = found.head.repo
    if head_repo is not None:
        source = RepoRef.parse(head_repo.full_name)
    else:
        # the fork is gone; its owner still shows in the head's label "owner:branch"
        source = RepoRef(found.head.label.partition(":")[0], target.name)
    if found.state == "open":
        state = ChangeState.OPEN
    else:
        # list answers carry no `merged`; `merged_at` is in both
        state = ChangeState.MERGED if found.merged_at is not None else ChangeState.CLOSED
    return ChangeRequest(
        number=found.number,
        title=found.title,
        body=found.body or "",
        state=state,
        author=found.user.login,
        source=source,
        source_branch=found.head.ref,
        target=target,
        target_branch=found.base.ref,
        url=found.html_url,
        created_at=_aware(found.created_at),
        updated_at=_aware(found.updated_at),
        draft=bool(found.draft),
        head_sha=found.head.sha,
    )


def comment(found: IssueComment) -> Comment:
    return Comment(
        id=str(found.id),
        author=found.user.login,
        body=found.body or "",
        created_at=_aware(found.created_at),
        updated_at=_aware(found.updated_at),
        url=found.html_url,
    )


def comment_from(requester: Requester, data: Json) -> Comment:
    return comment(IssueComment(requester, {}, data, completed=True))


def is_pull_request(data: Json) -> bool:
    """GitHub's issue lists include pull requests, marked by a `pull_request` key."""
    return data.get("pull_request") is not None


def issue(found: GhIssue) -> Issue:
    return Issue(
        number=found.number,
        title=found.title,
        body=found.body or "",
        state=IssueState.OPEN if found.state == "open" else IssueState.CLOSED,
        author=found.user.login,
        url=found.html_url,
        created_at=_aware(found.created_at),
        updated_at=_aware(found.updated_at),
    )


def issue_from(requester: Requester, data: Json) -> Issue:
    return issue(GhIssue(requester, {}, data, completed=True))


def permission(data: Json) -> Permission:
    for key in ("role_name", "permission"):
        found = _PERMISSIONS.get(str(data.get(key, "")).lower())
        if found is not None:
            return found
    # a custom role without a known base level: claim nothing
    return Permission.NONE


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {moment.isoformat()} carries no time zone")
    return moment
