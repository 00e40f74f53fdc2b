"""bot/store/db.py: URL parsing, per-backend connection options, errors that hide passwords."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import URL, Engine, func, select

from bot.store import (
    Store,
    StoreError,
    db,
    inventory,
    is_at_head,
    migrate,
    open_engine,
    parse_url,
    session_factory,
)
from bot.store.models import Package
from bot.store.records import PackageRecord


@pytest.mark.parametrize(
    ("url", "drivername"),
    [
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
        ("sqlite:///x.sqlite3", "sqlite"),
        ("sqlite+pysqlite:///x.sqlite3", "sqlite+pysqlite"),
    ],
    ids=["postgres-alias", "bare-postgresql", "explicit-psycopg", "sqlite", "sqlite-driver"],
)
def test_parse_url_picks_the_shipped_driver(url: str, drivername: str) -> None:
    assert parse_url(url).drivername == drivername


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "cannot parse database URL"),
        ("mysql://root:hunter2@db/bot", "unsupported database mysql://root:***@db/bot"),
        ("postgresql+nosuchdriver://u:hunter2@h/db", "cannot load the driver"),
        ("://u:hunter2@h/db", "cannot parse database URL"),
    ],
    ids=["garbage", "mysql", "unknown-driver", "no-scheme"],
)
def test_bad_urls_are_store_errors_without_the_password(url: str, expected: str) -> None:
    with pytest.raises(StoreError) as caught:
        open_engine(url)
    assert expected in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_unreachable_postgres_names_the_masked_url() -> None:
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    url = "postgresql+psycopg://bot:hunter2@127.0.0.1:1/upstream?connect_timeout=3"
    with pytest.raises(StoreError) as caught:
        open_engine(url)
    message = str(caught.value)
    assert message.startswith("connecting to postgresql+psycopg://bot:***@127.0.0.1:1/upstream")
    assert "hunter2" not in message


def test_sqlite_in_a_missing_directory_is_a_store_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing' / 'store.sqlite3'}"
    with pytest.raises(StoreError, match="unable to open database file"):
        open_engine(url)


def test_sqlite_connections_get_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    try:
        with engine.connect() as connection:
            pragmas = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            }
    finally:
        engine.dispose()
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30000}


def test_in_memory_sqlite_keeps_its_schema_across_connections() -> None:
    engine = open_engine("sqlite://")
    try:
        migrate(engine)
        assert is_at_head(engine)
    finally:
        engine.dispose()


def test_postgres_engine_survives_a_killed_connection(
    postgres_database: Engine, postgres_url: URL
) -> None:
    engine = open_engine(postgres_url)
    try:
        with engine.connect() as connection:
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            name = connection.exec_driver_sql("SHOW application_name").scalar()
        with postgres_database.connect() as admin:
            admin.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
        # The pooled connection is dead now; pre-ping must notice and replace it.
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT 1").scalar() == 1
        assert name == "upstream-bot"
        assert engine.pool.size() == 5
    finally:
        engine.dispose()


def test_migrate_accepts_a_url_and_disposes_its_engine(database_url: URL) -> None:
    migrate(database_url.render_as_string(hide_password=False))
    engine = open_engine(database_url)
    try:
        assert is_at_head(engine)
    finally:
        engine.dispose()


def test_sqlite_reads_go_on_while_another_connection_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a call that waits for the write lock fails after one second instead of thirty
    monkeypatch.setattr(db, "BUSY_TIMEOUT_SECONDS", 1)
    now = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    engine = open_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    try:
        migrate(engine)
        sessions = session_factory(engine)
        store = Store(sessions)
        store.upsert_package(PackageRecord("bash", "rpms/bash"), now=now)
        with sessions.begin() as writer:
            inventory.upsert_package(writer, PackageRecord("zsh", "rpms/zsh"), now=now)
            writer.flush()
            # read-only calls see the last commit without waiting for the writer
            assert [p.name for p in store.list_packages()] == ["bash"]
            count = store.read("counting packages in",
                               lambda s: s.scalar(select(func.count()).select_from(Package)))
            assert count == 1
            # the others still take the write lock up front (BEGIN IMMEDIATE), even to read
            with pytest.raises(StoreError, match="database is locked"):
                store.scans.work_items()
        assert [p.name for p in store.list_packages()] == ["bash", "zsh"]
    finally:
        engine.dispose()
