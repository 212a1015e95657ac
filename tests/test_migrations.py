"""Alembic: the schema comes only from migrations, and they go down and up again."""

import psycopg
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, inspect

from app import migrate
from app.models import Base


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_database_url):
    migrate.upgrade(empty_database_url)
    assert {"municipality", "vacancy", "vacancy_history", "app_user", "api_token"} <= _tables(
        empty_database_url
    )
    migrate.downgrade(empty_database_url, "base")
    assert _tables(empty_database_url) <= {"alembic_version", "spatial_ref_sys"}
    migrate.upgrade(empty_database_url)
    assert "vacancy" in _tables(empty_database_url)


def test_first_revision_creates_postgis(empty_database_url):
    migrate.upgrade(empty_database_url)
    dsn = empty_database_url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT extname FROM pg_extension WHERE extname = 'postgis'").fetchone()


def test_models_match_migrations(empty_database_url):
    """Nothing in the models is missing from the migrations (what `alembic check` tests)."""
    migrate.upgrade(empty_database_url)
    engine = create_engine(empty_database_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "include_object": alembic_helpers.include_object, "compare_type": True,
        })
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_offline_sql_renders(empty_database_url, capsys):
    command.upgrade(migrate.alembic_config(empty_database_url), "head", sql=True)
    out = capsys.readouterr().out
    assert "CREATE EXTENSION IF NOT EXISTS postgis" in out
    assert "CREATE TABLE vacancy" in out
