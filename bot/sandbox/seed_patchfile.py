"""Writes a fix as the patch files packagers really carry: `git format-patch` mails (some with
a Yocto `Upstream-Status:`), DEP-3 headed quilt patches, and bare `diff -u` output.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from enum import StrEnum

from bot.sandbox.gitstore import Author
from bot.sandbox.seed_diff import FileEdit, bare_diff, diffstat, git_diff


class PatchFormat(StrEnum):
    FORMAT_PATCH = "format-patch"
    DEP3 = "dep3"
    BARE = "bare"


@dataclass(frozen=True, slots=True)
class Header:
    """What a patch says about itself besides its diff."""

    subject: str
    body: str
    author: Author
    when: datetime
    #: a Yocto `Upstream-Status:` value ("Pending", "Submitted [url]", "Backport [url]", ...)
    upstream_status: str | None = None
    #: DEP-3 `Origin:` and `Forwarded:` values
    origin: str | None = None
    forwarded: str | None = None
    #: trailers after the body ("Resolves: RHEL-1234", "(cherry picked from commit ...)")
    trailers: tuple[str, ...] = ()
    #: the commit a `format-patch` mail says it was made from
    commit: str | None = None


def patch_bytes(
    fmt: PatchFormat,
    header: Header,
    files: Mapping[str, str],
    edits: Sequence[FileEdit],
    *,
    root: str,
) -> bytes:
    """The patch file; `files` are the project files the edits apply to, `root` the
    directory name a bare diff uses (`name-version`)."""
    match fmt:
        case PatchFormat.FORMAT_PATCH:
            return _format_patch(header, files, edits).encode()
        case PatchFormat.DEP3:
            return _dep3(header, files, edits, root=root).encode()
        case _:
            return bare_diff(files, edits, root=root, when=header.when).encode()


def fake_commit(*parts: str) -> str:
    """A stable commit-looking id for mails made from commits the world does not hold."""
    return hashlib.sha1("\0".join(parts).encode(), usedforsecurity=False).hexdigest()


def _format_patch(header: Header, files: Mapping[str, str], edits: Sequence[FileEdit]) -> str:
    commit = header.commit or fake_commit(header.subject, header.author.email)
    lines = [
        f"From {commit} Mon Sep 17 00:00:00 2001",
        f"From: {header.author.name} <{header.author.email}>",
        f"Date: {format_datetime(header.when)}",
        f"Subject: [PATCH] {header.subject}",
        "",
        header.body,
    ]
    trailers = list(header.trailers)
    if header.upstream_status:
        trailers.append(f"Upstream-Status: {header.upstream_status}")
    if trailers:
        lines += ["", *trailers]
    lines += ["---", diffstat(edits).rstrip("\n"), "", git_diff(files, edits).rstrip("\n")]
    lines += ["-- ", "2.43.0", "", ""]
    return "\n".join(lines)


def _dep3(header: Header, files: Mapping[str, str], edits: Sequence[FileEdit], *, root: str) -> str:
    lines = [
        f"Description: {header.subject}",
        f" {header.body}",
        f"Author: {header.author.name} <{header.author.email}>",
    ]
    if header.origin:
        lines.append(f"Origin: {header.origin}")
    if header.forwarded:
        lines.append(f"Forwarded: {header.forwarded}")
    if header.upstream_status:
        lines.append(f"Upstream-Status: {header.upstream_status}")
    lines += [f"Last-Update: {header.when:%Y-%m-%d}", "---", ""]
    return "\n".join(lines) + bare_diff(files, edits, root=root, when=header.when)
