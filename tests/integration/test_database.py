"""Migrations on SQLite and PostgreSQL: they reach head and match the table models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import orchestrator.persistence.tables  # noqa: F401
from orchestrator.persistence.migrate import alembic_config, current


def test_migrations_reach_head(db_url: str) -> None:
    head = ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()
    assert current(db_url) == head


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), SQLModel.metadata)
    assert diff == [], f"models and migrations differ; generate a migration: {diff}"


def test_orders_and_events_tables_exist(engine: Engine) -> None:
    names = set(inspect(engine).get_table_names())
    assert {"orders", "events"} <= names
