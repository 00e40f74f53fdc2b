"""Databases for store tests: a fresh SQLite file, or a new schema in a private PostgreSQL one.

PostgreSQL comes from UPSTREAM_BOT_TEST_POSTGRES_URL. Test runs may share that server, so
each session creates its own uniquely named database (dropped at the end) and each test
gets its own schema inside it; nothing else on the server is touched.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, Engine, create_engine

from bot.store import Store, migrate, open_engine, parse_url, session_factory
from bot.store.models import Base

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


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that tests copy instead of migrating again."""
    path = tmp_path_factory.mktemp("template") / "store.sqlite3"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_store_database(postgres_database: Engine) -> Iterator[Engine]:
    """A schema migrated once per session; ``store_engine`` empties it before each test."""
    with postgres_database.connect() as connection:
        connection.exec_driver_sql('CREATE SCHEMA "store"')
    url = postgres_database.url.update_query_dict({"options": "-csearch_path=store"})
    engine = open_engine(url)
    migrate(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def store_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on each backend, prepared faster than ``migrated``."""
    if request.param == "sqlite":
        path = tmp_path / "store.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        engine = open_engine(f"sqlite:///{path}")
        try:
            yield engine
        finally:
            engine.dispose()
        return
    engine = request.getfixturevalue("postgres_store_database")
    # DELETE, children first: on a few rows it is much faster than TRUNCATE.
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    yield engine


@pytest.fixture
def store(store_engine: Engine) -> Store:
    return Store(session_factory(store_engine))
