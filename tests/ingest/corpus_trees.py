"""Builds (base, downstream) dist-git trees from a case of the shared autopatch corpus."""

from __future__ import annotations

from pathlib import Path


def case_trees(case: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """base = `<case>.spec` and the other files; downstream = `expected` and `<file>.expected`.

    The config's own `files/` are added to the downstream, as autopatch does.
    """
    name = case.name
    base: dict[str, bytes] = {}
    downstream: dict[str, bytes] = {}
    for path in sorted(case.iterdir()):
        if path.is_dir():
            continue
        data = path.read_bytes()
        if path.name == f"{name}.spec":
            base[path.name] = data
        elif path.name == "expected":
            downstream[f"{name}.spec"] = data
        elif path.name.endswith(".expected"):
            downstream[path.name.removesuffix(".expected")] = data
        else:
            base[path.name] = data
            downstream.setdefault(path.name, data)
    files = case / "autopatch" / "files"
    if files.is_dir():
        for path in sorted(files.iterdir()):
            downstream[path.name] = path.read_bytes()
    return base, downstream


def case_config(case: Path) -> Path:
    folder = case / "autopatch"
    (config,) = [p for p in folder.iterdir() if p.suffix in (".yaml", ".yml")]
    return config
