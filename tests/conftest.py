"""Test harness: one throwaway PostGIS cluster per session (started by the tests), a template
database migrated with Alembic and loaded with the shipped boundaries, and a fresh database
cloned from it for every test."""

from __future__ import annotations

import itertools
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import migrate
from app.accounts import service as accounts
from app.accounts.models import Role
from app.config import Settings
from app.database import make_engine
from app.embedded import EmbeddedPostgres, find_pg_bin
from app.main import create_app
from app.municipalities import boundary_import

TEMPLATE = "leerstand_template"
SCHMOELLN, SCHMALKALDEN, JENA, ALTENBURG = "16077043", "16066063", "16053000", "16077001"
# Destatis centre points (lon, lat)
CENTRES = {
    SCHMOELLN: (12.354035, 50.895281), SCHMALKALDEN: (10.45159, 50.722559),
    JENA: (11.591842, 50.93006), ALTENBURG: (12.437252, 50.987195),
}
SECRET = "test-secret-" + "x" * 40
_counter = itertools.count()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[EmbeddedPostgres]:
    cluster = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="leerstand-test-")), free_port(),
                               find_pg_bin())
    cluster.start("-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    yield cluster
    cluster.destroy()


def admin_conn(cluster: EmbeddedPostgres) -> psycopg.Connection:
    return psycopg.connect(host="127.0.0.1", port=cluster.port, user="postgres",
                           password=cluster.password(), dbname="postgres", autocommit=True)


@pytest.fixture(scope="session")
def template_db(pg_cluster: EmbeddedPostgres) -> str:
    with admin_conn(pg_cluster) as conn:
        conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
    url = pg_cluster.url(TEMPLATE)
    migrate.upgrade(url)
    with Session(make_engine(url)) as session, session.begin():
        boundary_import.import_boundaries(session=session)
    make_engine(url).dispose()
    return TEMPLATE


@pytest.fixture
def empty_database_url(pg_cluster: EmbeddedPostgres) -> Iterator[str]:
    """A database with nothing in it (not even PostGIS): for migration tests."""
    name = f"empty_{next(_counter)}"
    with admin_conn(pg_cluster) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield pg_cluster.url(name)
    make_engine(pg_cluster.url(name)).dispose()
    with admin_conn(pg_cluster) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(pg_cluster: EmbeddedPostgres, template_db: str) -> Iterator[str]:
    name = f"test_{next(_counter)}"
    with admin_conn(pg_cluster) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    url = pg_cluster.url(name)
    yield url
    make_engine(url).dispose()
    with admin_conn(pg_cluster) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(_env_file=None, database_url=database_url, secret_key=SECRET,
                    cookie_secure=False)


@pytest.fixture
def app(settings: Settings):
    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    with Session(make_engine(database_url)) as db_session:
        yield db_session


class Users:
    """Creates users with API tokens in the test database."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url

    def token(self, role: Role | str, ags: str | None = None, email: str | None = None,
              password: str | None = None) -> str:
        role = Role(role)
        email = email or f"{role.value}-{ags or 'all'}-{next(_counter)}@example.org"
        with Session(make_engine(self.url)) as s, s.begin():
            user = accounts.create_user(session=s, email=email, role=role, municipality_ags=ags,
                                        password=password)
            return accounts.create_token(session=s, user=user)


@pytest.fixture
def users(database_url: str) -> Users:
    return Users(database_url)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def feature(ags: str = SCHMOELLN, lon: float | None = None, lat: float | None = None,
            **properties: Any) -> dict[str, Any]:
    """A valid vacancy Feature near the town centre, with the given properties."""
    centre = CENTRES[ags]
    props = {"municipality": ags, "street": "Musterstraße", "house_number": "3",
             "floor_area_m2": 85, "floor": "ground", "status": "vacant", **properties}
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon or centre[0] + 0.0005,
                                                      lat or centre[1] + 0.0003]},
        "properties": props,
    }


class LiveServer:
    def __init__(self, url: str, settings: Settings) -> None:
        self.url = url
        self.settings = settings


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """The app served by uvicorn on a free loopback port in a thread, for real HTTP clients
    (GDAL's ogrinfo, headless Chromium)."""
    import threading
    import time

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield LiveServer(f"http://127.0.0.1:{port}", settings)
    server.should_exit = True
    thread.join(timeout=10)
