"""Reads a dist-git tree in either layout (flat, or SPECS/ + SOURCES/) into its spec and files."""

from __future__ import annotations

import re

from bot.domain.distgit_model import DistGit, Layout, Tree
from bot.ingest.spec import SpecError, parse_spec

_SOURCES_LINE = re.compile(
    r"^(?:SHA512|SHA256|MD5)\s*\((?P<name>[^)]+)\)\s*=\s*(?P<hash>[0-9a-fA-F]+)\s*$"
)
_OLD_SOURCES_LINE = re.compile(r"^(?P<hash>[0-9a-fA-F]{32,128})\s+(?P<name>\S+)\s*$")


#: lookaside listings name no algorithm in the old format; the digest length tells it
_ALGORITHMS = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}


class DistGitError(ValueError):
    """A tree that cannot be read as dist-git; the message says where and what to do."""


def decode_text(data: bytes, *, where: str) -> tuple[str, tuple[str, ...]]:
    """Decode spec-like text: UTF-8, else Latin-1 with a warning saying so."""
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError as error:
        return data.decode("latin-1"), (
            f"{where}: not valid UTF-8 at byte {error.start}; read as Latin-1",
        )


def read_distgit(tree: Tree, *, where: str = "", package: str | None = None) -> DistGit:
    """Find the spec and the files of a dist-git tree; `where` names the tree in messages."""
    label = where or "tree"
    if not tree:
        raise DistGitError(f"{label}: empty; expected a dist-git tree with a .spec file")
    layout, spec_path, warnings = _find_spec(tree, label, package)
    prefix = "SOURCES/" if layout is Layout.SPECS_SOURCES else ""
    files: dict[str, bytes] = {}
    paths: dict[str, str] = {}
    for path, data in tree.items():
        if path == spec_path or not path.startswith(prefix):
            continue
        rest = path[len(prefix) :]
        if "/" in rest or rest.startswith(".git"):
            continue
        files[rest] = data
        paths[rest] = path
    text, decode_warnings = decode_text(tree[spec_path], where=f"{label}/{spec_path}")
    includes = {
        name: decode_text(data, where=name)[0]
        for name, data in files.items()
        if len(data) < 4_000_000
    }
    try:
        spec = parse_spec(text, path=spec_path, includes=includes)
    except SpecError as error:
        raise DistGitError(f"{label}/{error}") from None
    lookaside = _lookaside(tree)
    return DistGit(
        layout=layout,
        spec_path=spec_path,
        spec=spec,
        files=files,
        paths=paths,
        lookaside=lookaside,
        warnings=(*warnings, *decode_warnings, *(f"{label}/{w}" for w in spec.warnings)),
    )


def _find_spec(tree: Tree, label: str, package: str | None) -> tuple[Layout, str, tuple[str, ...]]:
    split = sorted(
        p for p in tree if p.startswith("SPECS/") and p.endswith(".spec") and p.count("/") == 1
    )
    flat = sorted(p for p in tree if p.endswith(".spec") and "/" not in p)
    candidates, layout = (split, Layout.SPECS_SOURCES) if split else (flat, Layout.FLAT)
    if not candidates:
        raise DistGitError(
            f"{label}: no spec file; expected <package>.spec at the top (flat layout) "
            "or SPECS/<package>.spec (SPECS/ + SOURCES/ layout)"
        )
    if len(candidates) == 1:
        return layout, candidates[0], ()
    if package:
        wanted = [p for p in candidates if p.rsplit("/", 1)[-1] == f"{package}.spec"]
        if wanted:
            return (
                layout,
                wanted[0],
                (f"{label}: several spec files ({', '.join(candidates)}); using {wanted[0]}",),
            )
    raise DistGitError(
        f"{label}: several spec files ({', '.join(candidates)}); keep one, "
        "or name the package so the bot can pick <package>.spec"
    )


def _lookaside(tree: Tree) -> dict[str, str]:
    names: dict[str, str] = {}
    # `.<package>.metadata`, named after the repository, which need not match the spec
    listings = [
        "sources",
        *sorted(p for p in tree if p.startswith(".") and p.endswith(".metadata")),
    ]
    for path in listings:
        data = tree.get(path)
        if data is None or "/" in path:
            continue
        for line in data.decode("utf-8", "replace").splitlines():
            match = _SOURCES_LINE.match(line.strip()) or _OLD_SOURCES_LINE.match(line.strip())
            if match:
                digest = match.group("hash").lower()
                algorithm = _ALGORITHMS.get(len(digest), "unknown")
                names[match.group("name").rsplit("/", 1)[-1]] = f"{algorithm}:{digest}"
    return names
