"""Alembic environment: runs migrations against the URL set by ``orchestrator.persistence.migrate``."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import orchestrator.persistence.tables  # noqa: F401  (registers every table on the metadata)
from orchestrator.persistence.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url must be set"
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
