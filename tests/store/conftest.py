"""Databases for store tests: a fresh SQLite file, or a new schema in a private PostgreSQL one.

PostgreSQL comes from UPSTREAM_BOT_TEST_POSTGRES_URL. Test runs may share that server, so
each session creates its own uniquely named database (dropped at the end) and each test
gets its own schema inside it; nothing else on the server is touched.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, Engine, create_engine

from bot.store import Store, migrate, open_engine, parse_url, session_factory

POSTGRES_ENV = "UPSTREAM_BOT_TEST_POSTGRES_URL"
POSTGRES_SKIP = f"set {POSTGRES_ENV} to run store tests on PostgreSQL"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Engine]:
    """An engine on a database created for this test session only, dropped at its end."""
    raw = os.environ.get(POSTGRES_ENV)
    if not raw:
        pytest.skip(POSTGRES_SKIP)
    server = parse_url(raw)
    name = f"upstream_bot_test_{secrets.token_hex(6)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = create_engine(server.set(database=name), isolation_level="AUTOCOMMIT")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def postgres_url(postgres_database: Engine) -> URL:
    """A URL on a new empty schema of the session's database (search_path points at it)."""
    schema = f"t_{secrets.token_hex(6)}"
    with postgres_database.connect() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    return postgres_database.url.update_query_dict({"options": f"-csearch_path={schema}"})


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> URL:
    """An empty database on each backend."""
    if request.param == "sqlite":
        return parse_url(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def engine(database_url: URL) -> Iterator[Engine]:
    """An engine on the empty database, not migrated."""
    engine = open_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def migrated(engine: Engine) -> Engine:
    migrate(engine)
    return engine


@pytest.fixture
def store(migrated: Engine) -> Store:
    return Store(session_factory(migrated))
