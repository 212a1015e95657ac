"""`leerstand worker`: the mail worker as a process of its own (``leerstand serve`` also runs
one unless LEERSTAND_MAIL_WORKER=false); stops after the mail in flight on SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from app.config import Settings

log = logging.getLogger(__name__)


@contextmanager
def worker_thread(url: str, settings: Settings) -> Iterator[threading.Thread]:
    """The mail worker in a thread of this process, stopped (gracefully) on leaving."""
    from app.database import make_engine
    from app.mail.worker import MailWorker

    engine = make_engine(url)
    stop = threading.Event()
    thread = threading.Thread(target=MailWorker(engine=engine, settings=settings).run,
                              args=(stop,), name="mail-worker", daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=settings.smtp_timeout_s * 3)
        engine.dispose()


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli import database
    from app.database import make_engine
    from app.mail.worker import MailWorker

    if settings.smtp is None:
        log.warning("LEERSTAND_SMTP_URL is not set: nothing is sent, mails stay in the outbox "
                    "(/verwaltung/postausgang); unconfirmed addresses are still erased")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with database(settings) as url:
        engine = make_engine(url)
        try:
            MailWorker(engine=engine, settings=settings, poll_s=args.poll).run(stop)
        finally:
            engine.dispose()
    return 0


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    """Queue today's digests now (the worker sends them); --dry-run only tells what would go."""
    from app.cli import database, session_scope
    from app.mail import digest

    with database(settings) as url, session_scope(url) as session:
        report = digest.schedule(session=session, dry_run=args.dry_run, base_url=_base_url(settings))
    if not report:
        print("Niemand hat die tägliche Zusammenfassung eingeschaltet.")
    for town in report:
        done = (f"{town['recipients']} Empfänger" if args.dry_run
                else f"{town['queued']} neu in den Postausgang")
        print(f"{town['name']} ({town['ags']}): {town['open']} offene Aufgaben, {done}")
    return 0


def _base_url(settings: Settings) -> str:
    from app.mail import digest

    return digest.base_url(settings)


def cmd_weekly(args: argparse.Namespace, settings: Settings) -> int:
    """Queue this ISO week's summary for the working-group accounts that opted in."""
    from app.cli import database, session_scope
    from app.mail.weekly import send_weekly

    with database(settings) as url, session_scope(url) as session:
        queued = send_weekly(session=session, base_url=_base_url(settings), dry_run=args.dry_run)
    n = len(queued)
    accounts = "Konto" if n == 1 else "Konten"
    if args.dry_run:
        print(f"Die Wochenübersicht ginge an {n} {accounts}.")
    else:
        print(f"Wochenübersicht für {n} {accounts} in den Postausgang gelegt.")
    return 0


def cmd_weekly_opt(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy import update

    from app.accounts.models import User
    from app.accounts.principal import Role
    from app.cli import database, session_scope
    from app.database import rowcount

    with database(settings) as url, session_scope(url) as session:
        changed = rowcount(session, update(User).where(
            User.email == args.email.strip().lower(), User.role == Role.working_group)
            .values(weekly_summary=not args.off))
    if not changed:
        print("Kein Konto der Arbeitsgruppe mit dieser E-Mail-Adresse.")
        return 1
    print("Wochenübersicht " + ("ausgeschaltet." if args.off else "eingeschaltet."))
    return 0


def add_commands(subparsers) -> None:
    from app.cli import add_command

    p = add_command(subparsers, "worker", cmd_worker,
                    "send queued mails (SMTP from LEERSTAND_SMTP_URL) until stopped")
    p.add_argument("--poll", type=float, default=2.0,
                   help="seconds between looks at the queue when it is empty (default 2)")

    mail = subparsers.add_parser("mail", help="mail jobs", description="mail jobs")
    mail_sub = mail.add_subparsers(dest="mail_command", required=True, metavar="MAIL_COMMAND")
    p = add_command(mail_sub, "digest", cmd_digest,
                    "queue today's digest of open tasks to staff who opted in (once per day)")
    p.add_argument("--dry-run", action="store_true",
                   help="only tell per town how many tasks and recipients there are")
    p = add_command(mail_sub, "weekly", cmd_weekly,
                    "queue this ISO week's summary for the opted-in working-group accounts now "
                    "(once per account and week)")
    p.add_argument("--dry-run", action="store_true", help="only count the recipients")
    p = add_command(mail_sub, "weekly-opt-in", cmd_weekly_opt,
                    "turn a working-group account's weekly summary on (or off with --off)")
    p.add_argument("--email", required=True)
    p.add_argument("--off", action="store_true")
