"""Benchmark: our in-process patch id against `git patch-id --stable`, one process per patch.

Run: .venv/bin/python benchmarks/patch_id.py [--commits N]

The inputs are the corpus patches (when ../shared/corpus exists), the test fixtures and
patches git renders from a generated history (format-patch per commit, `git diff` with
varied context). Every id must be identical; the numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.domain.patch_id import patch_ids

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("UPSTREAM_BOT_CORPUS", ROOT.parent / "shared" / "corpus"))
ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
WORDS = ["if", "(", ")", "{", "}", "return", "rc", "=", "0;", "NULL", "ptr->next", "free(p);",
         "%{?dist}", "Release:", "BuildRequires:", "x86_64_v2", "almalinux", "#include"]


def git(repo: Path, *args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(["git", *args], input=data, capture_output=True, check=True,
                          cwd=repo, env=ENV).stdout


def _line(rng: random.Random) -> bytes:
    indent = "\t" * rng.randint(0, 2)
    return (indent + " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 8)))).encode()


def _history(rng: random.Random, commits: int) -> bytes:
    """A fast-import stream: a tree of code-like files, then `commits` edits of it."""
    files = {f"src/file{n}.c": [_line(rng) for _ in range(rng.randint(40, 300))]
             for n in range(12)}
    stream = []
    for n in range(commits + 1):
        if n:
            for path in rng.sample(sorted(files), rng.randint(1, 4)):
                rows = files[path]
                for _ in range(rng.randint(1, 5)):
                    at = rng.randrange(len(rows))
                    added = [_line(rng) for _ in range(rng.randint(0, 4))]
                    rows[at : at + rng.randint(0, 3)] = added
        message = b"Change %d\n\nResolves: RHEL-%d\n" % (n, rng.randint(1000, 99999))
        stamp = b"A U Thor <author@example.org> %d +0000" % (1715000000 + n)
        stream.append(b"commit refs/heads/main\nauthor %s\ncommitter %s\ndata %d\n%s\ndeleteall\n"
                      % (stamp, stamp, len(message), message))
        for path, rows in files.items():
            content = b"\n".join(rows) + b"\n"
            stream.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(content),
                                                                  content))
    return b"".join(stream)


def generated_patches(commits: int) -> list[bytes]:
    rng = random.Random(20240506)
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        git(repo, "init", "-q")
        git(repo, "fast-import", "--quiet", data=_history(rng, commits))
        out = repo / "out"
        git(repo, "format-patch", "-q", "-o", str(out), f"main~{commits}..main")
        patches = [path.read_bytes() for path in sorted(out.iterdir())]
        for n in range(1, commits, 3):
            context = f"-U{rng.choice([0, 1, 3, 5, 10])}"
            patches.append(git(repo, "diff", context, f"main~{n + 1}", f"main~{n}"))
    return patches


def collected_patches() -> list[bytes]:
    paths = sorted((ROOT / "tests" / "data" / "patches").glob("*.patch"))
    if (CORPUS / "patches").is_dir():
        paths += sorted((CORPUS / "patches").glob("*.patch"))
    return [path.read_bytes() for path in paths]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=900, help="generated commits")
    args = parser.parse_args()
    patches = collected_patches() + generated_patches(args.commits)
    size = sum(map(len, patches))
    print(f"patches: {len(patches)} ({size / 1e6:.1f} MB, {size // len(patches)} bytes average)")

    rounds = 5
    start = time.perf_counter()
    for _ in range(rounds):
        ours = [[(r.patch_id, r.commit) for r in patch_ids(data)] for data in patches]
    ours_seconds = (time.perf_counter() - start) / rounds

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        theirs = [
            [tuple(line.split()) for line in git(Path(tmp), "patch-id", "--stable",
                                                 data=data).decode().splitlines()]
            for data in patches
        ]
        git_seconds = time.perf_counter() - start

    mismatches = sum(1 for a, b in zip(ours, theirs, strict=True) if a != b)
    with_id = sum(1 for ids in ours if ids)
    print(f"ids identical: {len(patches) - mismatches}/{len(patches)} "
          f"({with_id} with an id, {len(patches) - with_id} without)")
    ours_rate, git_rate = len(patches) / ours_seconds, len(patches) / git_seconds
    print(f"ours (in-process, mean of {rounds} rounds): {ours_rate:10.0f} patches/s")
    print(f"git patch-id --stable (process per patch): {git_rate:10.0f} patches/s")
    print(f"ratio: {ours_rate / git_rate:.1f}x")
    if mismatches:
        sys.exit(1)


if __name__ == "__main__":
    main()
