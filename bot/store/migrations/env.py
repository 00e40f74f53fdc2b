"""Alembic environment for the store: migrations run on the connection the bot hands over.

``bot.store.schema_version`` puts an open connection in ``config.attributes``. Without
one (a developer running ``alembic`` by hand with ``-x url=...``), a connection is opened
from that URL; offline mode renders SQL for that URL's dialect.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.types import TypeDecorator

from bot.store.models import Base
from bot.store.types import EnumString, UtcDateTime

OUR_TYPES = (EnumString, UtcDateTime)


def render_item(kind, obj, autogen_context):
    """Render our column types as the plain types they store, so migrations outlive them."""
    if kind == "type" and isinstance(obj, OUR_TYPES) and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def _options() -> dict:
    return {
        "target_metadata": Base.metadata,
        "compare_type": True,
        "render_item": render_item,
        # SQLite alters tables by copying them; batch mode lets later migrations do that.
        "render_as_batch": True,
    }


def _run(connection) -> None:
    context.configure(connection=connection, **_options())
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("pass the database URL: alembic -x url=sqlite:///file.sqlite3 ...")
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, **_options())
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


main()
