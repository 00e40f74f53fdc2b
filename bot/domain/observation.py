"""What the scanner observed in one target for one package: the facts `decide_status` judges.

Everything here is already read and identified (patch ids, content ids, hunk ids, digests):
the observation holds no bytes of diffs beyond what a comparison needs, and no I/O handles.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.model import Target


class RequestState(StrEnum):
    """Where a change request stands on its forge."""

    OPEN = "open"
    CLOSED = "closed"
    MERGED = "merged"


@dataclass(frozen=True, slots=True)
class ObservedFile:
    """One file of the target's tree, or one a change request adds, with its identities."""

    name: str
    #: sha256 hex of the file's bytes
    digest: str
    patch_id: str | None = None
    content_id: str | None = None
    #: hunk ids (`bot.domain.hunks.hunk_ids`) when the file is a patch
    hunks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ObservedRequest:
    """A merge/pull request found in the target repository."""

    number: int
    state: RequestState
    url: str = ""
    title: str = ""
    body: str = ""
    source_branch: str = ""
    head_sha: str | None = None
    #: patch id of the request's whole diff (project pull requests)
    patch_id: str | None = None
    #: hunk ids of the request's whole diff
    hunks: tuple[str, ...] = ()
    #: the patch files the request adds or changes (dist-git merge requests)
    files: tuple[ObservedFile, ...] = ()


@dataclass(frozen=True, slots=True)
class UpstreamCommit:
    """One commit of the original project's history (any branch)."""

    sha: str
    patch_id: str | None
    branch: str = ""
    hunks: tuple[str, ...] = ()


class UrlState(StrEnum):
    """What a URL declared in a patch header turned out to be."""

    MERGED = "merged"
    OPEN = "open"
    CLOSED = "closed"
    #: a commit that exists in the project
    COMMIT = "commit"
    #: the forge answered that nothing is there
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class UrlResolution:
    """A declared URL and what the scanner found behind it."""

    url: str
    state: UrlState
    number: int | None = None
    sha: str | None = None


@dataclass(frozen=True, slots=True)
class TargetObservation:
    """Everything the scanner saw in one target branch that bears on one package's changes."""

    target: Target
    #: `c9s`, `rawhide`, `main`
    branch: str
    #: the target branch's files by name (patch files, sources); empty if not read
    files: tuple[ObservedFile, ...] = ()
    #: the target branch's spec text, for spec edits
    spec_text: str | None = None
    requests: tuple[ObservedRequest, ...] = ()
    #: the original project's commits (only for `Target.PROJECT`)
    commits: tuple[UpstreamCommit, ...] = ()
    #: URLs the change's patch header declared, resolved; keyed by the URL as written
    urls: tuple[UrlResolution, ...] = ()
    #: the repository, for reasons ("redhat/centos-stream/rpms/bash")
    repo: str = ""
