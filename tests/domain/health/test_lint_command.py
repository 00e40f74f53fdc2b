"""`upstream-bot lint` as people and scripts run it: table, JSON, suppressions, exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

from .builders import DATA

ROOT = Path(__file__).resolve().parents[3]
SANDBOX = ROOT / "config" / "sandbox.toml"


def _lint(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["lint", "--config", str(SANDBOX), *args])
    out, err = capsys.readouterr()
    return code, out, err


def _trees(case: str) -> list[str]:
    return ["--base", str(DATA / case / "base"), "--downstream", str(DATA / case / "downstream")]


def test_json_lists_each_finding_with_its_place_and_exits_1_on_errors(capsys) -> None:
    code, out, _err = _lint(capsys, *_trees("grub2"), "--json")
    assert code == 1
    (line,) = out.splitlines()
    document = json.loads(line)
    assert [(f["check"], f["file"], f["line"]) for f in document["findings"]] == [
        ("patch-file-missing", "SOURCES/grub.patches", 6),
        ("sbat-malformed", "SOURCES/sbat.csv.in", 4),
        ("dangling-source-reference", "SPECS/grub2.spec", 23),
        ("file-undeclared", "SOURCES/almalinux-grub-theme.png", None),
    ]
    first = document["findings"][0]
    assert set(first) >= {"id", "check", "severity", "message", "file", "line", "hint"}
    assert first["suppressed"] is False
    assert document["notes"] == [
        "upstream-fix-reverted did not run: it needs the previous base (--previous-base)"
    ]


def test_the_table_shows_severity_check_place_message_and_fix(capsys) -> None:
    code, out, _err = _lint(capsys, *_trees("gnome-settings-daemon"))
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "gnome-settings-daemon: 4 errors, 0 warnings, 0 notes"
    assert lines[2].split() == ["severity", "check", "where", "message"]
    assert lines[3].startswith("error     patch-unapplied  gnome-settings-daemon.spec:16  Patch1 ")
    assert lines[4].strip().startswith("fix: apply it again")
    assert lines[-1].startswith("note: upstream-fix-reverted did not run")


def test_previous_base_runs_the_revert_check(capsys) -> None:
    trees = _trees("reverted")
    code, out, _err = _lint(capsys, *trees, "--previous-base", str(DATA / "reverted/previous"),
                            "--json")
    document = json.loads(out)
    assert code == 0  # warnings only
    assert {f["check"] for f in document["findings"]} == {"upstream-fix-reverted"}
    assert document["notes"] == []


def test_a_configured_suppression_turns_the_errors_off(capsys, tmp_path: Path) -> None:
    config = tmp_path / "bot.toml"
    config.write_text(
        SANDBOX.read_text(encoding="utf-8")
        + '\n[[health.suppress]]\npackage = "gnome-settings-daemon"\n'
        'check = "patch-unapplied"\nreason = "replaced by the AlmaLinux wallpaper patch"\n',
        encoding="utf-8",
    )
    code = main(["lint", "--config", str(config), *_trees("gnome-settings-daemon")])
    out, _err = capsys.readouterr()
    assert code == 0
    assert out.splitlines()[0] == (
        "gnome-settings-daemon: 0 errors, 0 warnings, 0 notes (4 suppressed)"
    )
    assert "suppressed because: replaced by the AlmaLinux wallpaper patch" in out


def test_a_bad_suppression_is_a_config_error_with_exit_2(capsys, tmp_path: Path) -> None:
    config = tmp_path / "bot.toml"
    config.write_text(
        SANDBOX.read_text(encoding="utf-8")
        + '\n[[health.suppress]]\npackage = "grub2"\ncheck = "patch-unaplied"\n',
        encoding="utf-8",
    )
    code = main(["lint", "--config", str(config), *_trees("grub2")])
    _out, err = capsys.readouterr()
    assert code == 2
    assert 'health.suppress[0].check: unknown check "patch-unaplied"' in err
    assert 'did you mean "patch-unapplied"?' in err
    assert "health.suppress[0].reason: is missing" in err


@pytest.mark.parametrize(
    ("base", "message"),
    [
        pytest.param("nope", "nope: no such directory", id="missing-directory"),
        pytest.param("empty", "empty; expected a dist-git tree with a .spec file", id="empty"),
    ],
)
def test_unreadable_input_exits_2_with_a_clear_message(capsys, tmp_path, base, message) -> None:
    (tmp_path / "empty").mkdir()
    code, _out, err = _lint(capsys, "--base", str(tmp_path / base), "--downstream",
                            str(DATA / "grub2/downstream"))
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_a_real_process_exits_0_when_only_warnings_remain() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "lint", "--config", str(SANDBOX), "--base",
         str(DATA / "reverted/base"), "--downstream", str(DATA / "reverted/downstream")],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("tuned: 0 errors, 0 warnings, 0 notes")
