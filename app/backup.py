"""Backups: ``leerstand backup`` writes a pg_dump custom-format archive of the configured
database, ``leerstand restore`` plays one back into an empty database (or, with ``force``,
replaces the app's tables) in a single transaction.

The PostgreSQL client programs get the connection as a libpq keyword/value string without the
password; the password travels in their environment (``PGPASSWORD``), which only the same user
can read, and never in an argument, a log line or an error message.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psycopg
from sqlalchemy.engine import make_url

from app.config import Settings
from app.embedded import EmbeddedPostgresError, find_pg_bin
from app.errors import DomainError

TOOLS = ("pg_dump", "pg_restore", "psql")
# the first bytes of every custom-format archive (pg_dump -Fc)
ARCHIVE_MAGIC = b"PGDMP"
# a Leerstand database always has Alembic's bookkeeping table
LEERSTAND_MARKER = "TABLE public alembic_version"
# pg_restore 17+ writes this into every script; servers before 17 reject the setting
NEW_SETTING_ONLY_IN_17 = b"SET transaction_timeout = 0;\n"
# relation kinds that make a database "not empty", in the order --force drops them: tables
# first, taking their views and their own sequences along (CASCADE), so that what is left of
# the rest is only what stood alone
RELKINDS = {"r": "TABLE", "p": "TABLE", "f": "FOREIGN TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW",
            "S": "SEQUENCE"}
DROP_ORDER = list(RELKINDS)
# everything a user created, in any schema, that no extension (PostGIS: spatial_ref_sys) owns
USER_RELATIONS = """
SELECT n.nspname, c.relname, c.relkind
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
"""


class BackupError(DomainError):
    code = "backup_failed"


@dataclass(frozen=True)
class Target:
    """A database as the PostgreSQL client programs take it."""

    conninfo: str
    password: str | None
    label: str

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        return env

    def hide(self, text: str) -> str:
        """``text`` without the password, should a program ever echo it."""
        return text.replace(self.password, "***") if self.password else text
# the app's own functions in schema public (the triggers of the statistics, migration 0012),
# not those of an extension: --force drops them after the tables, so that the backup's replace
# them
USER_FUNCTIONS = """
SELECT format('DROP FUNCTION IF EXISTS public.%I(%s) CASCADE;', p.proname,
              pg_get_function_identity_arguments(p.oid))
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1
"""


@dataclass(frozen=True)
class Relation:
    schema: str
    name: str
    kind: str

    def drop(self) -> str:
        return f"DROP {RELKINDS[self.kind]} IF EXISTS {_ident(self.schema)}.{_ident(self.name)} CASCADE;"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _conninfo_value(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def target_from_url(url: str) -> Target:
    """The SQLAlchemy URL ``postgresql+psycopg://user:pw@host:port/db?sslmode=…`` as libpq
    keywords (query parameters are libpq's, as for psycopg, and win over the URL's parts)."""
    parsed = make_url(url)
    parts = {"host": parsed.host, "port": parsed.port, "dbname": parsed.database,
             "user": parsed.username}
    params = {key: str(value) for key, value in parts.items() if value is not None}
    for key, option in parsed.query.items():
        params[key] = option if isinstance(option, str) else ",".join(option)
    password = params.pop("password", None) or parsed.password
    conninfo = " ".join(f"{key}={_conninfo_value(value)}" for key, value in params.items())
    label = (f"{params.get('user', '')}@{params.get('host', 'localhost')}:"
             f"{params.get('port', 5432)}/{params.get('dbname', '')}")
    return Target(conninfo=conninfo, password=password, label=label)


def _major(folder: Path) -> int:
    name = folder.parent.name
    return int(name) if name.isdigit() else 0


def _has_tools(folder: Path) -> bool:
    return all((folder / tool).exists() for tool in TOOLS)


def client_bin(settings: Settings) -> Path:
    """The folder of pg_dump, pg_restore and psql: LEERSTAND_PG_BIN when set; for the embedded
    cluster its own PostgreSQL; else the newest installed (pg_dump must not be older than the
    server: it refuses to run, naming both versions)."""
    if settings.pg_bin:
        if not _has_tools(settings.pg_bin):
            raise BackupError(f"LEERSTAND_PG_BIN={settings.pg_bin} lacks {', '.join(TOOLS)}")
        return settings.pg_bin
    if settings.embedded:
        try:
            return find_pg_bin()
        except EmbeddedPostgresError as error:
            raise BackupError(str(error)) from error
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_major, reverse=True):
        if _has_tools(folder):
            return folder
    on_path = shutil.which("pg_dump")
    if on_path and _has_tools(Path(on_path).parent):
        return Path(on_path).parent
    raise BackupError("pg_dump, pg_restore and psql not found: install the PostgreSQL client "
                      "(Debian/Ubuntu: apt-get install postgresql-client) or set LEERSTAND_PG_BIN")


def dump_command(bin_dir: Path, target: Target, output: Path | None) -> list[str]:
    """pg_dump in custom format (compressed, restorable table by table); stdout without output."""
    command = [str(bin_dir / "pg_dump"), "--format=custom", "--no-password",
               f"--dbname={target.conninfo}"]
    return command + ([f"--file={output}"] if output else [])


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_output(out: str) -> Iterator[Path | None]:
    """A temporary file beside ``out`` that becomes ``out`` (fsynced, renamed) only when the
    block succeeds; a failed backup leaves nothing under either name. ``-``: stdout (None)."""
    if out == "-":
        if sys.stdout.isatty():
            raise BackupError("refusing to write a binary archive to a terminal: redirect it "
                              "(leerstand backup - > FILE) or give a file name")
        sys.stdout.flush()
        yield None
        return
    path = Path(out)
    if path.is_dir():
        raise BackupError(f"{out} is a folder: give a file name")
    try:
        # created 0600: the archive holds contacts, e-mail addresses and password hashes
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as error:
        raise BackupError(f"cannot write {out}: {error.strerror}") from error
    os.close(fd)
    partial = Path(name)
    try:
        yield partial
        _fsync(partial)
        os.replace(partial, path)
        _fsync(path.parent)
    finally:
        partial.unlink(missing_ok=True)


def dump(*, url: str, bin_dir: Path, output: Path | None) -> None:
    """Run pg_dump into ``output`` (None: stdout)."""
    target = target_from_url(url)
    result = subprocess.run(dump_command(bin_dir, target, output), env=target.env(),
                            stdout=None, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        reason = result.stderr.strip() or f"exit code {result.returncode}"
        raise BackupError(f"pg_dump of {target.label} failed: {target.hide(reason)}")


@contextmanager
def archive_file(name: str) -> Iterator[Path]:
    """The archive to restore; ``-`` spools stdin to a temporary file (it is read twice)."""
    if name != "-":
        yield Path(name)
        return
    with tempfile.NamedTemporaryFile(prefix="leerstand-restore-", suffix=".dump") as spool:
        shutil.copyfileobj(sys.stdin.buffer, spool, 1024 * 1024)
        spool.flush()
        yield Path(spool.name)


@dataclass(frozen=True)
class Archive:
    path: Path
    toc: list[str]

    @property
    def created(self) -> str:
        for line in self.toc:
            if line.startswith("; Archive created at "):
                return line.removeprefix("; Archive created at ").strip()
        return "?"

    def restore_list(self) -> str:
        # COMMENT ON EXTENSION needs the extension's owner, which a non-superuser is not
        return "".join(f"{line}\n" for line in self.toc if " COMMENT - EXTENSION " not in line)


def read_archive(bin_dir: Path, path: Path) -> Archive:
    """``path`` if it is a pg_dump custom-format archive of a Leerstand database."""
    try:
        with path.open("rb") as file:
            magic = file.read(len(ARCHIVE_MAGIC))
    except OSError as error:
        raise BackupError(f"cannot read {path}: {error.strerror}") from error
    if magic != ARCHIVE_MAGIC:
        raise BackupError(f"{path} is not a pg_dump custom-format archive (leerstand backup "
                          "writes one); nothing was restored")
    listed = subprocess.run([str(bin_dir / "pg_restore"), "--list", str(path)],
                            capture_output=True, text=True)
    if listed.returncode != 0:
        raise BackupError(f"{path} is a damaged archive ({listed.stderr.strip()}); "
                          "nothing was restored")
    toc = listed.stdout.splitlines()
    if not any(LEERSTAND_MARKER in line for line in toc):
        raise BackupError(f"{path} is not a backup of a Leerstand database (it has no "
                          "alembic_version table); nothing was restored")
    return Archive(path=path, toc=toc)


def _connect(target: Target) -> psycopg.Connection:
    try:
        return psycopg.connect(target.conninfo, password=target.password, autocommit=True,
                               connect_timeout=10)
    except psycopg.OperationalError as error:
        raise BackupError(f"cannot connect to {target.label}: "
                          f"{target.hide(str(error).strip())}") from error


def user_relations(target: Target) -> tuple[list[Relation], int]:
    """What is in the database besides extensions' own tables, and the server's version."""
    with _connect(target) as conn:
        rows = conn.execute(USER_RELATIONS).fetchall()
        return [Relation(*row) for row in rows], conn.info.server_version


def _not_empty(target: Target, found: list[Relation]) -> BackupError:
    names = [r.name if r.schema == "public" else f"{r.schema}.{r.name}" for r in found
             if r.kind != "S"] or [r.name for r in found]
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return BackupError(f"database {target.label} is not empty ({', '.join(names[:5])}{more}): "
                       "restore into an empty database, or give --force to replace its "
                       "tables with the backup's; nothing was restored")


def _copy_script(script: IO[bytes], sink: IO[bytes], server_version: int) -> None:
    # the settings come first in the script, before any data: only its head is looked at
    for _ in range(40):
        line = script.readline()
        if not line:
            return
        if not (line == NEW_SETTING_ONLY_IN_17 and server_version < 170000):
            sink.write(line)
    shutil.copyfileobj(script, sink, 1024 * 1024)


def replay_commands(bin_dir: Path, target: Target, archive: Path,
                    listing: Path) -> tuple[list[str], list[str]]:
    """pg_restore writing the archive as SQL (owners and grants left out, so a dump of the
    compose database restores into the embedded cluster and back), and psql running it."""
    pg_restore = [str(bin_dir / "pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                  f"--use-list={listing}", "--file=-", str(archive)]
    psql = [str(bin_dir / "psql"), "--no-psqlrc", "--quiet", "--no-password",
            "--set=ON_ERROR_STOP=1", f"--dbname={target.conninfo}"]
    return pg_restore, psql


def _replay(bin_dir: Path, target: Target, archive: Archive, drops: list[str],
            server_version: int, workdir: Path) -> None:
    """pg_restore's SQL piped into psql inside one transaction that also holds ``drops``:
    committed only when pg_restore read the whole archive and every statement succeeded."""
    listing = workdir / "restore.list"
    listing.write_text(archive.restore_list())
    restore_cmd, psql_cmd = replay_commands(bin_dir, target, archive.path, listing)
    with (workdir / "pg_restore.err").open("w+") as restore_err, \
            (workdir / "psql.err").open("w+") as psql_err:
        with subprocess.Popen(restore_cmd, stdout=subprocess.PIPE, stderr=restore_err) as reader, \
                subprocess.Popen(psql_cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                 stderr=psql_err, env=target.env()) as writer:
            assert reader.stdout is not None and writer.stdin is not None
            try:
                writer.stdin.write(("BEGIN;\n" + "".join(f"{d}\n" for d in drops)).encode())
                _copy_script(reader.stdout, writer.stdin, server_version)
                if reader.wait() == 0:
                    writer.stdin.write(b"COMMIT;\n")
            except BrokenPipeError:
                # psql stopped at an error (ON_ERROR_STOP), its transaction never committed; read
                # on, as a damaged archive (the likelier cause) shows only when read to its end
                shutil.copyfileobj(reader.stdout, _Discard(), 1024 * 1024)
            finally:
                with suppress(BrokenPipeError):
                    writer.stdin.close()
            writer.wait()
            reader.wait()
        restore_err.seek(0)
        psql_err.seek(0)
        if reader.returncode != 0:
            raise BackupError(f"{archive.path} is a damaged archive ({restore_err.read().strip()}); "
                              "nothing was restored")
        if writer.returncode != 0:
            raise BackupError(f"restore into {target.label} failed "
                              f"({target.hide(_first_error(psql_err.read()))}); nothing was restored")


class _Discard:
    def write(self, data: bytes) -> int:
        return len(data)


def _first_error(text: str) -> str:
    # psql's DETAIL and CONTEXT lines quote whole rows of the archive (contacts, hashes)
    errors = [line.strip() for line in text.splitlines() if "ERROR:" in line or "FATAL:" in line]
    return errors[0] if errors else text.strip()


def restore(*, url: str, bin_dir: Path, archive: Archive, force: bool) -> list[Relation]:
    """Restore ``archive`` into the database at ``url``; returns what ``force`` replaced.

    Empty means no table, view or sequence in any schema besides those an extension owns
    (PostGIS's spatial_ref_sys). ``force`` drops every such object in schema public (the app's
    schema; the postgis extension stays), and the app's functions there, in the restore's own
    transaction."""
    target = target_from_url(url)
    found, server_version = user_relations(target)
    if found and not force:
        raise _not_empty(target, found)
    replaced = sorted((relation for relation in found if relation.schema == "public"),
                      key=lambda relation: DROP_ORDER.index(relation.kind))
    drops = [r.drop() for r in replaced]
    if force:
        with _connect(target) as conn:
            drops += [row[0] for row in conn.execute(USER_FUNCTIONS)]
    with tempfile.TemporaryDirectory(prefix="leerstand-restore-") as workdir:
        _replay(bin_dir, target, archive, drops, server_version, Path(workdir))
    return replaced


def analyze(url: str) -> None:
    """Fresh planner statistics: a restored table has none until autovacuum comes by."""
    with _connect(target_from_url(url)) as conn:
        conn.execute("ANALYZE")


def size_label(path: Path) -> str:
    size = path.stat().st_size
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"

