"""Read routing to a real streaming replica of the test cluster (pg_basebackup -R): anonymous
map lists, exports, OGC and statistics read from the replica; a writer reads the primary right
after their write; a lagging or unreachable replica is not read from."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.embedded import EmbeddedPostgres
from app.main import create_app
from tests.helpers.postgres import start_replica
from tests.helpers.server import SECRET, free_port
from tests.helpers.towns import SCHMOELLN
from tests.helpers.users import bearer
from tests.helpers.vacancies import VACANCIES, create, feature


@pytest.fixture(scope="module")
def replica(pg_cluster: EmbeddedPostgres) -> Iterator[EmbeddedPostgres]:
    home = Path(tempfile.mkdtemp(prefix="leerstand-replica-"))
    home.chmod(0o711)
    standby = start_replica(pg_cluster, home / "data", free_port())
    yield standby
    standby.stop()
    shutil.rmtree(home, ignore_errors=True)


def _on(cluster: EmbeddedPostgres, url: str) -> str:
    """The same database on another cluster (the replica)."""
    name = url.rsplit("/", 1)[1]
    return cluster.url(name)


def _standby_sql(replica: EmbeddedPostgres, sql: str) -> None:
    with psycopg.connect(host="127.0.0.1", port=replica.port, user="postgres",
                         password=replica.password(), dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)


def _wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.2)


def _replica_has_user(replica: EmbeddedPostgres, database_url: str, email: str) -> bool:
    try:
        with psycopg.connect(_on(replica, database_url).replace("+psycopg", "")) as conn:
            return conn.execute("SELECT 1 FROM app_user WHERE email = %s", (email,)).fetchone() \
                is not None
    except psycopg.OperationalError:  # the database itself has not arrived yet
        return False


def _routed_app(database_url: str, read_url: str, **extra) -> TestClient:
    settings = Settings(_env_file=None, database_url=database_url, read_database_url=read_url,
                        secret_key=SECRET, cookie_secure=False, **extra)
    return TestClient(create_app(settings))


EXPORT = f"/api/v1/export/vacancies.csv?municipality={SCHMOELLN}"


def _csv_ids(response) -> set[int]:
    assert response.status_code == 200, response.text
    return {int(row["id"]) for row in csv.DictReader(io.StringIO(response.text))}


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.text
    return {f["id"] for f in response.json()["features"]}


@pytest.fixture
def staff_email(users, database_url, replica) -> tuple[str, dict[str, str]]:
    email = "replica-staff@example.org"
    headers = bearer(users.token("staff", SCHMOELLN, email=email))
    _wait_for(lambda: _replica_has_user(replica, database_url, email))
    return email, headers


@pytest.fixture
def paused(replica) -> Iterator[None]:
    """The replica receives WAL but does not replay it: it stays behind until resumed."""
    _standby_sql(replica, "SELECT pg_wal_replay_pause()")
    yield
    _standby_sql(replica, "SELECT pg_wal_replay_resume()")


def test_reads_routed_to_replica_and_writers_read_their_own_writes(
        database_url, replica, staff_email, paused):
    _, staff = staff_email
    with _routed_app(database_url, _on(replica, database_url), read_after_write_s=2,
                     replica_max_lag_s=600) as client:
        new = create(client, staff, feature(SCHMOELLN))["id"]
        listed = f"{VACANCIES}?municipality={SCHMOELLN}"
        # anonymous readers: the paused replica, which has not replayed the new record
        assert new not in _ids(client.get(listed))
        assert client.get(f"{VACANCIES}/{new}").status_code == 404
        assert new not in _csv_ids(client.get(EXPORT))
        assert new not in _ids(client.get("/ogc/collections/vacancies/items?limit=1000"))
        # the writer, right after the write: the primary
        assert new in _ids(client.get(listed, headers=staff))
        assert client.get(f"{VACANCIES}/{new}", headers=staff).status_code == 200
        assert new in _csv_ids(client.get(EXPORT, headers=staff))
        # once the read-after-write time is over, the writer reads the replica like everybody
        time.sleep(2.5)
        assert new not in _ids(client.get(listed, headers=staff))
        assert client.get(f"{VACANCIES}/{new}", headers=staff).status_code == 404
        _standby_sql(replica, "SELECT pg_wal_replay_resume()")
        _wait_for(lambda: new in _ids(client.get(listed)))


def test_lagging_replica_is_not_read(database_url, replica, staff_email, paused):
    _, staff = staff_email
    with _routed_app(database_url, _on(replica, database_url), read_after_write_s=0,
                     replica_max_lag_s=1) as client:
        new = create(client, staff, feature(SCHMOELLN))["id"]
        time.sleep(2.2)  # the replica is now more than a second behind (and the check's cache old)
        assert new in _ids(client.get(f"{VACANCIES}?municipality={SCHMOELLN}"))


def test_unreachable_replica_is_not_read(database_url, staff_email):
    _, staff = staff_email
    closed = f"postgresql+psycopg://postgres:x@127.0.0.1:{free_port()}/nowhere"
    with _routed_app(database_url, closed, read_after_write_s=0) as client:
        new = create(client, staff, feature(SCHMOELLN))["id"]
        assert new in _ids(client.get(f"{VACANCIES}?municipality={SCHMOELLN}"))
        assert client.get("/api/v1/statistics/municipalities").status_code == 200


def test_read_url_needs_a_primary_url():
    with pytest.raises(ValueError, match="LEERSTAND_READ_DATABASE_URL needs"):
        Settings(_env_file=None, read_database_url="postgresql://x@127.0.0.1/db")
    with pytest.raises(ValueError, match="LEERSTAND_READ_DATABASE_URL must be a PostgreSQL"):
        Settings(_env_file=None, database_url="postgresql://x@127.0.0.1/db", secret_key=SECRET,
                 read_database_url="mysql://x@127.0.0.1/db")
