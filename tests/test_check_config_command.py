"""`upstream-bot check-config` end to end: the real CLI against the four sandbox forges (their
own thread and loop, as a deployment's forges are elsewhere), an aiosmtpd server, SQLite,
and a forge that is down."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.sandbox import gitea_api, github_api, gitlab_api, pagure_api
from bot.sandbox.faults import Faults
from bot.sandbox.server import start_sandbox
from bot.sandbox.world import World
from bot.store import head_revision, migrate
from tests.fakes.smtp import SmtpServer, free_port

ROOT = Path(__file__).resolve().parents[1]
KINDS = {"gitea": 3000, "gitlab": 3001, "pagure": 3002, "github": 3003}
APPS = {
    "gitea": gitea_api.build_app,
    "gitlab": gitlab_api.build_app,
    "pagure": pagure_api.build_app,
    "github": github_api.build_app,
}
SMTP_PASSWORD = "smtp-hunter2"  # a test secret that must never be printed


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The four sandbox forges over an empty world with the bot's user, on free ports."""
    world = World(tmp_path_factory.mktemp("world"), clock=lambda: datetime.now(UTC))
    for kind in KINDS:
        world.add_user(kind, "upstream-bot")
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    running = asyncio.run_coroutine_threadsafe(
        start_sandbox(world, apps=APPS, ports={}, faults=Faults()), loop
    ).result(60)
    try:
        yield running.urls
    finally:
        asyncio.run_coroutine_threadsafe(running.close(), loop).result(60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(60)
        loop.close()


def write_config(
    path: Path, urls: dict[str, str], *, smtp_port: int, database: Path, login: bool
) -> Path:
    """config/sandbox.toml moved to the given ports and database, with a token_env per forge
    and, if `login`, an SMTP login."""
    text = (ROOT / "config/sandbox.toml").read_text()
    for kind, port in KINDS.items():
        text = text.replace(f"http://127.0.0.1:{port}", urls[kind])
        token_env = f'token_env = "UPSTREAM_BOT_{kind.upper()}_TOKEN"'
        text = text.replace(f'type = "{kind}"\n', f'type = "{kind}"\n{token_env}\n')
    text = text.replace("smtp_port = 8025", f"smtp_port = {smtp_port}")
    if login:
        text = text.replace(
            'smtp_tls = "none"',
            'smtp_tls = "none"\nsmtp_username = "bot"\n'
            'smtp_password_env = "UPSTREAM_BOT_SMTP_PASSWORD"',
        )
    text = text.replace(
        'url = "sqlite:///var/upstream-bot.sqlite3"', f'url = "sqlite:///{database}"'
    )
    path.write_text(text)
    return path


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    tokens = {f"UPSTREAM_BOT_{kind.upper()}_TOKEN": f"{kind}-upstream-bot-token" for kind in KINDS}
    for name, value in {**tokens, "UPSTREAM_BOT_SMTP_PASSWORD": SMTP_PASSWORD}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("UPSTREAM_BOT_DATABASE_URL", raising=False)
    return tokens


def _lines(output: str) -> dict[str, tuple[str, str]]:
    found = {}
    for line in output.splitlines():
        match = re.fullmatch(r"(OK|FAIL|SKIP)\s+(settings|database|smtp|forge \S+)\s+(.*)", line)
        if match:
            found[match[2]] = (match[1], match[3])
    return found


def test_everything_reachable_passes(
    sandbox: dict[str, str], environment: dict[str, str], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database = tmp_path / "bot.sqlite3"
    migrate(f"sqlite:///{database}")
    # aiosmtpd offers a login only over TLS; this server takes none, so no login is asked
    with SmtpServer() as smtp:
        config = write_config(
            tmp_path / "bot.toml", sandbox, smtp_port=smtp.port, database=database, login=False
        )
        code = main(["check-config", "--config", str(config)])
        assert smtp.received == []
    output = capsys.readouterr().out
    lines = _lines(output)
    assert code == 0, output
    assert set(lines) == {
        "settings", "database", "smtp", "forge almalinux", "forge autopatch",
        "forge centos-stream", "forge fedora", "forge github",
    }
    assert all(outcome == "OK" for outcome, _ in lines.values()), output
    assert lines["database"][1] == f"sqlite:///{database}: schema at {head_revision()} (newest)"
    assert lines["forge fedora"][1] == (
        f"pagure at {sandbox['pagure']} answered, token from $UPSTREAM_BOT_PAGURE_TOKEN"
    )
    assert lines["smtp"][1] == f"127.0.0.1:{smtp.port} (none): connected, EHLO; no mail sent"
    for token in environment.values():
        assert token not in output


def test_each_failure_is_a_line_with_its_reason_and_no_secret(
    sandbox: dict[str, str], environment: dict[str, str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    down = dict(sandbox, github=f"http://127.0.0.1:{free_port()}")
    missing = tmp_path / "never-migrated.sqlite3"
    with SmtpServer(logins={"bot": SMTP_PASSWORD}) as smtp:
        config = write_config(
            tmp_path / "bot.toml", down, smtp_port=smtp.port, database=missing, login=True
        )
        monkeypatch.setenv("UPSTREAM_BOT_GITLAB_TOKEN", "a-token-nobody-holds")
        code = main(["check-config", "--config", str(config)])
    output = capsys.readouterr().out
    lines = _lines(output)
    assert code == 1
    assert lines["settings"][0] == "OK"
    assert lines["database"] == (
        "FAIL",
        f"sqlite:///{missing}: no database file at {missing}; run `upstream-bot migrate`",
    )
    assert not missing.exists()
    assert lines["forge centos-stream"][0] == "FAIL"
    assert lines["forge centos-stream"][1].startswith(
        f"gitlab at {sandbox['gitlab']} refused the token from $UPSTREAM_BOT_GITLAB_TOKEN"
    )
    assert lines["forge github"][0] == "FAIL"
    assert lines["forge github"][1].startswith(f"github at {down['github']}: ")
    assert lines["forge almalinux"][0] == lines["forge fedora"][0] == "OK"
    assert lines["smtp"][0] == "FAIL"
    assert "AUTH" in lines["smtp"][1]
    for secret in ("a-token-nobody-holds", SMTP_PASSWORD, *environment.values()):
        assert secret not in output


def test_invalid_settings_fail_with_every_problem(
    tmp_path: Path, environment: dict[str, str], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "bot.toml"
    text = (ROOT / "config/sandbox.toml").read_text()
    config.write_text(
        text.replace('[forges.fedora]\n', '[forges.fedora]\ntoken_env = "UNSET_TOKEN_VAR"\n')
        .replace('interval = "15m"', 'interval = "soon"')
    )
    monkeypatch.delenv("UNSET_TOKEN_VAR", raising=False)
    code = main(["check-config", "--config", str(config)])
    output = capsys.readouterr().out
    assert code == 1
    first, *rest = output.splitlines()
    assert first.startswith(f"FAIL  settings  {config}: 2 problems in the configuration")
    assert any("UNSET_TOKEN_VAR is not set in the environment" in line for line in rest)
    assert any("scan.interval" in line for line in rest)
