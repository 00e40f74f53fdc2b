"""The pure core stays pure: bot/domain and bot/ingest do no I/O and read no clock."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE_PACKAGES = ("domain", "ingest")

FORBIDDEN_MODULES = {
    "aiohttp",
    "aiosmtplib",
    "alembic",
    "asyncio",
    "github",
    "gitlab",
    "http",
    "os",
    "psycopg",
    "random",
    "requests",
    "secrets",
    "shutil",
    "smtplib",
    "socket",
    "sqlalchemy",
    "sqlite3",
    "ssl",
    "subprocess",
    "tempfile",
    "threading",
    "time",
    "urllib",
    "apscheduler",
}
#: Only the pure path classes of pathlib may be used.
ALLOWED_FROM_PATHLIB = {"PurePath", "PurePosixPath"}
FORBIDDEN_CALLS = {"open", "input", "print", "now", "utcnow", "today"}
ALLOWED_BOT_PACKAGES = {f"bot.{name}" for name in PURE_PACKAGES}


def _pure_modules() -> list[Path]:
    files = []
    for package in PURE_PACKAGES:
        files.extend(sorted((ROOT / "bot" / package).rglob("*.py")))
    return files


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module == "pathlib":
                bad = {a.name for a in node.names} - ALLOWED_FROM_PATHLIB
                if bad:
                    found.append(f"line {node.lineno}: from pathlib import {sorted(bad)}")
                continue
            names = [module]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in FORBIDDEN_CALLS:
                found.append(f"line {node.lineno}: calls {name}()")
            continue
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if name == "pathlib":
                found.append(f"line {node.lineno}: import pathlib (use PurePosixPath)")
            elif top in FORBIDDEN_MODULES:
                found.append(f"line {node.lineno}: imports {name}")
            elif top == "bot" and not any(
                name == allowed or name.startswith(allowed + ".")
                for allowed in ALLOWED_BOT_PACKAGES
            ):
                found.append(f"line {node.lineno}: imports {name} from an outer layer")
    return found


@pytest.mark.parametrize("path", _pure_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_layers_do_no_io(path: Path) -> None:
    assert _violations(path) == []


def test_the_checker_catches_io(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text(
        "import subprocess\nfrom bot.store import db\nfrom pathlib import Path\n"
        "from datetime import datetime\nx = datetime.now()\nopen('f')\n",
        encoding="utf-8",
    )
    problems = _violations(sample)
    assert len(problems) == 5, problems
