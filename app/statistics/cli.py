"""`leerstand statistics report`: the quarterly report as a PDF file, as the working group."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.config import Settings


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from app.accounts.principal import Principal, Role
    from app.cli import database, session_scope
    from app.statistics import report

    # the working group: every town, every status, never personal data
    principal = Principal(user_id=0, role=Role.working_group)
    report.parse_quarter(args.quarter)  # a bad quarter fails before the database starts
    with database(settings) as url, session_scope(url) as session:
        result = report.build(session=session, principal=principal, quarter=args.quarter,
                              municipality=args.municipality)
    Path(args.output).write_bytes(result.pdf)
    print(f"{args.output}: {result.filename} geschrieben")
    return 0


def add_commands(subparsers) -> None:
    from app.cli import add_command

    statistics = subparsers.add_parser("statistics", help="statistics (quarterly report)")
    sub = statistics.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = add_command(sub, "report", cmd_report,
                    "write the quarterly report PDF (as the working group: every town, every "
                    "status, no personal data)")
    p.add_argument("output", metavar="OUT", help="PDF file to write")
    p.add_argument("--quarter", required=True, help="quarter YYYY-Qn, e.g. 2026-Q4")
    p.add_argument("--municipality", metavar="AGS,…",
                   help="comma-separated AGS (default: every town with vacancies)")
