"""Reads a dist-git checkout or an autopatch config directory from the local disk into memory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Files larger than this are left out (tarballs committed by mistake); a warning says so.
MAX_FILE_BYTES = 32 * 1024 * 1024


class LocalTreeError(ValueError):
    """A directory that cannot be read as a tree."""


@dataclass(frozen=True, slots=True)
class LocalTree:
    files: dict[str, bytes]
    warnings: tuple[str, ...]


def read_local_tree(root: Path, *, max_file_bytes: int = MAX_FILE_BYTES) -> LocalTree:
    """Every regular file under `root` (outside `.git/`) by its relative POSIX path."""
    if not root.exists():
        raise LocalTreeError(f"{root}: no such directory")
    if not root.is_dir():
        raise LocalTreeError(f"{root}: not a directory; give the top of a dist-git checkout")
    files: dict[str, bytes] = {}
    warnings: list[str] = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[0] == ".git" or not path.is_file():
            continue
        size = path.stat().st_size
        if size > max_file_bytes:
            warnings.append(
                f"{root}/{relative.as_posix()}: {size} bytes, over {max_file_bytes}; skipped"
            )
            continue
        try:
            files[relative.as_posix()] = path.read_bytes()
        except OSError as error:
            warnings.append(
                f"{root}/{relative.as_posix()}: cannot be read ({error.strerror}); skipped"
            )
    return LocalTree(files, tuple(warnings))
