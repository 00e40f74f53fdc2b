"""The bot's state in SQLite (embedded) or PostgreSQL (scale-out), behind ``Store``.

Typical use::

    engine = open_engine(settings.database_url)
    migrate(engine)
    store = Store(session_factory(engine))
"""

from bot.store.db import migrate, open_engine, parse_url, session_factory
from bot.store.errors import StoreError, mask_url
from bot.store.repository import Store
from bot.store.schema_version import current_revision, head_revision, is_at_head

__all__ = [
    "Store",
    "StoreError",
    "current_revision",
    "head_revision",
    "is_at_head",
    "mask_url",
    "migrate",
    "open_engine",
    "parse_url",
    "session_factory",
]
