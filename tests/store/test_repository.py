"""bot/store/repository.py: database failures in Store calls are StoreErrors with masked URLs."""

from __future__ import annotations

import pytest
from sqlalchemy import URL, Engine

from bot.store import Store, StoreError, open_engine, session_factory
from bot.store.records import PackageRecord

from .builders import NOW


def test_a_failing_statement_is_a_store_error_naming_the_masked_url(database_url: URL) -> None:
    # Trust authentication accepts any password, which lets a test carry one in the URL.
    with_password = database_url.set(password="s3cret") if database_url.host else database_url
    engine: Engine = open_engine(with_password)
    try:
        store = Store(session_factory(engine))  # never migrated: the tables are missing
        with pytest.raises(StoreError) as caught:
            store.upsert_package(PackageRecord(name="bash", repo="rpms/bash"), now=NOW)
    finally:
        engine.dispose()
    message = str(caught.value)
    assert message.startswith("storing package bash in ")
    assert "packages" in message
    assert "s3cret" not in message
    assert "[SQL:" not in message
    if database_url.host:
        assert ":***@" in message
