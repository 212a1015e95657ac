"""Faults, against real processes: PostgreSQL stopped under a running service (503 with
Retry-After, no resets, recovery without a restart), and shutting down on a signal (in-flight
requests drain; a hung request cannot keep the embedded cluster running)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
import pytest

from app import migrate
from app.embedded import EmbeddedPostgres, find_pg_bin
from tests.helpers.participation import report_body
from tests.helpers.server import free_port, serve_process

ROOT = Path(__file__).resolve().parent.parent
FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
HTML = {"Accept": "text/html,application/xhtml+xml"}
# (method, path, extra request arguments, HTML page?): every one of them needs the database
REQUESTS: list[tuple[str, str, dict, bool]] = [
    ("GET", "/api/v1/municipalities", {}, False),
    ("GET", "/api/v1/municipalities/16077043", {}, False),
    ("GET", "/api/v1/vacancies", {}, False),
    ("GET", "/api/v1/proposals", {}, False),
    ("GET", "/api/v1/statistics/municipalities", {}, False),
    ("GET", "/ogc/collections/vacancies/items", {}, False),
    ("GET", "/api/v1/me", {"headers": {"Authorization": "Bearer lst_unknown"}}, False),
    ("POST", "/api/v1/reports", {"json": report_body()}, False),
    ("GET", "/api/v1/export/vacancies.csv", {}, False),
    ("GET", "/api/v1/export/vacancies.geojson", {}, False),
    ("GET", "/", {"headers": HTML}, True),
    ("GET", "/karte/16077043", {"headers": HTML}, True),
]
UP_AGAIN = ["/api/v1/municipalities", "/api/v1/vacancies", "/api/v1/export/vacancies.csv", "/"]


def _db_url(cluster: EmbeddedPostgres) -> str:
    return cluster.url().replace("+psycopg", "")


@pytest.fixture
def own_cluster(cluster_home: Path) -> Iterator[EmbeddedPostgres]:
    """A migrated cluster of this test's own, which the test may stop and start."""
    cluster = EmbeddedPostgres(cluster_home / "data", free_port(), find_pg_bin())
    cluster.start(FAST)
    migrate.upgrade(cluster.url())
    yield cluster
    cluster.destroy()


def _send(url: str, method: str, path: str, kwargs: dict) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    # a reset or a truncated body raises here (httpx.RemoteProtocolError/ReadError) and fails
    response = httpx.request(method, url + path, timeout=10, **kwargs)
    return response, time.monotonic() - started


def _assert_unavailable(response: httpx.Response, elapsed: float, html: bool,
                        within_s: float = 5) -> None:
    where = f"{response.request.method} {response.request.url.path}"
    assert response.status_code == 503, f"{where}: {response.status_code} {response.text[:300]}"
    assert response.headers.get("retry-after") == "5", where
    assert elapsed < within_s, f"{where} took {elapsed:.1f} s"
    if html:
        assert response.headers["content-type"].startswith("text/html"), where
        assert "nicht erreichbar" in response.text, where
    else:
        assert response.headers["content-type"] == "application/json", where
        assert response.json()["code"] == "unavailable", where


def test_database_down_gives_503_with_retry_after_and_recovers(own_cluster, cluster_home):
    db_url = _db_url(own_cluster)
    with serve_process(own_cluster.url(), cluster_home) as (url, _process):
        assert httpx.get(url + "/api/v1/municipalities", timeout=10).status_code == 200
        # two requests in flight (behind a lock) when PostgreSQL stops; the export's COPY fails
        # in psycopg itself, outside SQLAlchemy
        lock = _TableLock(db_url)
        in_flight = [_in_background(_send, url, "GET", path, {})
                     for path in ("/api/v1/vacancies", "/api/v1/export/vacancies.csv")]
        _waiting_on_lock(db_url, requests=2)
        own_cluster.stop()
        lock.release()
        for future in in_flight:
            _assert_unavailable(*future.result(timeout=10), html=False, within_s=20)

        for method, path, kwargs, html in REQUESTS:
            _assert_unavailable(*_send(url, method, path, kwargs), html)
        with ThreadPoolExecutor(20) as pool:
            futures = [(pool.submit(_send, url, method, path, kwargs), html)
                       for method, path, kwargs, html in (REQUESTS * 2)[:20]]
            for future, html in futures:
                _assert_unavailable(*future.result(), html)

        own_cluster.start(FAST)
        deadline = time.monotonic() + 10
        while httpx.get(url + "/api/v1/municipalities", timeout=10).status_code != 200:
            assert time.monotonic() < deadline, "no recovery within 10 s of PostgreSQL's start"
            time.sleep(0.2)
        for path in UP_AGAIN:
            response = httpx.get(url + path, timeout=10)
            assert response.status_code == 200, f"{path}: {response.text[:300]}"


class _TableLock:
    """Holds ACCESS EXCLUSIVE on ``vacancy`` from a connection of its own: every request that
    reads vacancies waits for it, as behind a long migration."""

    def __init__(self, db_url: str) -> None:
        self.conn = psycopg.connect(db_url)
        self.conn.execute("LOCK TABLE vacancy IN ACCESS EXCLUSIVE MODE")

    def release(self) -> None:
        try:
            self.conn.rollback()
        except psycopg.OperationalError:
            pass  # PostgreSQL was stopped under it, which ends the lock as well
        self.conn.close()


def _waiting_on_lock(db_url: str, requests: int = 1, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    with psycopg.connect(db_url, autocommit=True) as conn:
        while conn.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                           ).fetchone() != (requests,):
            assert time.monotonic() < deadline, "the requests never reached the lock"
            time.sleep(0.05)


def _in_background(call, *args, **kwargs) -> Future:
    future: Future = Future()

    def run() -> None:
        try:
            future.set_result(call(*args, **kwargs))
        except BaseException as error:  # noqa: BLE001 - handed to the test through the future
            future.set_exception(error)

    threading.Thread(target=run, daemon=True).start()
    return future


def test_sigterm_drains_a_request_in_flight(own_cluster, cluster_home):
    db_url = _db_url(own_cluster)
    with serve_process(own_cluster.url(), cluster_home) as (url, process):
        lock = _TableLock(db_url)
        try:
            slow = _in_background(httpx.get, url + "/api/v1/vacancies", timeout=30)
            _waiting_on_lock(db_url)
            process.send_signal(signal.SIGTERM)
            time.sleep(1)
            assert process.poll() is None, "exited with a request in flight"
            with pytest.raises(httpx.ConnectError):  # no new connections while draining
                httpx.get(url + "/api/v1/municipalities", timeout=2)
        finally:
            lock.release()
        response = slow.result(timeout=20)
        assert response.status_code == 200, response.text
        assert response.json()["type"] == "FeatureCollection"
        assert process.wait(timeout=20) == 0, (cluster_home / "serve.log").read_text()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_embedded_cluster_despite_hung_request(cluster_home, sig):
    """A request waits forever on a lock held from outside: after the graceful-shutdown
    timeout `leerstand serve` still exits, and stops the embedded cluster it started."""
    port, timeout_s = free_port(), 2
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("LEERSTAND_")},
           "LEERSTAND_DATA_DIR": str(cluster_home / "data"), "LEERSTAND_EMBEDDED_PORT":
           str(free_port()), "LEERSTAND_SHUTDOWN_TIMEOUT_S": str(timeout_s),
           "LEERSTAND_LOG_LEVEL": "INFO"}
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
                            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    lock = None
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                assert httpx.get(url + "/api/v1/vacancies", timeout=2).status_code == 200
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.communicate()[0].decode()
                assert time.monotonic() < deadline, "serve did not come up"
                time.sleep(0.3)
        cluster = EmbeddedPostgres(cluster_home / "data", int(env["LEERSTAND_EMBEDDED_PORT"]),
                                   find_pg_bin())
        lock = _TableLock(_db_url(cluster))
        hung = _in_background(httpx.get, url + "/api/v1/vacancies", timeout=60)
        _waiting_on_lock(_db_url(cluster))
        proc.send_signal(sig)
        output = proc.communicate(timeout=timeout_s + 10)[0].decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        if lock is not None:
            try:
                lock.release()
            except psycopg.Error:
                pass  # the stopped cluster ended the lock's connection: what this test wants
    assert proc.returncode == 0, output
    assert "embedded PostgreSQL stopped" in output
    assert not (cluster_home / "data" / "pg" / "postmaster.pid").exists()
    try:  # the hung request ended too: answered with an error, or its connection closed
        assert hung.result(timeout=10).status_code >= 500
    except httpx.TransportError:
        pass
