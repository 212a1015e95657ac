"""A private PostgreSQL + PostGIS cluster in a folder, run with the installed PostgreSQL.

Used by ``leerstand serve`` when no database URL is configured, and by the tests.
PostgreSQL refuses to run as root; as root we run initdb/pg_ctl inside a user namespace in
which the process has the uid of the ``postgres`` account (files stay owned by root, so the
data folder may live anywhere root can write). Where user namespaces are not allowed we fall
back to ``runuser -u postgres`` with the folder handed to that account.
"""

from __future__ import annotations

import grp
import logging
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

log = logging.getLogger(__name__)

DB_NAME = "leerstand"
SUPERUSER = "postgres"


class EmbeddedPostgresError(RuntimeError):
    pass


def find_pg_bin(explicit: Path | None = None) -> Path:
    """The bin folder of the newest installed PostgreSQL that has PostGIS."""
    if explicit:
        if not (explicit / "pg_ctl").exists():
            raise EmbeddedPostgresError(f"no pg_ctl in LEERSTAND_PG_BIN={explicit}")
        return explicit
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
        reverse=True,
    )
    for pg_ctl in candidates:
        version = pg_ctl.parent.parent.name
        if Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists():
            return pg_ctl.parent
    raise EmbeddedPostgresError(
        "No PostgreSQL with PostGIS found. Install it, e.g. on Debian/Ubuntu: "
        "sudo apt-get install postgresql postgis  (or set LEERSTAND_PG_BIN / LEERSTAND_DATABASE_URL)"
    )


def _can_unshare() -> bool:
    try:
        return subprocess.run(
            ["unshare", "--user", "--map-user=1", "--map-group=1", "true"],
            capture_output=True, timeout=10,
        ).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _check_reachable(data_dir: Path, account: pwd.struct_passwd) -> None:
    """Without user namespaces PostgreSQL runs as the ``postgres`` account, which must be able
    to enter every folder above the data folder; say which one it cannot, and the fix, rather
    than let initdb fail with "Permission denied" on a file it cannot name the reason for."""
    groups = {account.pw_gid} | {g.gr_gid for g in grp.getgrall() if account.pw_name in g.gr_mem}
    for folder in reversed(data_dir.resolve().parents):
        info = folder.stat()
        if info.st_uid == account.pw_uid:
            allowed = info.st_mode & stat.S_IXUSR
        elif info.st_gid in groups:
            allowed = info.st_mode & stat.S_IXGRP
        else:
            allowed = info.st_mode & stat.S_IXOTH
        if not allowed:
            raise EmbeddedPostgresError(
                f"User namespaces are not available here, so PostgreSQL has to run as the "
                f"'{account.pw_name}' account, and that account cannot enter {folder} (mode "
                f"{stat.filemode(info.st_mode)}). Set LEERSTAND_DATA_DIR to a folder it can "
                f"reach (e.g. /var/lib/leerstand), or let it pass: chmod o+x {folder}"
            )


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    port: int
    pg_bin: Path

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pg"

    @property
    def password_file(self) -> Path:
        return self.data_dir / "pg-password"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "postgres.log"

    def _prefix(self) -> list[str]:
        if os.geteuid() != 0:
            return []
        pg = pwd.getpwnam(SUPERUSER)
        if _can_unshare():
            return ["unshare", "--user", f"--map-user={pg.pw_uid}", f"--map-group={pg.pw_gid}"]
        _check_reachable(self.data_dir, pg)
        for path in (self.data_dir, *self.data_dir.rglob("*")):
            os.chown(path, pg.pw_uid, pg.pw_gid)
        return ["runuser", "-u", SUPERUSER, "--"]

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [*self._prefix(), str(self.pg_bin / tool), *args]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise EmbeddedPostgresError(
                f"{tool} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}"
            )
        return result

    @property
    def initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def password(self) -> str:
        return self.password_file.read_text().strip()

    def url(self, dbname: str = DB_NAME) -> str:
        return f"postgresql+psycopg://{SUPERUSER}:{self.password()}@127.0.0.1:{self.port}/{dbname}"

    def init(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.data_dir, 0o700)
        if not self.password_file.exists():
            self.password_file.write_text(secrets.token_urlsafe(24) + "\n")
            os.chmod(self.password_file, 0o600)
        log.info("initialising PostgreSQL cluster in %s", self.pgdata)
        self._run(
            "initdb", "-D", str(self.pgdata), "-U", SUPERUSER, "--pwfile", str(self.password_file),
            "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )

    def is_running(self) -> bool:
        if not self.initialised:
            return False
        return self._run("pg_ctl", "-D", str(self.pgdata), "status", check=False).returncode == 0

    def start(self, extra_options: str = "") -> bool:
        """Start the cluster (initialising it first); False if it was already running."""
        if not self.initialised:
            self.init()
        if self.is_running():
            return False
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            f"{extra_options}"
        )
        self._run("pg_ctl", "-D", str(self.pgdata), "-l", str(self.log_file), "-w", "-t", "60",
                  "-o", options, "start")
        self._ensure_database()
        return True

    def stop(self) -> None:
        if self.is_running():
            self._run("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop")

    def _connect_admin(self, dbname: str) -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER,
                               password=self.password(), dbname=dbname, autocommit=True)

    def _ensure_database(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = self._connect_admin("postgres")
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        with conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        with self._connect_admin(DB_NAME) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)
