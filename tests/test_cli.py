"""The command line as users and other tools run it: a real process, real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_analyze_json_is_one_object_with_the_documented_keys() -> None:
    result = _run(
        "analyze", "--base", "examples/base", "--downstream", "examples/downstream", "--json"
    )
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    document = json.loads(line)
    assert document["layout"] == "specs-sources"
    assert len(document["changes"]) == 6
    for change in document["changes"]:
        assert {
            "id",
            "type",
            "operation",
            "name",
            "kind",
            "upstreamable",
            "declared_status",
            "evidence",
            "missing_file",
        } <= change.keys()
    names = {c["name"]: c for c in document["changes"]}
    assert names["hellod-1.4-x86_64_v2.patch"]["declared_status"] == "submitted"


def test_analyze_table_for_people() -> None:
    result = _run("analyze", "--base", "examples/base", "--downstream", "examples/downstream")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("hellod: 6 downstream changes (specs-sources layout)")
    assert "hellod-1.4-fd-leak.patch" in result.stdout


def test_analyze_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    result = _run("analyze", "--base", str(tmp_path / "nope"), "--downstream", "examples/base")
    assert result.returncode == 2
    assert "nope: no such directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_analyze_empty_directory_is_a_clear_error(tmp_path: Path) -> None:
    result = _run("analyze", "--base", "examples/base", "--downstream", str(tmp_path))
    assert result.returncode == 2
    assert "empty; expected a dist-git tree with a .spec file" in result.stderr


def test_inspect_json_lines(tmp_path: Path) -> None:
    junk = tmp_path / "junk.patch"
    junk.write_bytes(bytes(range(256)) * 4)
    patch = ROOT / "examples/downstream/SOURCES/hellod-1.4-x86_64_v2.patch"
    result = _run("inspect", "--json", str(patch), str(junk))
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    git = subprocess.run(
        ["git", "patch-id", "--stable"], input=patch.read_bytes(), capture_output=True, check=True
    )
    assert first["patch_id"] == git.stdout.split()[0].decode()
    assert first["declared_status"] == "submitted"
    assert first["kind"] == "arch-enablement"
    assert {
        "path",
        "patch_id",
        "declared_status",
        "status_raw",
        "references",
        "cves",
        "kind",
    } <= first.keys()
    assert second["patch_id"] is None and second["declared_status"] == "none"


def test_inspect_unreadable_file(tmp_path: Path) -> None:
    result = _run("inspect", str(tmp_path / "missing.patch"))
    assert result.returncode == 1
    assert "missing.patch: No such file or directory" in result.stderr


def test_no_command_prints_help() -> None:
    result = _run()
    assert result.returncode == 2
    assert "analyze" in result.stderr and "inspect" in result.stderr


def _run_env(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **env},
    )


def test_migrate_creates_the_sqlite_schema_twice_over(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/state/bot.sqlite3"
    env = {"UPSTREAM_BOT_DATABASE_URL": url}
    for _ in range(2):
        result = _run_env(env, "migrate", "--config", "config/sandbox.toml")
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "state" / "bot.sqlite3").is_file()
    from bot.store import head_revision

    assert result.stdout.strip().endswith(f"schema at {head_revision()}")


def test_migrate_failure_masks_the_password() -> None:
    env = {"UPSTREAM_BOT_DATABASE_URL": "postgresql://bot:hunter2@127.0.0.1:9/nowhere"}
    result = _run_env(env, "migrate", "--config", "config/sandbox.toml")
    assert result.returncode == 2
    assert "hunter2" not in result.stderr and "***" in result.stderr


def test_analyze_autopatch_declared_and_applied_agree() -> None:
    declared = _run("analyze-autopatch", "examples/autopatch", "--json")
    applied = _run("analyze-autopatch", "examples/autopatch", "--base", "examples/base", "--json")
    trees = _run(
        "analyze", "--base", "examples/base", "--downstream", "examples/downstream", "--json"
    )
    for result in (declared, applied, trees):
        assert result.returncode == 0, result.stderr
    ids = [
        sorted(c["id"] for c in json.loads(r.stdout)["changes"]) for r in (declared, applied, trees)
    ]
    assert ids[0] == ids[1] == ids[2]
    assert len(ids[0]) == 6


def test_analyze_autopatch_bad_config_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("actions:\n  - replace:\n      - target: spec\n")
    result = _run("analyze-autopatch", str(tmp_path))
    assert result.returncode == 2
    assert "config.yaml:3: actions[0].replace[0].find: missing" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
