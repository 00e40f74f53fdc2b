"""bot/store/schema_version.py: packaged migrations, head checks, and schema equal to the models."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import URL, Engine, inspect

from bot.store import (
    StoreError,
    current_revision,
    head_revision,
    is_at_head,
    migrate,
    open_engine,
)
from bot.store.models import Base
from bot.store.schema_version import MIGRATIONS, alembic_config

ROOT = Path(__file__).resolve().parents[2]
TABLES = {
    "packages", "branches", "changes", "change_targets", "status_transitions", "scan_runs",
    "scan_snapshots", "actions", "inbox", "digest_ledger", "findings", "audit_log",
}


def _schema_diff(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_migrations_ship_inside_the_package_without_an_ini_file() -> None:
    assert (MIGRATIONS / "env.py").is_file()
    # revisions are numbered in order; the newest file is the single head
    newest = max((MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    assert head_revision() == newest.name[:4]


def test_a_new_database_is_not_at_head(engine: Engine) -> None:
    assert current_revision(engine) is None
    assert is_at_head(engine) is False


def test_migrate_creates_every_table_and_reaches_head(engine: Engine) -> None:
    migrate(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    assert is_at_head(engine) is True


def test_migrating_twice_changes_nothing(engine: Engine) -> None:
    migrate(engine)
    before = sorted(inspect(engine).get_table_names())
    migrate(engine)
    inspector = inspect(engine)
    assert sorted(inspector.get_table_names()) == before
    assert current_revision(engine) == head_revision()


def test_migrated_schema_matches_the_models(migrated: Engine) -> None:
    assert _schema_diff(migrated) == []


def test_the_schema_check_would_see_a_drift(migrated: Engine) -> None:
    with migrated.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_changes_patch_id")
    diff = _schema_diff(migrated)
    assert [entry[0] for entry in diff] == ["add_index"]  # type: ignore[index]


def test_downgrade_to_base_and_back(migrated: Engine) -> None:
    with migrated.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert TABLES.isdisjoint(inspect(migrated).get_table_names())
    migrate(migrated)
    assert _schema_diff(migrated) == []


@pytest.mark.parametrize("replicas", [3], ids=["three-replicas"])
def test_replicas_migrating_at_once_all_succeed(database_url: URL, replicas: int) -> None:
    # Separate processes, as real replicas are: Alembic's context is process-global.
    url = database_url.render_as_string(hide_password=False)
    script = "import sys; from bot.store import migrate; migrate(sys.argv[1])"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, url], cwd=ROOT, stderr=subprocess.PIPE, text=True
        )
        for _ in range(replicas)
    ]
    errors = [process.communicate(timeout=120)[1] for process in processes]
    assert [process.returncode for process in processes] == [0] * replicas, errors
    engine = open_engine(database_url)
    try:
        assert is_at_head(engine)
        assert _schema_diff(engine) == []
    finally:
        engine.dispose()


def test_a_database_from_a_newer_version_is_refused(migrated: Engine) -> None:
    with migrated.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    assert is_at_head(migrated) is False
    with pytest.raises(StoreError, match="run that version"):
        migrate(migrated)
    assert current_revision(migrated) == "9999"
