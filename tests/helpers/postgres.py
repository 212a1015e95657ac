"""The throwaway PostGIS cluster of the tests: a superuser connection, creating and dropping
databases, a database cloned from the migrated template, a fingerprint of a database's contents
for comparing two of them, and a streaming replica."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from app.database import make_engine
from app.embedded import EmbeddedPostgres

_counter = itertools.count()


def admin_conn(cluster: EmbeddedPostgres) -> psycopg.Connection:
    return psycopg.connect(host="127.0.0.1", port=cluster.port, user="postgres",
                           password=cluster.password(), dbname="postgres", autocommit=True)


def database(cluster: EmbeddedPostgres, name: str, template: str | None = None) -> str:
    """A new database in the cluster (empty, or a copy of ``template``); its SQLAlchemy URL."""
    with admin_conn(cluster) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return cluster.url(name)


def drop_database(cluster: EmbeddedPostgres, name: str) -> None:
    with admin_conn(cluster) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_APP_TABLES = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = %s
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1
"""


def _geometry_columns(conn: psycopg.Connection) -> list[tuple[str, str]]:
    if conn.execute("SELECT to_regclass('public.geometry_columns')").fetchone() == (None,):
        return []  # no PostGIS
    return conn.execute("SELECT f_table_name, f_geometry_column FROM geometry_columns "
                        "WHERE f_table_schema = 'public' ORDER BY 1, 2").fetchall()


def fingerprint(url: str) -> dict[str, tuple[object, ...]]:
    """The contents of the app's schema, to compare two databases: per table its row count and
    the md5 of its rows in order (a row's text form carries a geometry as hex EWKB), per
    geometry column the md5 of its values as WKB hex, per sequence where it stands."""
    prints: dict[str, tuple[object, ...]] = {}
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        for (table,) in conn.execute(_APP_TABLES, ("r",)).fetchall():
            prints[table] = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
                f'FROM public."{table}" t').fetchone() or ()
        for table, column in _geometry_columns(conn):
            wkb = f'encode(ST_AsBinary("{column}"), \'hex\')'
            prints[f"{table}.{column} (WKB)"] = conn.execute(
                f"SELECT md5(coalesce(string_agg({wkb}, ',' ORDER BY {wkb}), '')) "
                f'FROM public."{table}"').fetchone() or ()
        for (sequence,) in conn.execute(_APP_TABLES, ("S",)).fetchall():
            prints[sequence] = conn.execute(
                f'SELECT last_value, is_called FROM public."{sequence}"').fetchone() or ()
    return prints


def start_replica(primary: EmbeddedPostgres, home: Path, port: int) -> EmbeddedPostgres:
    """A streaming replica of ``primary`` in ``home`` (pg_basebackup -R), started on ``port``.
    ``home``'s parents must be enterable by the postgres account (see app.embedded)."""
    standby = EmbeddedPostgres(home, port, primary.pg_bin)
    standby.data_dir.mkdir(mode=0o700)
    shutil.copy(primary.password_file, standby.password_file)
    source = f"postgresql://postgres:{primary.password()}@127.0.0.1:{primary.port}/postgres"
    # -R: standby.signal and primary_conninfo, i.e. a streaming replica once started
    standby._run("pg_basebackup", "-d", source, "-D", str(standby.pgdata), "-R", "-X", "stream",
                 "-c", "fast")
    standby._run("pg_ctl", "-D", str(standby.pgdata), "-l", str(standby.log_file), "-w", "-t", "60",
                 "-o", f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''",
                 "start")
    return standby


@contextmanager
def cloned_database(cluster: EmbeddedPostgres, template: str) -> Iterator[str]:
    """The URL of a new database copied from ``template``, dropped afterwards."""
    name = f"test_{next(_counter)}"
    with admin_conn(cluster) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    url = cluster.url(name)
    yield url
    make_engine(url).dispose()
    with admin_conn(cluster) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
