"""Context layers for the scoring: import reference points (stations, shops, museums …).

GeoJSON Point features, CSV with lon/lat (or x/y, or WKT) columns, GeoPackage or zipped
Shapefile, opened by the shared reader (``app.geofile.reader``). Every row is checked; the
common import report (``app.geofile.report``) names each bad row with its number, field and
reason. Nothing is written unless every row is valid, or the caller asked to skip invalid
rows. A re-import of the same source and category replaces the earlier one, so loading the
defaults twice does not double them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.config import PROJECT_DIR
from app.database import rowcount
from app.errors import InvalidInput
from app.geofile import reader
from app.geofile.report import ImportReport, Problem
from app.scoring import service
from app.scoring.categories import PLACE_CATEGORIES

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
MAX_NAME = 200
NAME_FIELDS, ID_FIELDS = ("name", "Name", "NAME", "bezeichnung"), ("id", "@id", "eva_nr", "ID")


@dataclass(frozen=True)
class Layer:
    path: Path
    category: str
    attribution: str
    where: tuple[str, str] | None = None


GEODATA = PROJECT_DIR / "geodata"
DEFAULT_LAYERS = (
    Layer(GEODATA / "th_bahnhoefe_db_2020.geojson", "station",
          "Deutsche Bahn AG – Haltestellendaten (CC BY 4.0), Daten verändert"),
    Layer(GEODATA / "jena_tram_osm_2014.geojson", "tram_stop",
          "© OpenStreetMap contributors, ODbL 1.0", where=("railway", "tram_stop")),
)


@dataclass(kw_only=True)
class PlacesReport(ImportReport):
    """The common import report; ``created`` are the places written, ``replaced`` the earlier
    places of the same source and category they replaced."""

    source: str  # the places' source label (default: the file name)
    category: str
    filtered: int = 0  # rows left out by ``where``
    replaced: int = 0

    def context(self) -> dict[str, Any]:
        return {"source": self.source, "category": self.category}

    def figures(self) -> dict[str, Any]:
        return {"filtered": self.filtered, "replaced": self.replaced, **super().figures()}

    def headline(self) -> str:
        return f"{super().headline()} of category {self.category}, {self.filtered} filtered out"

    def outcome(self) -> list[str]:
        skipped = f", {len(self.problems)} row(s) with problems skipped" if self.problems else ""
        return [f"{self.created} created ({self.replaced} earlier places of this source and "
                f"category replaced){skipped}"]


@dataclass
class Candidate:
    row: int
    name: str | None
    external_id: str | None
    lon: float
    lat: float


def _check_category(category: str) -> None:
    if category not in PLACE_CATEGORIES:
        raise InvalidInput(f"unknown category {category!r}; allowed: {', '.join(PLACE_CATEGORIES)}",
                           field="category")


def _clean_name(value: Any, row: int, problems: list[Problem]) -> tuple[bool, str | None]:
    if value is None or value == "":
        return True, None
    if not isinstance(value, str):
        problems.append(Problem(row, "name", f"name must be text, got {type(value).__name__}"))
        return False, None
    if len(value) > MAX_NAME:
        problems.append(Problem(row, "name", f"name longer than {MAX_NAME} characters"))
        return False, None
    return True, value.strip() or None


def _first(props: dict[str, Any], names: tuple[str, ...]) -> Any:
    return next((props[n] for n in names if props.get(n) not in (None, "")), None)


def _selected(src: reader.PointSource, where: tuple[str, str] | None,
              report: PlacesReport) -> list[reader.Record]:
    """The records ``where`` keeps (a CSV's column names are lower case)."""
    if where is None:
        return src.records
    key, wanted = where
    kept = [r for r in src.records if str(r.props.get(key, r.props.get(key.lower()))) == wanted]
    report.filtered = len(src.records) - len(kept)
    return kept


def _candidates(src: reader.PointSource, records: list[reader.Record],
                problems: list[Problem]) -> list[Candidate]:
    """The rows with a point in range and a usable name; the others' problems."""
    candidates = []
    for record, point in zip(records, reader.to_wgs84(records, src.epsg), strict=True):
        if record.text_problem:
            problems.append(Problem(record.row, *record.text_problem))
            continue
        if record.geometry_problem:
            problems.append(Problem(record.row, "geometry", record.geometry_problem))
            continue
        if not reader.in_range(point):
            problems.append(Problem(record.row, "geometry", f"coordinates [{record.x}, "
                                    f"{record.y}] are out of range for EPSG:{src.epsg}"))
            continue
        ok, name = _clean_name(_first(record.props, NAME_FIELDS), record.row, problems)
        if ok:
            external = _first(record.props, ID_FIELDS) or record.fid
            candidates.append(Candidate(record.row, name, None if external is None else
                                        str(external)[:100], point[0], point[1]))
    return candidates


def _outside(session: Session, candidates: list[Candidate]) -> set[int]:
    """Rows whose point lies in no municipality of the register (one query)."""
    if not candidates:
        return set()
    rows = session.execute(text("""
        SELECT t.row FROM unnest(CAST(:rows AS int[]), CAST(:xs AS float8[]),
                                 CAST(:ys AS float8[])) AS t(row, x, y)
        WHERE NOT EXISTS (SELECT 1 FROM municipality m
                          WHERE ST_Covers(m.boundary, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326)))
    """), {"rows": [c.row for c in candidates], "xs": [c.lon for c in candidates],
           "ys": [c.lat for c in candidates]}).scalars()
    return set(rows)


def import_places(
    *, session: Session, path: Path, category: str, skip_invalid: bool = False,
    where: tuple[str, str] | None = None, crs: str | None = None, source: str | None = None,
    attribution: str | None = None, rescore: bool = True,
) -> PlacesReport:
    """Check every row, then (all valid, or skip_invalid) replace this source's places of the
    category and rescore the vacancies. A problem with the whole file always writes nothing."""
    _check_category(category)
    report = PlacesReport(file=path.name, source=source or path.name, category=category)
    problems: list[Problem] = []
    try:
        src = reader.read_points(path, crs=crs, max_bytes=MAX_FILE_BYTES, max_rows=MAX_ROWS)
    except reader.ImportFileError as exc:  # the whole file: reported as row 0
        report.finish([Problem(0, exc.field or "file", exc.message)])
        return report
    report.format, report.crs, report.rows = src.format, f"EPSG:{src.epsg}", len(src.records)
    report.warnings, report.skip_invalid = src.warnings, skip_invalid
    candidates = _candidates(src, _selected(src, where, report), problems)
    outside = _outside(session, candidates)
    problems += [Problem(r, "geometry", "outside every municipality in the register")
                 for r in outside]
    report.finish(problems)
    if report.rejected:
        return report
    _replace(session, report, [c for c in candidates if c.row not in outside], attribution)
    if rescore:
        # a new stop or shop can change any vacancy's nearest-stop distance or neighbourhood
        service.rescore_all(session=session)
    return report


def _replace(session: Session, report: PlacesReport, valid: list[Candidate],
             attribution: str | None) -> None:
    """This source's places of the category, replaced by ``valid``."""
    report.replaced = rowcount(
        session, text("DELETE FROM place WHERE source = :source AND category = :category"),
        {"source": report.source, "category": report.category},
    )
    if valid:
        session.execute(text("""
            INSERT INTO place (category, name, geom, source, attribution, external_id)
            SELECT :category, t.name, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326), :source,
                   :attribution, t.ext
            FROM unnest(CAST(:names AS text[]), CAST(:xs AS float8[]), CAST(:ys AS float8[]),
                        CAST(:exts AS text[])) AS t(name, x, y, ext)
        """), {"category": report.category, "source": report.source,
               "attribution": attribution, "names": [c.name for c in valid],
               "xs": [c.lon for c in valid], "ys": [c.lat for c in valid],
               "exts": [c.external_id for c in valid]})
    report.created = len(valid)


def import_defaults(*, session: Session, rescore: bool = True) -> list[PlacesReport]:
    """The shipped layers: Thuringian DB stations and Jena's tram stops, with attribution."""
    reports = [
        import_places(session=session, path=layer.path, category=layer.category,
                      where=layer.where, attribution=layer.attribution, rescore=False)
        for layer in DEFAULT_LAYERS
    ]
    if rescore:
        service.rescore_all(session=session)
    return reports
