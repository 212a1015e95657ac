"""The command line against the test database, and `serve` with the embedded cluster."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from app import cli
from app.accounts.models import ApiToken, User
from app.config import Settings
from app.vacancies.models import Vacancy
from tests.helpers.server import free_port, serve_process
from tests.helpers.users import bearer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def run(database_url, monkeypatch):
    monkeypatch.setattr(cli, "get_settings",
                        lambda: Settings(_env_file=None, database_url=database_url,
                                         secret_key="s" * 40))

    def _run(*argv: str) -> int:
        return cli.main(list(argv))

    return _run


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for command in ("serve", "migrate", "municipalities", "users", "tokens", "demo", "backup",
                    "restore"):
        assert command in out


def test_users_and_tokens(run, session, capsys, client):
    assert run("users", "create", "--email", "amt@schmoelln.example", "--role", "staff",
               "--municipality", "16077043") == 0
    assert run("tokens", "create", "--email", "amt@schmoelln.example") == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("lst_")
    assert session.scalar(select(func.count()).select_from(ApiToken)) == 1
    me = client.get("/api/v1/me", headers=bearer(token)).json()
    assert me["email"] == "amt@schmoelln.example"


def test_users_create_bad_input(run, capsys, session):
    assert run("users", "create", "--email", "a@example.org", "--role", "staff") == 2
    assert "municipality" in capsys.readouterr().err
    assert run("users", "create", "--email", "a@example.org", "--role", "staff",
               "--municipality", "16999999") == 2
    assert session.scalar(select(func.count()).select_from(User)) == 0
    with pytest.raises(SystemExit):
        run("users", "create", "--email", "a@example.org", "--role", "boss")


def test_tokens_for_unknown_user(run, capsys):
    assert run("tokens", "create", "--email", "nobody@example.org") == 2


def test_municipalities_import_default(run, capsys):
    assert run("municipalities", "import") == 0
    out = capsys.readouterr().out
    assert "th_gemeinden_vg250_2016.geojson: geojson, EPSG:4326, 849 rows" in out
    assert "0 were created, 849 updated, 0 unchanged" in out


def test_municipalities_import_broken_file(run, capsys, tmp_path):
    broken = tmp_path / "x.geojson"
    broken.write_text("nonsense")
    assert run("municipalities", "import", str(broken)) == 1
    out = capsys.readouterr().out
    assert "row 0: file: x.geojson is not a geojson file" in out
    assert "1 problem(s): nothing imported" in out


def test_demo_is_fictional_and_idempotent(run, session, client, capsys):
    assert run("demo", "--password", "demo-passwort-123") == 0
    assert run("demo", "--password", "demo-passwort-123") == 0
    demo = session.scalars(select(Vacancy).where(Vacancy.source == "demo")).all()
    assert len(demo) == 90
    assert all("Fiktiver Beispieldatensatz" in v.description for v in demo)
    assert all(v.owner_contact.endswith("@demo.invalid") for v in demo)
    towns = client.get("/api/v1/municipalities", params={"q": "Schm"}).json()["features"]
    assert {f["id"]: f["properties"]["has_core_area"] for f in towns}["16077043"] is True
    out = capsys.readouterr().out
    assert "schmoelln@demo.invalid" in out


def test_serve_with_embedded_cluster_survives_restart(cluster_home):
    """`leerstand serve` without a database URL: private cluster, migrations, data persists,
    and the cluster is stopped on exit."""
    env = {**os.environ, "LEERSTAND_DATA_DIR": str(cluster_home / "data"),
           "LEERSTAND_EMBEDDED_PORT": str(free_port()), "LEERSTAND_DATABASE_URL": "",
           "LEERSTAND_SECRET_KEY": ""}
    port = free_port()
    leerstand = [sys.executable, "-m", "app.cli"]
    subprocess.run([*leerstand, "users", "create", "--email", "a@example.org", "--role", "admin"],
                   env=env, cwd=ROOT, check=True, capture_output=True)

    def serve_once() -> None:
        proc = subprocess.Popen([*leerstand, "serve", "--port", str(port)], env=env, cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    response = httpx.get(f"http://127.0.0.1:{port}/api/v1/municipalities",
                                         timeout=2)
                    break
                except httpx.TransportError:
                    assert proc.poll() is None, proc.stdout.read().decode()
                    assert time.monotonic() < deadline, "serve did not come up"
                    time.sleep(0.3)
            assert response.status_code == 200
        finally:
            proc.send_signal(signal.SIGINT)
            output = proc.communicate(timeout=60)[0].decode()
        assert proc.returncode == 0, output
        assert "embedded PostgreSQL stopped" in output
        assert not (cluster_home / "data" / "pg" / "postmaster.pid").exists()

    serve_once()
    serve_once()
    # the user made before the first start is still there after two restarts
    from app.embedded import EmbeddedPostgres, find_pg_bin

    cluster = EmbeddedPostgres(cluster_home / "data", int(env["LEERSTAND_EMBEDDED_PORT"]),
                               find_pg_bin())
    cluster.start()
    try:
        import psycopg

        with psycopg.connect(cluster.url().replace("+psycopg", "")) as conn:
            assert conn.execute("SELECT email FROM app_user").fetchall() == [("a@example.org",)]
    finally:
        cluster.stop()


def _children(pid: int) -> list[int]:
    return [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()]


def test_serve_with_workers(database_url, tmp_path):
    """`leerstand serve --workers 2`: two worker processes answer, built from the settings the
    main process decided (database URL, secret), and they stop with it."""
    with serve_process(database_url, tmp_path, "--workers", "2") as (url, process):
        workers = [pid for pid in _children(process.pid)
                   if b"spawn_main" in _cmdline(Path(f"/proc/{pid}"))]
        assert len(workers) == 2
        with httpx.Client(base_url=url, timeout=10) as client:
            statuses = {client.get("/api/v1/municipalities/16077043").status_code for _ in range(20)}
        assert statuses == {200}
        process.terminate()
        assert process.wait(timeout=60) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def test_serve_workers_bad_value(capsys):
    with pytest.raises(SystemExit):
        cli.main(["serve", "--workers", "0"])
    assert "expected a number from 1 to 64" in capsys.readouterr().err


def _cmdline(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes() + b"\x00"
    except OSError:
        return b""
