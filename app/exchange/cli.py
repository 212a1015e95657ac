"""`leerstand export` and `leerstand import`: the exchange formats from the command line."""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from app.accounts.principal import Principal, Role
from app.config import Settings

# the operator at the console acts as an administrator without a user account
OPERATOR = Principal(role=Role.admin)


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli import database
    from app.database import make_engine
    from app.exchange import export
    from app.vacancies import query as vacancy_query

    filters = vacancy_query.VacancyFilter(
        municipalities=vacancy_query.parse_municipalities(args.municipality),
        statuses=vacancy_query.parse_statuses(args.status), updated_since=args.updated_since,
    )
    fmt = args.format or Path(args.output).suffix.lstrip(".").lower()
    if fmt not in ("geojson", "csv", "gpkg"):
        raise SystemExit("give --format geojson|csv|gpkg or an output file with that suffix")
    with database(settings) as url:
        engine = make_engine(url)
        query = export.export_query(OPERATOR, filters, include_private=args.include_private)
        if fmt == "gpkg":
            path = export.gpkg_file(engine, query)
            shutil.move(path, args.output)
        else:
            stream = export.stream_geojson if fmt == "geojson" else export.stream_csv
            _write(Path(args.output), stream(engine, query))
    print(f"{fmt} written to {args.output}", file=sys.stderr)
    return 0


def _write(path: Path, chunks: Iterator[bytes]) -> None:
    """Writes the export; if it fails part way, no file is left that looks complete."""
    try:
        with path.open("wb") as out:
            for chunk in chunks:
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from app.cli import database, session_scope
    from app.exchange import import_service

    with database(settings) as url, session_scope(url) as session:
        report = import_service.import_file(
            session=session, path=Path(args.file), ags=args.municipality, actor=OPERATOR,
            dry_run=args.dry_run, crs=args.crs, source="import")
    for line in report.lines():
        print(line)
    return 0 if report.valid else 1


def _instant(value: str) -> datetime:
    """--updated-since: an ISO 8601 time, in UTC as the HTTP API takes it (app.schemas)."""
    from app.schemas import utc_instant

    try:
        return utc_instant(datetime.fromisoformat(value))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r}: {exc}") from None


def _import_rejected(func):
    """Prints a rejected import's per-row report instead of only its headline."""
    def run(args: argparse.Namespace, settings: Settings) -> int:
        from app.exchange.import_service import ImportRejected

        try:
            return func(args, settings)
        except ImportRejected as exc:
            report = exc.extra["report"]
            for problem in report["errors"]:
                print(f"row {problem['row']}: {problem['field']}: {problem['reason']}")
            print(f"error: {exc.message}", file=sys.stderr)
            return 1
    return run


def add_commands(subparsers) -> None:
    from app.cli import add_command

    p = add_command(subparsers, "export", cmd_export,
                    "export vacancies as GeoJSON, CSV or GeoPackage (field schema: docs/exchange.md)")
    p.add_argument("output", help="output file (.geojson, .csv or .gpkg)")
    p.add_argument("--format", choices=["geojson", "csv", "gpkg"], help="default: from the suffix")
    p.add_argument("--municipality", metavar="AGS[,AGS…]", help="only these towns")
    p.add_argument("--status", metavar="STATUS[,STATUS…]", help="only these statuses")
    p.add_argument("--updated-since", type=_instant, metavar="ISO-TIME",
                   help="only vacancies updated at or after (without offset: UTC)")
    p.add_argument("--include-private", action="store_true",
                   help="also owner_contact, internal_notes, owner_consent and next_follow_up "
                        "(personal data: staff use only)")

    p = add_command(subparsers, "import", _import_rejected(cmd_import),
                    "import vacancies of one town from GeoJSON, CSV, GeoPackage or zipped "
                    "Shapefile (all rows or none; rows with a known external_id are updated)")
    p.add_argument("file")
    p.add_argument("--municipality", required=True, metavar="AGS", help="8-digit AGS of the town")
    p.add_argument("--dry-run", action="store_true", help="validate and print the report only")
    p.add_argument("--crs", help="CSV only: CRS of the coordinate columns (default EPSG:4326)")
