"""Import municipality boundaries (GeoJSON, GeoPackage, Shapefile) with pyogrio, upsert by AGS."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import shapely
from pyogrio.errors import DataSourceError
from pyogrio.raw import read
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import geo
from app.config import PROJECT_DIR
from app.errors import InvalidInput

DEFAULT_BOUNDARIES = PROJECT_DIR / "geodata" / "th_gemeinden_vg250_2016.geojson"
DEFAULT_REGISTER = PROJECT_DIR / "geodata" / "th_gemeindeverzeichnis_destatis_2020.csv"
AGS_FIELDS = ("ags", "AGS")
NAME_FIELDS = ("name", "GEN", "gen")
POPULATION_FIELDS = ("population", "einwohner", "EWZ", "ewz", "destatis_einwohner_2019")


@dataclass
class RegisterEntry:
    name: str
    population: int | None
    lon: float
    lat: float


@dataclass
class ImportResult:
    imported: int
    with_population: int


def read_register(path: Path = DEFAULT_REGISTER) -> dict[str, RegisterEntry]:
    """Destatis Gemeindeverzeichnis rows by AGS: official name, population, centre point."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            row["ags"]: RegisterEntry(
                name=row["name"],
                population=int(row["einwohner"]) if row["einwohner"] else None,
                lon=float(row["lon"]),
                lat=float(row["lat"]),
            )
            for row in csv.DictReader(handle)
        }


def _count(value: object) -> int | None:
    """A population figure from a file cell; empty, NaN or negative counts as unknown."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) and number >= 0 else None


def _field(fields: list[str], names: tuple[str, ...], *, required: bool, path: Path) -> int | None:
    for name in names:
        if name in fields:
            return fields.index(name)
    if required:
        raise InvalidInput(f"{path.name}: needs one of the fields {', '.join(names)}", field=names[0])
    return None


def import_boundaries(
    *, session: Session, path: Path = DEFAULT_BOUNDARIES, register: Path | None = DEFAULT_REGISTER
) -> ImportResult:
    """Upsert every municipality in the file; all or nothing (the caller's transaction)."""
    try:
        meta, _, wkb, values = read(path)
    except (DataSourceError, OSError) as exc:
        raise InvalidInput(f"{path.name}: cannot read as a vector file: {exc}") from exc
    fields = list(meta["fields"])
    ags_i = _field(fields, AGS_FIELDS, required=True, path=path)
    name_i = _field(fields, NAME_FIELDS, required=True, path=path)
    pop_i = _field(fields, POPULATION_FIELDS, required=False, path=path)
    epsg = geo.parse_crs(meta["crs"]) if meta["crs"] else geo.WGS84
    entries = read_register(register) if register else {}

    rows, seen = [], set()
    for number, (blob, ags) in enumerate(zip(wkb, values[ags_i], strict=True), start=1):
        ags = str(ags or "").strip()
        if len(ags) != 8 or not ags.isdigit():
            raise InvalidInput(f"row {number}: AGS {ags!r} is not 8 digits", field="ags")
        if ags in seen:
            raise InvalidInput(f"row {number}: AGS {ags} appears twice", field="ags")
        seen.add(ags)
        geom = shapely.from_wkb(blob) if blob is not None else None
        if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise InvalidInput(f"row {number} (AGS {ags}): needs a polygon boundary", field="geometry")
        if not geom.is_valid:
            raise InvalidInput(
                f"row {number} (AGS {ags}): invalid boundary: {shapely.is_valid_reason(geom)}",
                field="geometry",
            )
        geom = geo.as_multipolygon(geo.transform(geom, epsg))
        entry = entries.get(ags)
        population = _count(values[pop_i][number - 1]) if pop_i is not None else None
        rows.append({
            "ags": ags,
            "name": str(values[name_i][number - 1]),
            "boundary": geom.wkt,
            "population": population if population is not None else (entry and entry.population),
            "centre": f"POINT({entry.lon} {entry.lat})" if entry else None,
        })
    if not rows:
        raise InvalidInput(f"{path.name}: no features")
    session.execute(
        text("""
            INSERT INTO municipality (ags, name, boundary, population, centre)
            VALUES (:ags, :name, ST_GeomFromText(:boundary, 4326), :population,
                    ST_GeomFromText(:centre, 4326))
            ON CONFLICT (ags) DO UPDATE SET
                name = EXCLUDED.name, boundary = EXCLUDED.boundary,
                population = COALESCE(EXCLUDED.population, municipality.population),
                centre = COALESCE(EXCLUDED.centre, municipality.centre), updated_at = now()
        """),
        rows,
    )
    # a centre outside the boundary (e.g. data from different dates) is worse than none
    session.execute(text(
        "UPDATE municipality SET centre = ST_PointOnSurface(boundary) "
        "WHERE centre IS NULL OR NOT ST_Covers(boundary, centre)"
    ))
    return ImportResult(imported=len(rows), with_population=sum(r["population"] is not None for r in rows))
