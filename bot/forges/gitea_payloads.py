"""What Gitea/Forgejo JSON objects mean in the forge vocabulary: repositories, branches,
entries, commits, pull requests, issues, comments and permissions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

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
from bot.forges.errors import Invalid

T = TypeVar("T")

#: Gitea's default `[repository.pull-request] WORK_IN_PROGRESS_PREFIXES`: a draft is a title prefix
WIP_PREFIXES = ("WIP:", "[WIP]")

_ENTRY_TYPES = {
    "file": EntryType.FILE,
    "dir": EntryType.DIR,
    "symlink": EntryType.LINK,
    "submodule": EntryType.SUBMODULE,
}
#: Gitea access modes; "owner" is the namespace's owner, which we count as admin
_PERMISSIONS = {
    "none": Permission.NONE,
    "read": Permission.READ,
    "write": Permission.WRITE,
    "admin": Permission.ADMIN,
    "owner": Permission.ADMIN,
}


def decode(forge: str, doing: str, parse: Callable[[Any], T], data: Any) -> T:
    """`parse(data)`, with a malformed object reported as `Invalid` naming the request."""
    try:
        return parse(data)
    except (KeyError, TypeError, ValueError, AttributeError) as failure:
        raise Invalid(
            forge, f"{doing}: unexpected answer ({type(failure).__name__}: {failure})"
        ) from None


def when(value: str) -> datetime:
    """A Gitea timestamp (RFC 3339, `Z` or an offset) as an aware UTC datetime."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without a time zone: {value!r}")
    return moment.astimezone(UTC)


def stamp(moment: datetime) -> str:
    """The RFC 3339 form Gitea's `since`/`before` parameters take."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def repo_ref(data: dict[str, Any]) -> RepoRef:
    return RepoRef.parse(data["full_name"])


def repo(data: dict[str, Any]) -> Repo:
    parent = data.get("parent")
    return Repo(
        ref=repo_ref(data),
        default_branch=data["default_branch"],
        updated_at=when(data["updated_at"]),
        clone_url=data["clone_url"],
        web_url=data["html_url"],
        fork_of=repo_ref(parent) if data.get("fork") and parent else None,
    )


def branch(data: dict[str, Any]) -> BranchHead:
    return BranchHead(name=data["name"], sha=data["commit"]["id"])


def entry(data: dict[str, Any]) -> TreeEntry:
    kind = _ENTRY_TYPES[data["type"]]
    size = data.get("size")
    return TreeEntry(path=data["path"], type=kind, size=size if kind is EntryType.FILE else None)


def commit(data: dict[str, Any]) -> Commit:
    inner = data["commit"]
    message = inner["message"].rstrip("\n")
    author = inner["author"]
    return Commit(
        sha=data["sha"],
        title=message.split("\n", 1)[0],
        message=message,
        author_name=author["name"],
        author_email=author["email"],
        authored_at=when(author["date"]),
    )


def split_wip(title: str, prefixes: Sequence[str] = WIP_PREFIXES) -> tuple[str, bool]:
    """The title without a work-in-progress prefix, and whether it had one (Gitea compares
    prefixes case-insensitively)."""
    for prefix in prefixes:
        if title.upper().startswith(prefix.upper()):
            return title[len(prefix) :].lstrip(), True
    return title, False


def change(data: dict[str, Any], *, wip_prefixes: Sequence[str] = WIP_PREFIXES) -> ChangeRequest:
    title, wip = split_wip(data["title"], wip_prefixes)
    base, head = data["base"], data["head"]
    target = repo_ref(base["repo"])
    # Gitea drops `head.repo` once the fork is deleted; the change still targets `target`
    source = repo_ref(head["repo"]) if head.get("repo") else target
    if data.get("merged"):
        state = ChangeState.MERGED
    elif data["state"] == "open":
        state = ChangeState.OPEN
    else:
        state = ChangeState.CLOSED
    return ChangeRequest(
        number=int(data["number"]),
        title=title,
        body=data.get("body") or "",
        state=state,
        author=data["user"]["login"],
        source=source,
        source_branch=head["ref"],
        target=target,
        target_branch=base["ref"],
        url=data["html_url"],
        created_at=when(data["created_at"]),
        updated_at=when(data["updated_at"]),
        draft=bool(data.get("draft")) or wip,
        head_sha=head.get("sha") or None,
    )


def issue(data: dict[str, Any]) -> Issue:
    return Issue(
        number=int(data["number"]),
        title=data["title"],
        body=data.get("body") or "",
        state=IssueState.OPEN if data["state"] == "open" else IssueState.CLOSED,
        author=data["user"]["login"],
        url=data["html_url"],
        created_at=when(data["created_at"]),
        updated_at=when(data["updated_at"]),
    )


def comment(data: dict[str, Any]) -> Comment:
    return Comment(
        id=str(data["id"]),
        author=data["user"]["login"],
        body=data.get("body") or "",
        created_at=when(data["created_at"]),
        updated_at=when(data["updated_at"]),
        url=data["html_url"],
    )


def permission(data: dict[str, Any]) -> Permission:
    return _PERMISSIONS[data["permission"]]


def login(data: dict[str, Any]) -> str:
    return data["login"]


def owner_id(data: dict[str, Any]) -> int:
    """The id of an organization or user (`/repos/search` filters by it)."""
    return int(data["id"])
