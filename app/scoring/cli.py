"""``leerstand places import`` and ``leerstand scoring rescore``."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli import add_command, database, session_scope
from app.config import Settings
from app.errors import InvalidInput
from app.scoring.categories import PLACE_CATEGORIES


def _where(value: str | None) -> tuple[str, str] | None:
    if value is None:
        return None
    key, sep, wanted = value.partition("=")
    if not sep or not key:
        raise InvalidInput("--where must look like KEY=VALUE, e.g. railway=tram_stop", field="where")
    return key, wanted


def cmd_places_import(args: argparse.Namespace, settings: Settings) -> int:
    from app.scoring import places

    if args.file is None and args.category is not None:
        raise InvalidInput("--category needs a FILE (without FILE the shipped layers are loaded)",
                           field="category")
    if args.file is not None and args.category is None:
        raise InvalidInput("--category is required with a FILE", field="category")
    with database(settings) as url, session_scope(url) as session:
        if args.file is None:
            reports = places.import_defaults(session=session)
        else:
            reports = [places.import_places(
                session=session, path=Path(args.file), category=args.category,
                skip_invalid=args.skip_invalid, where=_where(args.where), crs=args.crs,
                attribution=args.attribution)]
        for report in reports:
            print("\n".join(report.lines()))
        if any(report.rejected for report in reports):
            session.rollback()
            return 1
    return 0


def cmd_rescore(args: argparse.Namespace, settings: Settings) -> int:
    from app.scoring import service

    with database(settings) as url, session_scope(url) as session:
        result = service.rescore_all(session=session, agss=args.municipality or None)
    print(f"{result.scored} vacancies in {result.municipalities} municipalities scored, "
          f"{result.cleared} scores cleared, {result.seconds:.2f} s "
          f"(database {result.seconds_database:.2f} s, Python {result.seconds_python:.2f} s)")
    return 0


def add_commands(sub) -> None:
    group = sub.add_parser("places", help="context layers for the scoring (stations, shops …)")
    group_sub = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = add_command(group_sub, "import", cmd_places_import,
                    "import reference points (GeoJSON Point features or CSV with lon/lat); "
                    "without FILE: the shipped DB stations and Jena tram stops")
    p.add_argument("file", nargs="?", help="GeoJSON or CSV file")
    p.add_argument("--category", choices=PLACE_CATEGORIES, help="category of every point")
    p.add_argument("--skip-invalid", action="store_true",
                   help="import the valid rows even if some are invalid (default: all or nothing)")
    p.add_argument("--where", metavar="KEY=VALUE", help="only features/rows with this property")
    p.add_argument("--crs", help="CRS of the coordinates, e.g. EPSG:25832 (default WGS84)")
    p.add_argument("--attribution", help="licence and attribution text of the source")

    group = sub.add_parser("scoring", help="interim/permanent scores")
    group_sub = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = add_command(group_sub, "rescore", cmd_rescore,
                    "recompute the scores (all municipalities with vacancies, or the given ones); "
                    "run nightly so the vacancy duration stays current")
    p.add_argument("--municipality", metavar="AGS", action="append",
                   help="only this municipality (repeatable)")
