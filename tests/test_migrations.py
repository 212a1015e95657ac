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


def test_0004_moves_creation_entries_into_the_vacancy_row_and_back(empty_database_url):
    """0004 drops the stored "created" history rows (the vacancy row records its creation);
    its downgrade writes them back with the first status, taken from the first status change."""
    migrate.upgrade(empty_database_url, "0003")
    dsn = empty_database_url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(dsn) as conn:
        conn.execute("INSERT INTO municipality (id, ags, name, boundary) VALUES (1, '16077043', "
                     "'Schmölln', ST_Multi(ST_MakeEnvelope(12.3, 50.8, 12.4, 50.9, 4326)))")
        conn.execute("INSERT INTO vacancy (id, municipality_id, location, status, source) VALUES "
                     "(7, 1, ST_SetSRID(ST_MakePoint(12.35, 50.85), 4326), 'interim_use', 'import')")
        conn.execute("""INSERT INTO vacancy_history (vacancy_id, version, field, old_value, new_value)
                        VALUES (7, 1, 'created', NULL, '{"status": "vacant"}'),
                               (7, 2, 'status', '"vacant"', '"interim_use"')""")
    migrate.upgrade(empty_database_url)
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT field FROM vacancy_history ORDER BY id").fetchall() == [
            ("status",)]
    migrate.downgrade(empty_database_url, "0003")
    with psycopg.connect(dsn) as conn:
        created = conn.execute("SELECT version, new_value FROM vacancy_history "
                               "WHERE field = 'created'").fetchall()
    assert created == [(1, {"status": "vacant", "source": "import"})]


def test_0008_keeps_old_supports_counting_against_the_address_ceiling_and_goes_back(
        empty_database_url):
    """0008: the old per-address client_hash becomes ip_hash; its downgrade keeps one support
    row (and one flag key) per address, as the old de-duplication expects."""
    migrate.upgrade(empty_database_url, "0007")
    dsn = empty_database_url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(dsn) as conn:
        conn.execute("INSERT INTO municipality (id, ags, name, boundary) VALUES (1, '16077043', "
                     "'Schmölln', ST_Multi(ST_MakeEnvelope(12.3, 50.8, 12.4, 50.9, 4326)))")
        conn.execute("INSERT INTO proposal (id, municipality_id, title, description, category, "
                     "duration, status, status_token_hash, support_count) VALUES (5, 1, 'Idee', "
                     "'x', 'social', 'either', 'published', 'h', 1)")
        conn.execute("INSERT INTO proposal_support (proposal_id, client_hash) VALUES (5, 'ip-a')")
        conn.execute("INSERT INTO proposal_flag (proposal_id, reason, client_hash) "
                     "VALUES (5, 'spam', 'ip-a')")
    migrate.upgrade(empty_database_url)
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT client_hash, ip_hash FROM proposal_support").fetchall() == [
            ("ip-a", "ip-a")]
        assert conn.execute("SELECT ip_hash FROM proposal_flag").fetchall() == [("ip-a",)]
        # two more browsers behind address a, one behind b
        conn.execute("INSERT INTO proposal_support (proposal_id, client_hash, ip_hash) VALUES "
                     "(5, 'browser-2', 'ip-a'), (5, 'browser-3', 'ip-b')")
        conn.execute("INSERT INTO proposal_flag (proposal_id, reason, client_hash, ip_hash) "
                     "VALUES (5, 'offensive', 'browser-2', 'ip-a')")
    migrate.downgrade(empty_database_url, "0007")
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT client_hash FROM proposal_support ORDER BY id").fetchall() == [
            ("ip-a",), ("ip-b",)]
        assert conn.execute("SELECT reason, client_hash FROM proposal_flag ORDER BY id"
                            ).fetchall() == [("spam", "ip-a"), ("offensive", None)]
    migrate.upgrade(empty_database_url)


def test_0013_keeps_owner_contact_and_starts_the_dialogue_empty(empty_database_url):
    """0013 loses nothing: owner_contact stays the owner's contact details as it was, the consent
    starts at "none", no follow-up, an empty log and the town's setting off; its downgrade keeps
    owner_contact too."""
    migrate.upgrade(empty_database_url, "0011")
    dsn = empty_database_url.replace("postgresql+psycopg", "postgresql")
    contact = "Frau Alt, Markt 1, 036602 12345\nalt@example.org"
    with psycopg.connect(dsn) as conn:
        conn.execute("INSERT INTO municipality (id, ags, name, boundary) VALUES (1, '16077043', "
                     "'Schmölln', ST_Multi(ST_MakeEnvelope(12.3, 50.8, 12.4, 50.9, 4326)))")
        conn.execute("INSERT INTO vacancy (id, municipality_id, location, status, source, "
                     "owner_contact) VALUES (7, 1, ST_SetSRID(ST_MakePoint(12.35, 50.85), 4326), "
                     "'vacant', 'staff', %s), (8, 1, ST_SetSRID(ST_MakePoint(12.36, 50.85), "
                     "4326), 'vacant', 'staff', NULL)", (contact,))
    migrate.upgrade(empty_database_url)
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT id, owner_contact, owner_consent, next_follow_up "
                            "FROM vacancy ORDER BY id").fetchall()
        assert rows == [(7, contact, "none", None), (8, None, "none", None)]
        assert conn.execute("SELECT count(*) FROM owner_contact_entry").fetchone() == (0,)
        assert conn.execute("SELECT require_owner_consent FROM municipality").fetchone() == (False,)
    migrate.downgrade(empty_database_url, "0011")
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT owner_contact FROM vacancy WHERE id = 7").fetchone() == (
            contact,)
