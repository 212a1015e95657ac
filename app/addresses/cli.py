"""`leerstand addresses import`: house coordinates from a file into the address table."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from app.config import Settings


def _ags(value: str) -> str:
    if not re.fullmatch(r"[0-9]{8}", value):
        raise argparse.ArgumentTypeError(f"an AGS has 8 digits, got {value!r}")
    return value


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from app.addresses import importer
    from app.cli import database, session_scope

    with database(settings) as url, session_scope(url) as session:
        report = importer.import_addresses(
            session=session, path=Path(args.file), ags=args.municipality, replace=args.replace,
            crs=args.crs, skip_invalid=args.skip_invalid, source=args.source)
    print("\n".join(report.lines()))
    return 1 if report.rejected else 0


def add_commands(subparsers) -> None:
    from app.cli import add_command

    addresses = subparsers.add_parser("addresses", help="house coordinates (address search)")
    sub = addresses.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = add_command(sub, "import", cmd_import,
                    "import house coordinates from CSV, GeoJSON or GeoPackage (CRS from the "
                    "file; all rows or none; an address already stored is updated)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--municipality", type=_ags, metavar="AGS",
                   help="8-digit AGS of the town; without it every row needs a municipality/ags "
                   "column")
    p.add_argument("--replace", action="store_true",
                   help="first delete the town's stored addresses (same transaction)")
    p.add_argument("--crs", help="CSV only: CRS of the coordinate columns (default EPSG:4326)")
    p.add_argument("--skip-invalid", action="store_true",
                   help="store the valid rows even if others have problems")
    p.add_argument("--source", help="source label stored with each address (default: the "
                   "file name), e.g. 'Hauskoordinaten TLBG 2026'")
