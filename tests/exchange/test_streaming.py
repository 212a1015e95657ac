"""Streamed exports (GeoJSON, CSV) that fail: before anything was sent they answer with an error
status; once the 200 is out, the chunked body is cut off (no terminating chunk), so that no client
takes a short file for a complete one. Against the real PostGIS, and a real uvicorn."""

from __future__ import annotations

import logging
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import anyio
import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app.config import Settings
from app.database import make_engine
from app.exchange import export
from app.main import create_app
from app.responses import StreamAborted
from tests.helpers.server import SECRET, free_port
from tests.helpers.vacancies import insert_many

URL = "/api/v1/export/vacancies"
STREAMED = ["csv", "geojson"]
UNAVAILABLE = {"detail": "the database is not available", "code": "unavailable"}


def _libpq(database_url: str) -> dict:
    url = make_url(database_url)
    return {"host": url.host, "port": url.port, "user": url.username, "password": url.password,
            "dbname": url.database, "autocommit": True}


def terminate_export(database_url: str) -> int:
    """Terminates the backend that serves the export (the one in a transaction), as an operator
    or a crash would; returns its pid."""
    with psycopg.connect(**_libpq(database_url)) as conn:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            pids = [pid for (pid,) in conn.execute(  # (not an autovacuum worker)
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid() "
                "AND xact_start IS NOT NULL")]
            if pids:
                assert len(pids) == 1, pids
                assert conn.execute("SELECT pg_terminate_backend(%s)", pids).fetchone() == (True,)
                return pids[0]
            time.sleep(0.02)
    raise AssertionError("no export backend to terminate")


# --- before the response starts: an error status ------------------------------------------

@pytest.fixture
def down_client():
    """The app with its database down (nothing listens on the port)."""
    settings = Settings(_env_file=None, secret_key=SECRET, cookie_secure=False,
                        database_url=f"postgresql+psycopg://leerstand:x@127.0.0.1:{free_port()}/x")
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize("fmt", ["csv", "geojson", "gpkg"])
def test_database_down_gives_503(down_client, fmt):
    response = down_client.get(f"{URL}.{fmt}")
    assert response.status_code == 503, response.text
    assert response.json() == UNAVAILABLE


@contextmanager
def vacancies_locked(database_url: str) -> Iterator[None]:
    """The vacancy table locked by another transaction, and a lock_timeout of 200 ms for the
    app's connections: the export's query fails (LockNotAvailable) before it reads a row."""
    with psycopg.connect(**_libpq(database_url)) as conn:
        conn.execute(f'ALTER DATABASE "{conn.info.dbname}" SET lock_timeout = 200')
        make_engine(database_url).dispose()  # new connections get the setting
        # should the app wait for the lock regardless, the lock goes after 20 s: no hung test
        conn.execute("SET idle_in_transaction_session_timeout = '20s'")
        with conn.transaction():
            conn.execute("LOCK TABLE vacancy IN ACCESS EXCLUSIVE MODE")
            yield


@pytest.mark.parametrize("fmt", STREAMED)
def test_query_failing_before_the_first_chunk_gives_its_status(client, register, database_url,
                                                               fmt):
    with vacancies_locked(database_url):
        response = client.get(f"{URL}.{fmt}")
    assert response.status_code == 503, response.text
    assert response.json() == UNAVAILABLE
    assert client.get(f"{URL}.{fmt}").status_code == 200  # lock released: exports again


@pytest.mark.parametrize("fmt", STREAMED)
def test_cli_export_that_fails_leaves_no_file(settings, register, tmp_path, monkeypatch, fmt):
    from app import cli

    monkeypatch.setenv("LEERSTAND_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LEERSTAND_SECRET_KEY", settings.secret_key)
    cli.get_settings.cache_clear()
    out = tmp_path / f"failed.{fmt}"
    try:
        with vacancies_locked(settings.database_url), pytest.raises(OperationalError):
            cli.main(["export", str(out)])
    finally:
        cli.get_settings.cache_clear()
    assert not out.exists()


# --- after the response started: the transfer is cut ---------------------------------------

@pytest.fixture
def big_register(database_url, monkeypatch):
    """30,000 vacancies exported 50 rows a chunk: far more than the sockets between database,
    server and client buffer (a few MB), so that the stream is still running when the test
    terminates its backend."""
    insert_many(database_url, 30_000)
    monkeypatch.setattr(export, "CHUNK_ROWS", 50)


@pytest.mark.parametrize("fmt", STREAMED)
def test_backend_terminated_mid_stream_cuts_the_transfer(live_server, big_register, fmt, caplog):
    uvicorn_log = logging.getLogger("uvicorn.error")
    uvicorn_log.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO), httpx.Client(timeout=60) as http, \
                http.stream("GET", f"{live_server.url}{URL}.{fmt}") as response:
            assert response.status_code == 200
            assert response.headers["transfer-encoding"] == "chunked"
            chunks = response.iter_raw()
            received = len(next(chunks))
            terminate_export(live_server.settings.database_url)
            with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):
                for chunk in chunks:
                    received += len(chunk)
    finally:
        uvicorn_log.removeHandler(caplog.handler)
    assert received > 0
    aborted = [r for r in caplog.records if r.name == "app.responses"]
    assert len(aborted) == 1 and f"{URL}.{fmt} aborted" in aborted[0].getMessage()
    assert "SQLSTATE" in aborted[0].getMessage()
    logged = "\n".join(caplog.handler.format(record) for record in caplog.records)
    # PostgreSQL's own text and the rows never reach the log, only the error's class
    assert "administrator command" not in logged and "Ladenlokal" not in logged


def test_curl_reports_the_cut_transfer(live_server, big_register, tmp_path):
    """curl's exit code 18: "transfer closed with outstanding read data remaining"."""
    out = tmp_path / "cut.csv"
    curl = subprocess.Popen(["curl", "--silent", "--show-error", "--limit-rate", "4M",
                             "--output", str(out), f"{live_server.url}{URL}.csv"],
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not (out.exists() and out.stat().st_size) and time.monotonic() < deadline:
        time.sleep(0.01)
    terminate_export(live_server.settings.database_url)
    _, stderr = curl.communicate(timeout=60)
    assert curl.returncode == 18, stderr
    assert "outstanding read data remaining" in stderr


@pytest.mark.parametrize("fmt", STREAMED)
def test_no_final_body_message_after_a_failure(app, register, database_url, monkeypatch, fmt):
    """In-process, step by step: the backend is terminated while the first chunk is being sent;
    the body iterator raises and the app never sends the closing ``more_body: False``."""
    monkeypatch.setattr(export, "CHUNK_ROWS", 1)
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and len(sent) == 2:
            terminate_export(database_url)

    path = f"{URL}.{fmt}"
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"},
             "http_version": "1.1", "method": "GET", "scheme": "http", "path": path,
             "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"test")], "client": ("127.0.0.1", 1), "server": ("test", 80)}
    with pytest.raises(StreamAborted):
        anyio.run(app, scope, receive, send)
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200
    assert len(sent) >= 2 and all(m["more_body"] for m in sent[1:]), sent[-1]
