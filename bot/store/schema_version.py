"""Where the database schema stands against the packaged migrations, and bringing it to head.

Alembic runs from code: the configuration is built here with ``script_location``
pointing inside the package, so no ``alembic.ini`` is needed at run time.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from bot.store.errors import StoreError, database_error, mask_url

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")

#: Replicas starting together on PostgreSQL migrate one at a time under this advisory lock.
MIGRATION_LOCK_KEY = 0x75707374726D6967


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for the packaged migrations, optionally bound to a connection."""
    config = Config()
    # Config values go through configparser interpolation, which treats "%" specially.
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration shipped with this version of the bot."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise StoreError(f"no migrations found in {MIGRATIONS}: the package is incomplete")
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None when it was never migrated."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except DBAPIError as exc:
        raise database_error(exc, engine.url, doing="reading the schema version of") from None


def is_at_head(engine: Engine) -> bool:
    """True when the database is migrated to exactly this version's newest migration."""
    return current_revision(engine) == head_revision()


def upgrade(engine: Engine) -> None:
    """Run every missing migration in one transaction; running it again changes nothing."""
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            before = MigrationContext.configure(connection).get_current_revision()
            command.upgrade(alembic_config(connection), "head")
    except CommandError as exc:
        raise StoreError(
            f"cannot migrate {mask_url(engine.url)}: {exc}; if the database was migrated by "
            "a newer version of upstream-bot, run that version"
        ) from None
    except DBAPIError as exc:
        raise database_error(exc, engine.url, doing="migrating") from None
    log.info(
        "database schema at head",
        extra={
            "database": mask_url(engine.url),
            "from_revision": before,
            "revision": head_revision(),
        },
    )
