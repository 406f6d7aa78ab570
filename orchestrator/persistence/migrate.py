"""Schema migrations with Alembic, driven from code so ``c2m db upgrade`` and ``c2m up`` share one path."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from orchestrator.persistence.db import normalise_url
from orchestrator.settings import Settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations and the given database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (creating a SQLite file's folder as needed)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def current(url: str) -> str | None:
    """The revision the database is at, or None when it has never been migrated."""
    from alembic.runtime.migration import MigrationContext

    from orchestrator.persistence.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def seed_stock(settings: Settings) -> int:
    """Load the starting stock file into an empty stock table; returns how many items were loaded."""
    from orchestrator.persistence.db import make_engine
    from orchestrator.persistence.inventory_repo import seed_stock_from_file
    from orchestrator.runtime import plant_clock

    engine = make_engine(settings.resolved_database_url)
    try:
        return seed_stock_from_file(engine, plant_clock(settings).now(), settings.stock_file)
    finally:
        engine.dispose()
