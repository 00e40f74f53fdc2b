"""`upstream-bot submit` as a real process over a saved sandbox world: a dry run that opens
nothing, then the request, then the same command again finding it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.domain.model import ChangeType, Status, Target
from bot.settings import load_settings
from bot.store import Store, open_engine, session_factory

ROOT = Path(__file__).resolve().parents[2]


def _bot(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, capture_output=True, text=True,
        timeout=300, check=False,
    )


def test_submit_dry_run_then_open_then_find_it(tmp_path: Path) -> None:
    seeded = _bot(tmp_path, "sandbox", "seed", "--dir", "world", "--packages", "12")
    assert seeded.returncode == 0, seeded.stderr
    config = tmp_path / "cfg.toml"
    config.write_text(
        (ROOT / "config/sandbox.toml").read_text().replace(
            "sqlite:///var/upstream-bot.sqlite3", f"sqlite:///{tmp_path}/bot.sqlite3"
        )
    )
    common = ("--sandbox-dir", str(tmp_path / "world"), "--config", str(config))
    scanned = _bot(tmp_path, "scan", "--once", *common)
    assert scanned.returncode == 0, scanned.stderr
    settings = load_settings(config, environ={})
    store = Store(session_factory(open_engine(settings.database.url.reveal())))
    pending = [
        store.get_change(s.change_id)
        for s in store.list_target_states(status=Status.PENDING, target=Target.CENTOS_STREAM)
    ]
    change = next(c for c in pending if c is not None and c.record.type is ChangeType.PATCH)
    named = f"{change.package}/{change.branch}/{change.record.name}"
    submit = ("submit", named, "--target", "centos-stream", "--actor", "jane", *common)

    planned = _bot(tmp_path, *submit, "--dry-run")
    assert planned.returncode == 0, planned.stderr
    assert planned.stdout.startswith(
        "planned: would open a merge request as a draft (no ticket yet)"
    ), planned.stdout
    assert "  checked: sources: upstream/" in planned.stdout

    opened = _bot(tmp_path, *submit)
    assert opened.returncode == 0, opened.stderr + opened.stdout
    assert opened.stdout.startswith("opened: opened http://127.0.0.1:"), opened.stdout
    assert "as a draft: it needs a ticket" in opened.stdout and "  draft: yes" in opened.stdout
    assert f"  files: {change.record.name}, {change.package}.spec" in opened.stdout
    state = store.get_target_status(change.record.id, Target.CENTOS_STREAM)
    assert state is not None and state.status is Status.SUBMITTED

    again = _bot(tmp_path, *submit)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("already-open: already open: http://127.0.0.1:")

    unknown = _bot(tmp_path, "submit", "nope", "--target", "centos-stream", *common)
    assert unknown.returncode == 1 and unknown.stdout.startswith("refused: no change nope")
