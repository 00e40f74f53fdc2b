"""How the bot opens its database: which backends, with which connection options.

SQLite (embedded mode) gets WAL, foreign keys, a busy timeout and ``BEGIN IMMEDIATE``
transactions (a deferred ``BEGIN`` for those opened with ``READ_ONLY``); PostgreSQL
(scale-out) gets a pre-pinged pool and a connect timeout.
Every failure to parse, load or reach the database is a ``StoreError`` naming the URL
with its password masked.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from bot.store import schema_version
from bot.store.errors import StoreError, database_error, mask_url

BUSY_TIMEOUT_SECONDS = 30
CONNECT_TIMEOUT_SECONDS = 10
APPLICATION_NAME = "upstream-bot"

_READ_ONLY_KEY = "upstream_bot_read_only"
#: Connection execution options of a transaction that only reads (see ``_sqlite_on_begin``).
READ_ONLY: Mapping[str, Any] = MappingProxyType({_READ_ONLY_KEY: True})

URL_EXAMPLES = "sqlite:///var/upstream-bot.sqlite3 or postgresql+psycopg://user@host:5432/db"


def parse_url(url: str | URL) -> URL:
    """Parse ``url`` and pick our driver for it; refuse backends the store does not support.

    ``postgres://`` and a bare ``postgresql://`` (both common in hosting dashboards) mean
    psycopg 3, the driver we ship, rather than SQLAlchemy's default psycopg2.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError, TypeError):
        raise StoreError(
            f"cannot parse database URL {mask_url(url)!r}: expected e.g. {URL_EXAMPLES}"
        ) from None
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql") and parsed.drivername in ("postgres", "postgresql"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend not in ("sqlite", "postgresql"):
        raise StoreError(
            f"unsupported database {mask_url(parsed)}: the store runs on SQLite or "
            f"PostgreSQL, e.g. {URL_EXAMPLES}"
        )
    return parsed


def open_engine(url: str | URL) -> Engine:
    """Create an engine for ``url`` and check that the database answers."""
    parsed = parse_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = _sqlite_engine(parsed)
        else:
            engine = _postgresql_engine(parsed)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise StoreError(
            f"cannot load the driver for {mask_url(parsed)}: {exc}; install psycopg[binary] "
            "for PostgreSQL"
        ) from None
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        engine.dispose()
        raise database_error(exc, parsed, doing="connecting to") from None
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; rows stay readable after commit (we hand out copies)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def migrate(engine_or_url: Engine | str | URL) -> None:
    """Bring the schema to the newest migration; an engine made here is disposed here."""
    if isinstance(engine_or_url, Engine):
        schema_version.upgrade(engine_or_url)
        return
    engine = open_engine(engine_or_url)
    try:
        schema_version.upgrade(engine)
    finally:
        engine.dispose()


def _sqlite_engine(url: URL) -> Engine:
    options: dict[str, Any] = {}
    if url.database in (None, "", ":memory:"):
        # One shared connection, or every new connection would see an empty database.
        options = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    engine = create_engine(url, **options)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # sqlite3 would begin transactions itself, lazily and not for DDL; we issue our own BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    if connection.get_execution_options().get(_READ_ONLY_KEY):
        # A reader needs no lock in WAL mode: it reads the last commit while a writer works,
        # instead of queueing behind every scanner write for the write lock.
        connection.exec_driver_sql("BEGIN")
        return
    # IMMEDIATE takes the write lock up front, so a read-then-write transaction waits
    # for the busy timeout instead of failing with "database is locked" mid-way.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _postgresql_engine(url: URL) -> Engine:
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    if "application_name" not in url.query:
        connect_args["application_name"] = APPLICATION_NAME
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        pool_recycle=1800,
        pool_timeout=30,
        connect_args=connect_args,
    )
