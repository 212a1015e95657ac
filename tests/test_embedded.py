"""The embedded cluster where user namespaces are not allowed (chroots, many containers): as root
it falls back to running PostgreSQL as the postgres account through runuser."""

from __future__ import annotations

import os

import psycopg
import pytest

from app import embedded
from app.embedded import EmbeddedPostgres, EmbeddedPostgresError, find_pg_bin
from tests.helpers.server import free_port

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the runuser fallback is for root only")


@pytest.fixture
def no_user_namespaces(monkeypatch):
    monkeypatch.setattr(embedded, "_can_unshare", lambda: False)


def test_cluster_runs_as_postgres_without_user_namespaces(no_user_namespaces, cluster_home):
    cluster = EmbeddedPostgres(cluster_home / "data", free_port(), find_pg_bin())
    cluster.start()
    try:
        assert cluster._prefix()[0] == "runuser"
        with psycopg.connect(cluster.url().replace("+psycopg", "")) as conn:
            assert conn.execute("SELECT current_user, postgis_lib_version() IS NOT NULL"
                                ).fetchone() == ("postgres", True)
    finally:
        cluster.stop()
    assert not cluster.is_running()


def test_unreachable_data_folder_is_named_with_the_fix(no_user_namespaces, cluster_home):
    locked = cluster_home / "private"
    locked.mkdir(mode=0o700)
    cluster = EmbeddedPostgres(locked / "data", free_port(), find_pg_bin())
    with pytest.raises(EmbeddedPostgresError) as error:
        cluster.start()
    message = str(error.value)
    assert f"cannot enter {locked}" in message
    assert "LEERSTAND_DATA_DIR" in message and f"chmod o+x {locked}" in message
    assert not (locked / "data" / "pg").exists()  # nothing half-initialised is left behind
