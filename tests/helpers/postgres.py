"""The throwaway PostGIS cluster of the tests: a superuser connection for creating databases."""

from __future__ import annotations

import psycopg

from app.embedded import EmbeddedPostgres


def admin_conn(cluster: EmbeddedPostgres) -> psycopg.Connection:
    return psycopg.connect(host="127.0.0.1", port=cluster.port, user="postgres",
                           password=cluster.password(), dbname="postgres", autocommit=True)
