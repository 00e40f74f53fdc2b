"""Only bot/settings/load.py touches files or the system; every other settings module is pure."""

from __future__ import annotations

import ast

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "bot" / "settings"
IMPURE = {"os", "io", "zoneinfo", "tomllib", "shutil", "subprocess", "socket", "sys", "time"}


def _impurities(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in IMPURE | {"pathlib"}]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module == "pathlib":
                found += [f"pathlib.{a.name}" for a in node.names if a.name != "PurePosixPath"]
            elif module.split(".")[0] in IMPURE or module == "bot.settings.load":
                found.append(module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "open":
            found.append("open()")
    return found


@pytest.mark.parametrize(
    "path",
    sorted(p for p in PACKAGE.glob("*.py") if p.name not in {"load.py", "__init__.py"}),
    ids=lambda p: p.name,
)
def test_the_parsing_modules_do_no_io(path):
    assert _impurities(path.read_text(encoding="utf-8")) == []


def test_the_check_catches_io():
    sample = "import os\nfrom pathlib import Path\nimport zoneinfo\nopen('x')\n"
    assert _impurities(sample) == ["os", "pathlib.Path", "zoneinfo", "open()"]
