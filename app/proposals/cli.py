"""`leerstand purge-client-hashes`: enforce the retention of keyed client hashes from cron,
also when nobody supports or flags anything for a while."""

from __future__ import annotations

import argparse

from app.config import Settings


def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    from app.abuse import service as abuse
    from app.cli import database, session_scope
    from app.proposals import service

    with database(settings) as url, session_scope(url) as session:
        hashes = service.purge_client_hashes(session=session,
                                             retention_days=settings.client_hash_retention_days)
        windows = abuse.purge_windows(session=session)
    print(f"{hashes} Unterstützungs-/Meldungs-Hashes und {windows} Zählfenster gelöscht")
    return 0


def add_commands(subparsers) -> None:
    from app.cli import add_command

    add_command(subparsers, "purge-client-hashes", cmd_purge,
                "delete expired support/flag client hashes and old rate-limit windows")
