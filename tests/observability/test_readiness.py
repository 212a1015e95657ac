"""Liveness and readiness: /healthz never asks the database; /readyz says which check failed,
with Retry-After, and answers in time whatever PostgreSQL does."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.config import Settings
from app.database import make_engine
from app.main import create_app
from app.migrate import Revisions, script_revisions
from app.observability.readiness import migration_state
from tests.helpers.server import SECRET, free_port

SCRIPTS = Revisions(heads=frozenset({"0003"}), known=frozenset({"0001", "0002", "0003"}))


@pytest.mark.parametrize(("current", "state"), [
    ({"0003"}, "ok"), ({"0002"}, "behind"), ({"0001"}, "behind"), (set(), "missing"),
    ({"0004"}, "unknown_revision"), ({"0003", "0004"}, "unknown_revision"),
])
def test_migration_state(current, state):
    assert migration_state(frozenset(current), SCRIPTS) == state


def _client_for(url: str) -> TestClient:
    settings = Settings(_env_file=None, database_url=url, secret_key=SECRET, cookie_secure=False)
    return TestClient(create_app(settings))


@pytest.fixture
def nowhere() -> Iterator[TestClient]:
    """The app with its database on a loopback port where nothing listens."""
    with _client_for(f"postgresql+psycopg://leerstand:pw-7f3a@127.0.0.1:{free_port()}/x") as client:
        yield client


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A database URL whose server takes the connection and never says a word (a hung host)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)  # the kernel completes the handshakes; nobody ever reads
        yield f"postgresql+psycopg://leerstand:pw@127.0.0.1:{sock.getsockname()[1]}/x"


def _set_revision(database_url: str, statement: str) -> None:
    with make_engine(database_url).begin() as conn:
        conn.execute(text(statement))


def test_healthz_answers_without_a_database(nowhere):
    response = nowhere.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_when_migrated(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready" and body["failed"] is None
    assert body["checks"] == {"database": "ok", "migrations": "ok"}
    assert body["database_revisions"] == body["head_revisions"] == sorted(script_revisions().heads)


def test_not_ready_when_the_database_is_unreachable(nowhere):
    started = time.monotonic()
    response = nowhere.get("/readyz")
    assert time.monotonic() - started < 2.5
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    body = response.json()
    assert body["status"] == "not_ready" and body["failed"] == "database"
    assert body["checks"] == {"database": "unreachable", "migrations": "not_checked"}
    assert "pw-7f3a" not in response.text


def test_readyz_answers_in_time_when_the_database_hangs(silent_server):
    with _client_for(silent_server) as client:
        for _ in range(2):  # the second may find the first check still running
            started = time.monotonic()
            response = client.get("/readyz")
            elapsed = time.monotonic() - started
            assert response.status_code == 503
            assert response.json()["failed"] == "database"
            assert elapsed < 3.0, elapsed


def test_not_ready_when_migrations_are_behind(database_url, client):
    _set_revision(database_url, "UPDATE alembic_version SET version_num = '0004'")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    body = response.json()
    assert body["failed"] == "migrations"
    assert body["checks"] == {"database": "ok", "migrations": "behind"}
    assert body["database_revisions"] == ["0004"]

    _set_revision(database_url, f"UPDATE alembic_version SET version_num = "
                                f"'{min(script_revisions().heads)}'")
    assert client.get("/readyz").status_code == 200


@pytest.mark.parametrize(("statement", "state"), [
    ("UPDATE alembic_version SET version_num = 'f00dcafe'", "unknown_revision"),
    ("DELETE FROM alembic_version", "missing"),
    ("DROP TABLE alembic_version", "missing"),
])
def test_not_ready_when_the_revision_is_not_the_head(database_url, client, statement, state):
    _set_revision(database_url, statement)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "migrations": state}


def test_a_change_of_readiness_is_logged_once(nowhere, caplog):
    with caplog.at_level(logging.INFO, logger="app.observability.readiness"):
        for _ in range(3):
            assert nowhere.get("/readyz").status_code == 503
    lines = [r.getMessage() for r in caplog.records if r.name == "app.observability.readiness"]
    assert lines == ["not ready: database unreachable, migrations not_checked "
                     "(OperationalError (SQLSTATE None))"]
