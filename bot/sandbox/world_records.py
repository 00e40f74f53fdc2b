"""The records the sandbox keeps per forge: users, repositories, change requests, issues,
comments."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

FORGES = ("gitea", "gitlab", "pagure", "github")
ROLES = ("read", "triage", "write", "maintain", "admin")

Clock = Callable[[], datetime]


class WorldError(LookupError):
    """Something the sandbox does not hold; API servers turn it into the forge's 404."""


@dataclass(slots=True)
class User:
    name: str
    email: str
    token: str
    admin: bool = False


@dataclass(slots=True)
class SandboxRepo:
    forge: str
    path: str  # "rpms/bash", "redhat/centos-stream/rpms/bash"
    default_branch: str
    created_at: datetime
    updated_at: datetime
    fork_of: str | None = None
    #: user -> one of ROLES; the namespace's owner is admin implicitly
    members: dict[str, str] = field(default_factory=dict)
    id: int = 0

    @property
    def namespace(self) -> str:
        return self.path.rpartition("/")[0]

    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2]


@dataclass(slots=True)
class SandboxChange:
    forge: str
    repo: str
    number: int
    title: str
    body: str
    author: str
    source_repo: str
    source_branch: str
    target_branch: str
    created_at: datetime
    updated_at: datetime
    state: str = "open"  # open, closed, merged
    draft: bool = False
    merged_at: datetime | None = None
    head_sha: str | None = None
    id: int = 0


@dataclass(slots=True)
class SandboxIssue:
    forge: str
    repo: str
    number: int
    title: str
    body: str
    author: str
    created_at: datetime
    updated_at: datetime
    state: str = "open"
    id: int = 0


@dataclass(slots=True)
class SandboxComment:
    id: int
    forge: str
    repo: str
    kind: str  # "issue" or "change"
    number: int
    author: str
    body: str
    created_at: datetime
    updated_at: datetime
    #: (user, reaction) pairs, reactions in GitHub's spelling ("+1", "eyes", ...)
    reactions: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class ForgeRecords:
    """Everything one sandbox forge holds besides git."""

    users: dict[str, User] = field(default_factory=dict)
    repos: dict[str, SandboxRepo] = field(default_factory=dict)
    changes: dict[str, SandboxChange] = field(default_factory=dict)  # "path#number"
    issues: dict[str, SandboxIssue] = field(default_factory=dict)  # "path#number"
    comments: dict[int, SandboxComment] = field(default_factory=dict)
    next_id: int = 1
