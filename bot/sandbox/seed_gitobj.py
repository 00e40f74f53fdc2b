"""Computes the ids git gives to blobs, trees and commits, so a seed plan knows every sha
(the upstream commit a backport names, the head of a merge request) before git writes it.

The writer checks each id against what `git fast-import` reports, so a drift between the
two is a loud error, never a silently wrong truth.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime

FILE_MODE = b"100644"
TREE_MODE = b"40000"


def _object_id(kind: bytes, body: bytes) -> bytes:
    return hashlib.sha1(b"%s %d\0%s" % (kind, len(body), body), usedforsecurity=False).digest()


def blob_id(data: bytes) -> str:
    return _object_id(b"blob", data).hex()


def tree_id(files: Mapping[str, bytes]) -> str:
    """The id of the tree holding `files` (path -> content, regular files only)."""
    return _tree(files).hex()


def _tree(files: Mapping[str, bytes]) -> bytes:
    blobs: dict[bytes, bytes] = {}
    subtrees: dict[bytes, dict[str, bytes]] = {}
    for path, data in files.items():
        head, slash, rest = path.partition("/")
        if slash:
            subtrees.setdefault(head.encode(), {})[rest] = data
        else:
            blobs[head.encode()] = _object_id(b"blob", data)
    entries = [(name, FILE_MODE, oid) for name, oid in blobs.items()]
    entries += [(name, TREE_MODE, _tree(sub)) for name, sub in subtrees.items()]
    # git orders entries by name, a tree's name as if it ended with "/"
    entries.sort(key=lambda e: e[0] + (b"/" if e[1] == TREE_MODE else b""))
    body = b"".join(b"%s %s\0%s" % (mode, name, oid) for name, mode, oid in entries)
    return _object_id(b"tree", body)


def ident(name: str, email: str, when: datetime) -> str:
    """An author or committer line's value, in UTC as the sandbox writes every date."""
    return f"{name} <{email}> {int(when.timestamp())} +0000"


def commit_id(
    tree: str, parents: Sequence[str], *, author: str, committer: str, message: str
) -> str:
    lines = [f"tree {tree}", *(f"parent {p}" for p in parents)]
    lines += [f"author {author}", f"committer {committer}", "", ""]
    body = "\n".join(lines).encode("utf-8") + message.encode("utf-8")
    return _object_id(b"commit", body).hex()
