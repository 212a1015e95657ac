"""Test harness: one throwaway PostGIS cluster per session (started by the tests), a template
database migrated with Alembic and loaded with the shipped boundaries, and a fresh database
cloned from it for every test."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import migrate
from app.config import Settings
from app.database import make_engine
from app.embedded import EmbeddedPostgres, find_pg_bin
from app.main import create_app
from app.municipalities import boundary_import
from tests.helpers.postgres import admin_conn, cloned_database
from tests.helpers.server import SECRET, LiveServer, free_port
from tests.helpers.towns import SCHMOELLN
from tests.helpers.users import Users, bearer

TEMPLATE = "leerstand_template"
_counter = itertools.count()


@pytest.fixture
def cluster_home() -> Iterator[Path]:
    """A folder for a cluster of a test's own. Not pytest's tmp_path: that lies below a 0700
    folder, which the postgres account cannot enter where clusters run through runuser."""
    home = Path(tempfile.mkdtemp(prefix="leerstand-test-"))
    home.chmod(0o711)
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[EmbeddedPostgres]:
    cluster = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="leerstand-test-")), free_port(),
                               find_pg_bin())
    cluster.start("-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    yield cluster
    cluster.destroy()


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
    with cloned_database(pg_cluster, template_db) as url:
        yield url


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


@pytest.fixture
def users(database_url: str) -> Users:
    return Users(database_url)


@pytest.fixture
def staff(users: Users) -> dict[str, str]:
    """Authorization header of a staff member of Schmölln."""
    return bearer(users.token("staff", SCHMOELLN))


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
