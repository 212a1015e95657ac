"""The throwaway PostGIS cluster of the tests: a superuser connection for creating databases,
and a database cloned from the migrated template."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from app.database import make_engine
from app.embedded import EmbeddedPostgres

_counter = itertools.count()


def admin_conn(cluster: EmbeddedPostgres) -> psycopg.Connection:
    return psycopg.connect(host="127.0.0.1", port=cluster.port, user="postgres",
                           password=cluster.password(), dbname="postgres", autocommit=True)


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
