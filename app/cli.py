"""The ``leerstand`` command line: one entry point for serving, migrating, importing, users, demo,
backups."""

from __future__ import annotations

import argparse
import getpass
import importlib
import logging
import os
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.config import Settings, get_settings
from app.errors import DomainError

if TYPE_CHECKING:
    import uvicorn
    from sqlalchemy.orm import Session

log = logging.getLogger("leerstand")


@contextmanager
def database(settings: Settings, *, upgrade: bool = True) -> Iterator[str]:
    """The database URL to use; with no URL configured, the embedded cluster (started if needed,
    migrated unless ``upgrade`` is False, and stopped again afterwards if this call started it)."""
    if settings.database_url:
        yield settings.database_url
        return
    from app import migrate
    from app.embedded import EmbeddedPostgres, find_pg_bin

    cluster = EmbeddedPostgres(settings.data_dir, settings.embedded_port, find_pg_bin(settings.pg_bin))
    started = cluster.start()
    if started:
        log.info("embedded PostgreSQL started on 127.0.0.1:%s (data: %s)", cluster.port,
                 cluster.pgdata)
    try:
        # the embedded cluster is ours: keep its schema current for every command (but backup
        # and restore, which take the database as it is)
        if upgrade:
            migrate.upgrade(cluster.url())
        yield cluster.url()
    finally:
        if started:
            cluster.stop()
            log.info("embedded PostgreSQL stopped")


def _embedded_secret(settings: Settings) -> str:
    path = settings.data_dir / "secret_key"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    from sqlalchemy.orm import Session

    from app.database import make_engine

    with Session(make_engine(url)) as session, session.begin():
        yield session


def forwarded_allow_ips(settings: Settings) -> str:
    """uvicorn believes X-Forwarded-For/-Proto from LEERSTAND_TRUSTED_PROXIES only: its own
    default (127.0.0.1, or FORWARDED_ALLOW_IPS) would let any local client pick its address.
    It resolves the client the same way as ``app.abuse.forwarded``, so the app, resolving again,
    gets the same answer; this is for the scheme and the access log."""
    return ",".join(str(network) for network in settings.trusted_proxies)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import logging.config

    import uvicorn

    from app import migrate
    from app.accounts.service import TOKEN_PREFIX
    from app.main import SECRET_LINKS, create_app
    from app.observability import logs, metrics

    level = "DEBUG" if args.verbose else settings.log_level.upper()
    # the authors' status links carry their secret in the path, API tokens their prefix
    log_config = logs.log_config(level=level, log_format=settings.log_format,
                                 quiet_alembic=not args.verbose, secret_paths=SECRET_LINKS,
                                 token_prefixes=(TOKEN_PREFIX,))
    logging.config.dictConfig(log_config)  # from here on, the embedded cluster's lines too
    metrics.prepare_multiprocess_dir()
    with database(settings) as url:
        if not args.no_migrate:
            migrate.upgrade(url)
        secret = settings.secret_key or _embedded_secret(settings)
        cookie_secure = settings.cookie_secure and not settings.embedded
        app_settings = settings.model_copy(
            update={"database_url": url, "secret_key": secret, "cookie_secure": cookie_secure}
        )
        banner = f"Leerstand läuft auf http://{args.host}:{args.port}  (Strg+C beendet)"
        if settings.log_format == "json":  # every line a JSON object
            log.info(banner)
        else:
            print(banner, flush=True)
        options: dict[str, Any] = {
            "host": args.host, "port": args.port, "log_level": level.lower(),
            "log_config": log_config, "proxy_headers": bool(settings.trusted_proxies),
            "forwarded_allow_ips": forwarded_allow_ips(settings),
            "timeout_graceful_shutdown": settings.shutdown_timeout_s}
        with ExitStack() as stack:
            if settings.mail_worker:  # one mail worker, however many web workers
                from app.mail.cli import worker_thread

                stack.enter_context(worker_thread(url, app_settings))
            if args.workers > 1:
                # worker processes build their own app from the environment (uvicorn's factory);
                # uvicorn's supervisor stops them on SIGTERM/SIGINT and returns
                os.environ.update(settings_environment(app_settings))
                uvicorn.run("app.main:create_app", factory=True, workers=args.workers, **options)
            else:
                _server(uvicorn.Config(create_app(app_settings), **options)).run()
    return 0


def settings_environment(settings: Settings) -> dict[str, str]:
    """What ``leerstand serve`` decided at start (the embedded cluster's URL, the generated
    secret, cookie security) as environment variables, for worker processes."""
    return {"LEERSTAND_DATABASE_URL": settings.database_url or "",
            "LEERSTAND_SECRET_KEY": settings.secret_key or "",
            "LEERSTAND_COOKIE_SECURE": "true" if settings.cookie_secure else "false"}


def _positive(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 64:
        raise argparse.ArgumentTypeError(f"expected a number from 1 to 64, got {value!r}")
    return int(value)


def _server(config: uvicorn.Config) -> uvicorn.Server:
    """uvicorn's server, except that once it has shut down on SIGTERM or SIGINT it returns
    instead of raising that signal again: SIGTERM's default action would end the process right
    there, before ``database()`` stops the embedded cluster."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextmanager
        def capture_signals(self) -> Iterator[None]:
            with super().capture_signals():
                yield
                # the signals uvicorn re-raises on leaving; the shutdown they asked for is done
                self._captured_signals.clear()

    return Server(config)


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from app import migrate

    with database(settings) as url:
        migrate.upgrade(url, args.revision)
    print(f"database migrated to {args.revision}")
    return 0


def cmd_municipalities_import(args: argparse.Namespace, settings: Settings) -> int:
    from app.municipalities import boundary_import

    path = Path(args.file) if args.file else boundary_import.DEFAULT_BOUNDARIES
    register = (boundary_import.DEFAULT_REGISTER if args.file is None or args.with_register
                else None)
    with database(settings) as url, session_scope(url) as session:
        report = boundary_import.import_boundaries(session=session, path=path, register=register)
    print("\n".join(report.lines()))
    return 1 if report.rejected else 0


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if sys.stdin.isatty():
        first = getpass.getpass("Passwort (leer: nur API-Token): ")
        if first and first != getpass.getpass("Passwort wiederholen: "):
            raise SystemExit("passwords differ")
        return first or None
    return None


def cmd_users_create(args: argparse.Namespace, settings: Settings) -> int:
    from app.accounts import service
    from app.accounts.models import Role

    password = _read_password(args)
    with database(settings) as url, session_scope(url) as session:
        user = service.create_user(session=session, email=args.email, role=Role(args.role),
                                   municipality_ags=args.municipality, password=password)
        print(f"user {user.id} created: role {user.role.value}"
              + (f", municipality {args.municipality}" if args.municipality else "")
              + ("" if password else " (no password: API tokens only)"))
    return 0


def cmd_tokens_create(args: argparse.Namespace, settings: Settings) -> int:
    from app.accounts import service

    with database(settings) as url, session_scope(url) as session:
        user = service.get_user_by_email(session=session, email=args.email)
        token = service.create_token(session=session, user=user, label=args.label)
    print(token)
    return 0


def cmd_users_disable(args: argparse.Namespace, settings: Settings) -> int:
    from app.accounts import service

    with database(settings) as url, session_scope(url) as session:
        user = service.get_user_by_email(session=session, email=args.email)
        service.disable_user(session=session, user=user)
        print(f"user {user.id} disabled: no login; sessions ended, API tokens refused")
    return 0


def cmd_tokens_list(args: argparse.Namespace, settings: Settings) -> int:
    from app.accounts import service

    def when(moment) -> str:
        return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"

    with database(settings) as url, session_scope(url) as session:
        user_id = service.get_user_by_email(session=session, email=args.email).id if args.email else None
        tokens = service.list_tokens(session=session, user_id=user_id)
        print("id\tuser\tcreated\tlast used\trevoked\tlabel")
        for token in tokens:
            print(f"{token.id}\t{token.user.email}\t{when(token.created_at)}\t"
                  f"{when(token.last_used_at)}\t{when(token.revoked_at)}\t{token.label or ''}")
    return 0


def cmd_tokens_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from app.accounts import service

    with database(settings) as url, session_scope(url) as session:
        token = service.get_token(session=session, token_id=args.id)
        service.revoke_token(session=session, token=token)
        print(f"token {token.id} revoked")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from app import demo, migrate

    with database(settings) as url:
        migrate.upgrade(url)
        with session_scope(url) as session:
            summary = demo.load(session=session, password=args.password)
    for line in summary:
        print(line)
    return 0


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from app import backup

    bin_dir = backup.client_bin(settings)
    with backup.atomic_output(args.output) as output, database(settings, upgrade=False) as url:
        backup.dump(url=url, bin_dir=bin_dir, output=output)
    if output is not None:
        print(f"backup written to {args.output} ({backup.size_label(Path(args.output))})",
              file=sys.stderr)
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from app import backup, migrate

    bin_dir = backup.client_bin(settings)
    with backup.archive_file(args.file) as path:
        archive = backup.read_archive(bin_dir, path)
        with database(settings, upgrade=False) as url:
            replaced = backup.restore(url=url, bin_dir=bin_dir, archive=archive, force=args.force)
            migrate.upgrade(url)
            backup.analyze(url)
    tables = sum(1 for relation in replaced if relation.kind in ("r", "p"))
    print(f"restored {args.file} (backup of {archive.created})"
          + (f", replacing the {tables} tables that were there" if replaced else "")
          + "; database migrated to the current version")
    return 0


def add_command(parent, name: str, func: Callable, help_text: str) -> argparse.ArgumentParser:
    """A subcommand whose handler is ``func(args, settings) -> exit code``."""
    p = parent.add_parser(name, help=help_text, description=help_text)
    p.set_defaults(func=func)
    return p


# domain packages that contribute commands: each has ``add_commands(subparsers)``. Registering
# must stay cheap (no services, models or ORM at module level; the handlers import them), as
# every command, e.g. the benchmarked ``import``, first builds the whole parser.
COMMAND_MODULES: tuple[str, ...] = ("app.proposals.cli", "app.scoring.cli", "app.exchange.cli",
                                     "app.addresses.cli", "app.mail.cli",
                                     "app.statistics.cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leerstand",
        description="Leerstand: register of vacant inner-city shops. Without "
        "LEERSTAND_DATABASE_URL every command uses the embedded PostgreSQL cluster in "
        "LEERSTAND_DATA_DIR (started and stopped as needed).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable, help_text: str, parent=sub) -> argparse.ArgumentParser:
        return add_command(parent, name, func, help_text)

    p = add("serve", cmd_serve, "run the web service (migrates the database first)")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--no-migrate", action="store_true", help="do not apply migrations on start")
    p.add_argument("--workers", type=_positive, default=1,
                   help="worker processes (default 1; about one per CPU core)")

    p = add("migrate", cmd_migrate, "apply database migrations (Alembic)")
    p.add_argument("revision", nargs="?", default="heads", help="target revision (default heads)")

    muni = sub.add_parser("municipalities", help="municipality boundaries")
    muni_sub = muni.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = add("import", cmd_municipalities_import,
            "import or update boundaries (GeoJSON, GeoPackage, Shapefile); default: the shipped "
            "Thuringian boundaries (BKG VG250) with Destatis population", muni_sub)
    p.add_argument("file", nargs="?", help="boundary file with fields ags/AGS and name/GEN")
    p.add_argument("--with-register", action="store_true",
                   help="also join population and centre from the shipped Destatis list")

    users = sub.add_parser("users", help="user accounts")
    users_sub = users.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = add("create", cmd_users_create, "create a user (asks for a password on a terminal)",
            users_sub)
    p.add_argument("--email", required=True)
    p.add_argument("--role", required=True, choices=["admin", "staff", "working_group"])
    p.add_argument("--municipality", metavar="AGS", help="8-digit AGS (required for staff)")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")

    p = add("disable", cmd_users_disable, "disable a user: no login, their sessions end and their "
            "API tokens are refused at once", users_sub)
    p.add_argument("--email", required=True)

    tokens = sub.add_parser("tokens", help="API tokens")
    tokens_sub = tokens.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = add("create", cmd_tokens_create, "create an API token for a user and print it (once)",
            tokens_sub)
    p.add_argument("--email", required=True)
    p.add_argument("--label", help="what the token is for")
    p = add("list", cmd_tokens_list, "list API tokens (never the tokens themselves)", tokens_sub)
    p.add_argument("--email", help="only this user's tokens")
    p = add("revoke", cmd_tokens_revoke, "revoke an API token by its id (see tokens list)",
            tokens_sub)
    p.add_argument("id", type=int, help="token id")

    p = add("demo", cmd_demo, "load the demo: real boundaries of Schmölln, Schmalkalden and "
            "Jena with a fictional sample of vacancies, and demo accounts")
    p.add_argument("--password", default=os.environ.get("LEERSTAND_DEMO_PASSWORD", "leerstand-demo"),
                   help="password of the demo accounts (default leerstand-demo; "
                   "env LEERSTAND_DEMO_PASSWORD)")

    p = add("backup", cmd_backup, "write a backup of the database (pg_dump custom format; "
            "the file appears only when complete)")
    p.add_argument("output", metavar="OUT", help="backup file, e.g. leerstand.dump; - for stdout")
    p = add("restore", cmd_restore, "restore a backup into an empty database, then migrate it")
    p.add_argument("file", metavar="FILE", help="backup written by leerstand backup; - for stdin")
    p.add_argument("--force", action="store_true",
                   help="replace the tables of a database that is not empty (all of schema "
                   "public except PostGIS's own), in the restore's one transaction")

    for module in COMMAND_MODULES:
        importlib.import_module(module).add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return args.func(args, get_settings())
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
