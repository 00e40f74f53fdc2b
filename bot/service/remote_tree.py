"""Reads a dist-git tree through a forge's API (no clone): the files the analysis needs."""

from __future__ import annotations

import asyncio

from bot.domain.distgit_model import Tree
from bot.forges.base import EntryType, Forge, RepoRef

#: Folders below the top that hold what the analysis reads (the SPECS/ + SOURCES/ layout).
_FOLDERS = frozenset({"SPECS", "SOURCES"})
#: Files larger than this are not fetched (tarballs committed by mistake).
MAX_FILE_BYTES = 8 * 1024 * 1024


async def read_remote_tree(forge: Forge, repo: RepoRef, *, ref: str) -> Tree:
    """The top level, `SPECS/` and `SOURCES/` of `repo` at `ref`, fetched concurrently
    (the forge adapter's own limits bound how many requests run at once)."""
    top = await forge.list_dir(repo, "", ref=ref)
    folders = [e.path for e in top if e.type is EntryType.DIR and e.path in _FOLDERS]
    inner = await asyncio.gather(*(forge.list_dir(repo, f, ref=ref) for f in folders))
    entries = [*top, *(entry for listing in inner for entry in listing)]
    files = [
        e.path
        for e in entries
        if e.type is EntryType.FILE and (e.size is None or e.size <= MAX_FILE_BYTES)
    ]
    contents = await asyncio.gather(*(forge.read_file(repo, p, ref=ref) for p in files))
    return dict(zip(files, contents, strict=True))
