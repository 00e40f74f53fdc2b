"""bot/service/preflight.py: each check against the real thing: SQLite and PostgreSQL, an
aiosmtpd server (plain, login, STARTTLS), and forge adapters facing a port nobody serves."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path, PurePosixPath

from aiohttp import web
from sqlalchemy import URL, Engine

from bot.app import build_forge
from bot.service.preflight import Outcome, check_database, check_forge, check_smtp
from bot.settings import (
    DatabaseSettings,
    DigestSettings,
    ForgeRole,
    ForgeSettings,
    ForgeType,
    Secret,
    SmtpTls,
    Weekday,
)
from bot.store import head_revision, migrate
from tests.fakes.smtp import SmtpServer, free_port, self_signed
from tests.store.conftest import postgres_database, postgres_url  # noqa: F401


def _database(url: str) -> DatabaseSettings:
    return DatabaseSettings(url=Secret(url, env=""), state_dir=PurePosixPath("."))


def _digest(port: int, *, tls: SmtpTls = SmtpTls.NONE, login: tuple[str, str] | None = None
            ) -> DigestSettings:
    return DigestSettings(
        weekday=Weekday.MONDAY, time=time(8), timezone="UTC",
        from_address="bot@example.org", project_list="list@example.org",
        smtp_host="127.0.0.1", smtp_port=port, smtp_tls=tls,
        smtp_username=login[0] if login else None,
        smtp_password=Secret(login[1], env="UPSTREAM_BOT_SMTP_PASSWORD") if login else None,
    )


async def test_a_missing_sqlite_file_fails_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    result = await check_database(_database(f"sqlite:///{path}"))
    assert result.outcome is Outcome.FAIL
    assert result.detail.endswith(f"no database file at {path}; run `upstream-bot migrate`")
    assert not path.exists()


async def test_sqlite_schema_is_compared_with_the_newest_migration(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    (tmp_path / "bot.sqlite3").touch()
    empty = await check_database(_database(url))
    assert (empty.outcome, empty.detail) == (
        Outcome.FAIL, f"{url}: no schema yet; run `upstream-bot migrate`"
    )
    migrate(url)
    ready = await check_database(_database(url))
    assert (ready.outcome, ready.detail) == (
        Outcome.OK, f"{url}: schema at {head_revision()} (newest)"
    )


async def test_postgres_before_and_after_migrate(
    postgres_database: Engine,  # noqa: F811
    postgres_url: URL,  # noqa: F811
) -> None:
    url = postgres_url.render_as_string(hide_password=False)
    assert (await check_database(_database(url))).outcome is Outcome.FAIL
    migrate(url)
    result = await check_database(_database(url))
    assert result.outcome is Outcome.OK
    assert result.detail.endswith(f"schema at {head_revision()} (newest)")


async def test_unreachable_postgres_fails_without_the_password() -> None:
    url = "postgresql+psycopg://bot:hunter2@127.0.0.1:1/upstream?connect_timeout=3"
    result = await check_database(_database(url))
    assert result.outcome is Outcome.FAIL
    assert result.detail.startswith("connecting to postgresql+psycopg://bot:***@127.0.0.1:1/")
    assert "hunter2" not in result.detail


async def test_smtp_without_a_digest_is_skipped() -> None:
    result = await check_smtp(None)
    assert result.outcome is Outcome.SKIP


async def test_plain_smtp_is_greeted_and_no_mail_is_sent() -> None:
    with SmtpServer() as server:
        result = await check_smtp(_digest(server.port))
        assert server.received == []
    assert (result.outcome, result.detail) == (
        Outcome.OK, f"127.0.0.1:{server.port} (none): connected, EHLO; no mail sent"
    )


async def test_a_login_the_plain_server_does_not_offer_fails_with_the_reason() -> None:
    # aiosmtpd, like most servers, offers AUTH only once the connection is encrypted
    with SmtpServer(logins={"bot": "s3cret"}) as server:
        result = await check_smtp(_digest(server.port, login=("bot", "s3cret")))
    assert result.outcome is Outcome.FAIL
    assert "AUTH" in result.detail
    assert result.detail.endswith("(done: connected, EHLO)")


async def test_smtp_starttls_checks_the_certificate_and_the_login(tmp_path: Path) -> None:
    server_context, client_context = self_signed(tmp_path)
    with SmtpServer(starttls=server_context, logins={"bot": "s3cret"}) as server:
        trusted = await check_smtp(
            _digest(server.port, tls=SmtpTls.STARTTLS, login=("bot", "s3cret")),
            tls_context=client_context,
        )
        refused = await check_smtp(
            _digest(server.port, tls=SmtpTls.STARTTLS, login=("bot", "wrong")),
            tls_context=client_context,
        )
        untrusted = await check_smtp(_digest(server.port, tls=SmtpTls.STARTTLS))
        assert server.received == []
    where = f"127.0.0.1:{server.port} (starttls)"
    assert (trusted.outcome, trusted.detail) == (
        Outcome.OK, f"{where}: connected, EHLO, STARTTLS, login as bot; no mail sent"
    )
    assert refused.outcome is Outcome.FAIL
    assert refused.detail.startswith(f"{where}: login refused (535")
    assert refused.detail.endswith("(done: connected, EHLO, STARTTLS)")
    assert "wrong" not in refused.detail
    assert untrusted.outcome is Outcome.FAIL
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.detail
    assert untrusted.detail.endswith("(done: connected, EHLO)")


async def test_smtp_nobody_listening_fails_before_anything() -> None:
    result = await check_smtp(_digest(free_port()))
    assert result.outcome is Outcome.FAIL
    assert result.detail.endswith("(done: nothing)")


async def test_a_forge_nobody_serves_fails_naming_it() -> None:
    settings = ForgeSettings(
        name="fedora", type=ForgeType.PAGURE, role=ForgeRole.TARGET,
        url=f"http://127.0.0.1:{free_port()}", api_url="/api/0", namespace="rpms",
        username="upstream-bot", token=None, webhook_secret=None, concurrency=1,
        requests_per_hour=1000, timeout=timedelta(seconds=2), page_size=100,
    )
    forge = build_forge(settings)
    try:
        result = await check_forge(settings, forge)
    finally:
        await forge.close()
    assert result.outcome is Outcome.FAIL
    assert result.name == "forge fedora"
    assert result.detail.startswith(f"pagure at {settings.url}: fedora: ")
    assert "Cannot connect" in result.detail


async def test_a_forge_refusing_anonymous_reads_says_so() -> None:
    async def refuse(request: web.Request) -> web.Response:
        return web.json_response({"message": "token is required"}, status=401)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", refuse)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    settings = ForgeSettings(
        name="gitea", type=ForgeType.GITEA, role=ForgeRole.DOWNSTREAM,
        url=f"http://127.0.0.1:{runner.addresses[0][1]}", api_url="/api/v1", namespace="rpms",
        username="upstream-bot", token=None, webhook_secret=None, concurrency=1,
        requests_per_hour=1000, timeout=timedelta(seconds=2), page_size=100,
    )
    forge = build_forge(settings)
    try:
        result = await check_forge(settings, forge)
    finally:
        await forge.close()
        await runner.cleanup()
    assert result.outcome is Outcome.FAIL
    assert result.detail.startswith(
        f"gitea at {settings.url} refused anonymous reads (no token_env): "
    ), result.detail
