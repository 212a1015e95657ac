"""`leerstand backup` and `leerstand restore` on real clusters: a round trip compares every table,
geometry and sequence; refusals (not empty, broken archives, unwritable paths) change nothing;
the password of the database never reaches an argument or the output."""

from __future__ import annotations

import io
import itertools
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.orm import Session

from app import backup, cli, demo, migrate
from app.config import Settings
from app.database import make_engine
from app.embedded import EmbeddedPostgres, find_pg_bin
from tests.helpers.postgres import admin_conn, database, drop_database, fingerprint
from tests.helpers.server import free_port
from tests.helpers.users import Users

Leerstand = Callable[..., int]
_names = itertools.count()


def external(url: str, **extra) -> Settings:
    return Settings(_env_file=None, database_url=url, secret_key="s" * 40, **extra)


def embedded(cluster: EmbeddedPostgres) -> Settings:
    return Settings(_env_file=None, data_dir=cluster.data_dir, embedded_port=cluster.port)


@pytest.fixture
def leerstand(monkeypatch) -> Leerstand:
    """The command line with the given settings: ``leerstand(settings, "backup", "x.dump")``."""
    def run(settings: Settings, *argv: str) -> int:
        monkeypatch.setattr(cli, "get_settings", lambda: settings)
        return cli.main(list(argv))

    return run


@pytest.fixture
def blank_database(pg_cluster) -> Iterator[Callable[[], str]]:
    """Makes empty databases (not even PostGIS) in the test cluster, dropped afterwards."""
    made: list[str] = []

    def make() -> str:
        made.append(f"blank_{next(_names)}")
        return database(pg_cluster, made[-1])

    yield make
    for name in made:
        make_engine(pg_cluster.url(name)).dispose()
        drop_database(pg_cluster, name)


@pytest.fixture
def fresh_cluster(tmp_path) -> Iterator[EmbeddedPostgres]:
    """A second cluster, never started: `leerstand restore` initialises and starts it."""
    cluster = EmbeddedPostgres(tmp_path / "second", free_port(), find_pg_bin())
    yield cluster
    cluster.destroy()


@pytest.fixture
def seeded(database_url) -> str:
    """The test database with the demo (towns, vacancies, scores, places, proposals, a report,
    accounts) and an API token: every kind of row the app writes."""
    with Session(make_engine(database_url)) as session, session.begin():
        demo.load(session=session, password="demo-passwort-123")
    Users(database_url).token("admin")
    return database_url


@pytest.fixture
def archive(seeded, leerstand, tmp_path) -> Path:
    """A backup of the seeded database."""
    out = tmp_path / "leerstand.dump"
    assert leerstand(external(seeded), "backup", str(out)) == 0
    return out


@pytest.fixture
def plain_archive(database_url, leerstand, tmp_path) -> Path:
    """A backup of the test database as it comes (migrated, with the boundaries): quicker."""
    out = tmp_path / "plain.dump"
    assert leerstand(external(database_url), "backup", str(out)) == 0
    return out


def _rows(prints: dict[str, tuple[object, ...]], table: str) -> object:
    return prints[table][0]


def test_round_trip_through_a_fresh_embedded_cluster_and_back(
        seeded, archive, fresh_cluster, blank_database, leerstand, capsys):
    source = fingerprint(seeded)
    for table in ("vacancy", "municipality", "app_user", "api_token", "proposal", "place",
                  "vacancy_score", "vacancy_report", "alembic_version"):
        assert _rows(source, table), table
    assert "vacancy.location (WKB)" in source and "municipality.boundary (WKB)" in source

    assert leerstand(embedded(fresh_cluster), "restore", str(archive)) == 0
    assert "restored" in capsys.readouterr().out
    fresh_cluster.start()
    try:
        assert fingerprint(fresh_cluster.url()) == source
    finally:
        fresh_cluster.stop()

    # and back: a backup of the embedded cluster restores into a database given by URL
    again = archive.with_name("embedded.dump")
    assert leerstand(embedded(fresh_cluster), "backup", str(again)) == 0
    assert not fresh_cluster.is_running(), "backup stops the cluster it started"
    target = blank_database()
    assert leerstand(external(target), "restore", str(again)) == 0
    assert fingerprint(target) == source


def test_backup_file_is_private_and_complete(plain_archive):
    assert plain_archive.stat().st_mode & 0o777 == 0o600
    assert plain_archive.read_bytes().startswith(b"PGDMP")
    assert [p.name for p in plain_archive.parent.iterdir()] == [plain_archive.name]


def test_an_older_backup_comes_up_to_the_current_version(blank_database, leerstand, tmp_path):
    old = blank_database()
    migrate.upgrade(old, "0004")
    make_engine(old).dispose()
    out = tmp_path / "old.dump"
    assert leerstand(external(old), "backup", str(out)) == 0
    target = blank_database()
    assert leerstand(external(target), "restore", str(out)) == 0
    with psycopg.connect(target.replace("+psycopg", "")) as conn:
        assert {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")} \
            == set(migrate.script_revisions().heads)
        assert conn.execute("SELECT to_regclass('public.user_session')").fetchone() == (
            "user_session",)


def test_restore_refuses_a_database_that_is_not_empty(plain_archive, database_url, leerstand,
                                                      capsys):
    before = fingerprint(database_url)
    assert leerstand(external(database_url), "restore", str(plain_archive)) == 2
    err = capsys.readouterr().err
    assert "is not empty (address, alembic_version, api_token, app_user" in err
    assert "--force" in err and "nothing was restored" in err
    assert fingerprint(database_url) == before


def test_a_database_with_only_postgis_counts_as_empty(blank_database, plain_archive, leerstand,
                                                      database_url):
    target = blank_database()
    with psycopg.connect(target.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
    assert backup.user_relations(backup.target_from_url(target))[0] == []
    assert leerstand(external(target), "restore", str(plain_archive)) == 0
    assert fingerprint(target) == fingerprint(database_url)


def test_restore_force_replaces_everything_in_public(seeded, archive, leerstand, capsys):
    before = fingerprint(seeded)
    with psycopg.connect(seeded.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("DELETE FROM vacancy_score")
        conn.execute("UPDATE vacancy SET street = 'Geändert'")
        conn.execute("CREATE TABLE scratch (id int GENERATED ALWAYS AS IDENTITY)")
        conn.execute("CREATE VIEW a_view AS SELECT id FROM scratch")
        conn.execute("CREATE SEQUENCE a_lone_seq")
    Users(seeded).token("admin")
    assert fingerprint(seeded) != before

    assert leerstand(external(seeded), "restore", "--force", str(archive)) == 0
    assert "replacing the 26 tables that were there" in capsys.readouterr().out
    after = fingerprint(seeded)
    assert not {"scratch", "scratch_id_seq", "a_lone_seq"} & set(after)
    assert after == before
    with psycopg.connect(seeded.replace("+psycopg", "")) as conn:
        assert conn.execute("SELECT to_regclass('a_view')").fetchone() == (None,)


def test_restore_force_with_an_archive_cut_short_changes_nothing(seeded, archive, leerstand,
                                                                 tmp_path, capsys):
    cut = tmp_path / "cut.dump"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    # the table of contents is whole, so the damage shows only while the data are replayed
    pg_restore = find_pg_bin() / "pg_restore"
    assert subprocess.run([pg_restore, "--list", cut], capture_output=True).returncode == 0
    before = fingerprint(seeded)
    assert leerstand(external(seeded), "restore", "--force", str(cut)) == 2
    err = capsys.readouterr().err
    assert "cut.dump is a damaged archive" in err and "nothing was restored" in err
    assert fingerprint(seeded) == before


@pytest.mark.parametrize(("spoil", "message"), [
    (lambda real: b"", "is not a pg_dump custom-format archive"),
    (lambda real: b"-- PostgreSQL database dump\nDROP TABLE vacancy;\n",
     "is not a pg_dump custom-format archive"),
    (lambda real: real[:2000], "is a damaged archive"),
    # pg_restore lists this without complaint, but it names no table of Leerstand's
    (lambda real: b"PGDMP\x01\x0e\x00\x04\x08\x01\x01garbage" * 20,
     "is not a backup of a Leerstand database"),
], ids=["empty", "sql-text", "cut-in-the-toc", "garbage-after-magic"])
def test_restore_refuses_a_broken_file(spoil, message, plain_archive, database_url, leerstand,
                                       tmp_path, capsys):
    broken = tmp_path / "broken.dump"
    broken.write_bytes(spoil(plain_archive.read_bytes()))
    before = fingerprint(database_url)
    assert leerstand(external(database_url), "restore", "--force", str(broken)) == 2
    err = capsys.readouterr().err
    assert message in err and "nothing was restored" in err
    assert fingerprint(database_url) == before


def test_restore_refuses_a_backup_of_another_database(blank_database, database_url, leerstand,
                                                      tmp_path, capsys):
    other = blank_database()
    with psycopg.connect(other.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("CREATE TABLE vacancy (id int)")
    foreign = tmp_path / "other.dump"
    assert leerstand(external(other), "backup", str(foreign)) == 0
    before = fingerprint(database_url)
    assert leerstand(external(database_url), "restore", "--force", str(foreign)) == 2
    assert "is not a backup of a Leerstand database" in capsys.readouterr().err
    assert fingerprint(database_url) == before


def test_restore_reports_what_the_server_refused(pg_cluster, blank_database, plain_archive,
                                                 leerstand, capsys):
    """A user who may not create PostGIS: the server's reason, and an unchanged database."""
    target = blank_database()
    role = f"restorer_{next(_names)}"
    with admin_conn(pg_cluster) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'restorer-pw'")
    try:
        url = target.replace("postgres:", f"{role}:", 1).replace(pg_cluster.password(),
                                                                  "restorer-pw")
        assert leerstand(external(url), "restore", str(plain_archive)) == 2
        err = capsys.readouterr().err
        assert f"restore into {role}@127.0.0.1" in err
        assert "permission denied to create extension" in err and "nothing was restored" in err
        assert fingerprint(target) == {}
    finally:
        make_engine(url).dispose()
        with admin_conn(pg_cluster) as conn:
            conn.execute(f"DROP ROLE {role}")


def test_restore_of_a_missing_file(database_url, leerstand, tmp_path, capsys):
    assert leerstand(external(database_url), "restore", str(tmp_path / "nope.dump")) == 2
    assert "cannot read" in capsys.readouterr().err


def test_backup_to_an_unwritable_path_leaves_no_file(database_url, leerstand, tmp_path, capsys):
    assert leerstand(external(database_url), "backup", str(tmp_path / "missing" / "x.dump")) == 2
    assert "cannot write" in capsys.readouterr().err
    (tmp_path / "folder").mkdir()
    assert leerstand(external(database_url), "backup", str(tmp_path / "folder")) == 2
    assert "is a folder" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["folder"]


def test_failed_backup_keeps_the_previous_file(database_url, leerstand, tmp_path, capsys):
    out = tmp_path / "nightly.dump"
    out.write_bytes(b"yesterday")
    unreachable = f"postgresql+psycopg://leerstand:pw@127.0.0.1:{free_port()}/leerstand"
    assert leerstand(external(unreachable), "backup", str(out)) == 2
    assert "pg_dump of leerstand@127.0.0.1" in capsys.readouterr().err
    assert out.read_bytes() == b"yesterday"
    assert [p.name for p in tmp_path.iterdir()] == ["nightly.dump"]


SECRET_PASSWORD = "Geheim-Kennwort/ÄÖ@x:y"


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_the_password_never_reaches_the_output(command, pg_cluster, plain_archive, leerstand,
                                               tmp_path, capsys, caplog):
    """A wrong password on a live server, and no server at all: clear errors without it."""
    quoted = "Geheim-Kennwort%2F%C3%84%C3%96%40x%3Ay"
    for port in (pg_cluster.port, free_port()):
        url = f"postgresql+psycopg://postgres:{quoted}@127.0.0.1:{port}/postgres"
        arg = str(tmp_path / "out.dump") if command == "backup" else str(plain_archive)
        assert leerstand(external(url), command, arg) == 2
        captured = capsys.readouterr()
        shown = captured.out + captured.err + caplog.text
        assert "postgres@127.0.0.1" in shown
        assert SECRET_PASSWORD not in shown and quoted not in shown
    assert not (tmp_path / "out.dump").exists()


def test_the_password_goes_in_the_environment_not_the_arguments(plain_archive, database_url,
                                                                leerstand, monkeypatch, tmp_path):
    password = make_engine(database_url).url.password
    assert password
    calls: list[tuple[list[str], dict[str, str] | None]] = []
    real_run, real_popen = subprocess.run, subprocess.Popen

    def run(args, *rest, **kwargs):
        calls.append((list(map(str, args)), kwargs.get("env")))
        return real_run(args, *rest, **kwargs)

    def popen(args, *rest, **kwargs):
        calls.append((list(map(str, args)), kwargs.get("env")))
        return real_popen(args, *rest, **kwargs)

    monkeypatch.setattr(backup.subprocess, "run", run)
    monkeypatch.setattr(backup.subprocess, "Popen", popen)
    assert leerstand(external(database_url), "backup", str(tmp_path / "again.dump")) == 0
    assert leerstand(external(database_url), "restore", "--force", str(plain_archive)) == 0
    programs = {Path(args[0]).name for args, _ in calls}
    assert {"pg_dump", "pg_restore", "psql"} <= programs
    assert all(password not in arg for args, _ in calls for arg in args)
    connecting = [env for args, env in calls if Path(args[0]).name in ("pg_dump", "psql")]
    assert connecting and all(env and env["PGPASSWORD"] == password for env in connecting)


def test_url_becomes_libpq_keywords():
    target = backup.target_from_url(
        "postgresql+psycopg://us%40er:p%40ss%27w@db.example:6543/leer%20stand?sslmode=require")
    assert psycopg.conninfo.conninfo_to_dict(target.conninfo) == {
        "host": "db.example", "port": "6543", "dbname": "leer stand", "user": "us@er",
        "sslmode": "require"}
    assert target.password == "p@ss'w"
    assert target.label == "us@er@db.example:6543/leer stand"
    command = backup.dump_command(Path("/pg/bin"), target, Path("/backups/x.dump"))
    assert command[:2] == ["/pg/bin/pg_dump", "--format=custom"]
    assert "--file=/backups/x.dump" in command
    assert not any("p@ss" in arg for arg in command)
    # a password given as a query parameter is taken out of the connection string as well
    in_query = backup.target_from_url("postgresql://u@h/d?password=s3cret&host=/run/pg")
    assert in_query.password == "s3cret" and "s3cret" not in in_query.conninfo
    assert psycopg.conninfo.conninfo_to_dict(in_query.conninfo)["host"] == "/run/pg"


def test_replay_commands_carry_no_password():
    target = backup.target_from_url("postgresql+psycopg://u:Pa55-w0rd@h:5432/d")
    for command in backup.replay_commands(Path("/pg/bin"), target, Path("a.dump"), Path("list")):
        assert not any("Pa55-w0rd" in arg for arg in command)
    assert target.env()["PGPASSWORD"] == "Pa55-w0rd"


@pytest.mark.parametrize(("server_version", "kept"), [(150000, False), (170000, True)])
def test_a_newer_pg_restore_setting_is_dropped_for_older_servers(server_version, kept):
    script = b"SET lock_timeout = 0;\nSET transaction_timeout = 0;\nCREATE TABLE t ();\n"
    sink = io.BytesIO()
    backup._copy_script(io.BytesIO(script), sink, server_version)
    assert (b"transaction_timeout" in sink.getvalue()) is kept
    assert sink.getvalue().endswith(b"CREATE TABLE t ();\n")


def test_backup_to_stdout_and_restore_from_stdin(seeded, blank_database, leerstand, monkeypatch,
                                                 capfdbinary):
    assert leerstand(external(seeded), "backup", "-") == 0
    dumped = capfdbinary.readouterr().out
    assert dumped.startswith(b"PGDMP")
    target = blank_database()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(dumped)))
    assert leerstand(external(target), "restore", "-") == 0
    assert fingerprint(target) == fingerprint(seeded)


def test_missing_client_programs(database_url, leerstand, tmp_path, capsys):
    assert leerstand(external(database_url, pg_bin=tmp_path), "backup", str(tmp_path / "x")) == 2
    assert f"LEERSTAND_PG_BIN={tmp_path} lacks pg_dump, pg_restore, psql" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
