"""Importing a validated file into the register: one transaction, all rows or none.

The caller's session holds the transaction (never committed here). Points are checked against
the town's boundary in one SQL statement; new rows go in with COPY, changed rows with one bulk
UPDATE from a temporary table, and every change is written to the vacancy history.
"""

from __future__ import annotations

import gc
import json
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from geoalchemy2.shape import to_shape
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.accounts.principal import Principal
from app.errors import Forbidden, InvalidInput
from app.exports import importer
from app.municipalities import service as municipalities
from app.municipalities.models import Municipality
from app.scoring import service as scoring

MAX_REPORTED_PROBLEMS = 1000
SAME_POINT_DEGREES = 5e-7  # ~5 cm: exports round to 7 decimals, so a re-import is "unchanged"


class ImportRejected(InvalidInput):
    """The file has problems: nothing was imported; the report lists them per row."""

    code = "import_rejected"


@dataclass
class Report:
    file: str
    format: str
    crs: str
    municipality: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[importer.Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rescored: int = 0  # scored vacancies of the town after the import's rescore
    seconds_import: float = 0.0  # reading, checks and writing (without the rescore)
    seconds_rescore: float = 0.0
    started: float = field(default_factory=time.perf_counter, repr=False)

    @property
    def valid(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "format": self.format, "crs": self.crs,
            "municipality": self.municipality, "dry_run": self.dry_run, "valid": self.valid,
            "rows": self.rows, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "rescored": self.rescored,
            "errors_total": len(self.problems),
            "errors": [p.as_dict() for p in self.problems[:MAX_REPORTED_PROBLEMS]],
            "warnings": self.warnings,
        }

    def lines(self) -> list[str]:
        """The report as text for the command line: one line per problem."""
        head = (f"{self.file}: {self.format}, {self.crs}, {self.rows} rows for AGS "
                f"{self.municipality}")
        out = [head]
        out += [f"warning: {w}" for w in self.warnings]
        out += [f"row {p.row}: {p.field}: {p.reason}" for p in self.problems]
        verb = "would be" if self.dry_run else "were"
        if self.valid:
            if self.rescored:
                out.append(f"scores recomputed for {self.rescored} vacancies of the town in "
                           f"{self.seconds_rescore:.2f} s (import itself {self.seconds_import:.2f} s)")
            out.append(f"{self.created} {verb} created, {self.updated} updated, "
                       f"{self.unchanged} unchanged")
        else:
            out.append(f"{len(self.problems)} problem(s): nothing imported")
        return out


def _outside(session: Session, municipality: Municipality,
             rows: list[importer.Row]) -> list[importer.Problem]:
    """Rows whose point is not in the town: tested in one vectorised call against the
    prepared boundary; only the few outside rows go back to PostGIS for a hint."""
    if not rows:
        return []
    boundary = to_shape(municipality.boundary)
    shapely.prepare(boundary)
    xs = np.fromiter((r.lon for r in rows), dtype=float, count=len(rows))
    ys = np.fromiter((r.lat for r in rows), dtype=float, count=len(rows))
    # contains_xy leaves out points exactly on the boundary: PostGIS re-checks those below
    candidates = np.flatnonzero(~shapely.contains_xy(boundary, xs, ys))
    outside = [rows[i] for i in candidates]
    if not outside:
        return []
    found = session.execute(text("""
        SELECT t.n, t.x, t.y, ST_Covers(m.boundary, ST_SetSRID(ST_MakePoint(t.y, t.x), 4326)),
               (SELECT o.name || ' (AGS ' || o.ags || ')' FROM municipality o
                WHERE ST_Covers(o.boundary, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326)) LIMIT 1)
        FROM municipality m,
             unnest(CAST(:ns AS int[]), CAST(:xs AS float8[]), CAST(:ys AS float8[])) AS t(n, x, y)
        WHERE m.id = :id AND NOT ST_Covers(m.boundary, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326))
        ORDER BY t.n
    """), {"ns": [r.row for r in outside], "xs": [r.lon for r in outside],
           "ys": [r.lat for r in outside], "id": municipality.id}).all()
    problems = []
    for number, x, y, swapped, containing in found:
        hint = (" (longitude and latitude look swapped)" if swapped
                else f": it lies in {containing}" if containing else "")
        problems.append(importer.Problem(
            number, "geometry", f"point [{x:.6f}, {y:.6f}] is outside {municipality.name} "
            f"(AGS {municipality.ags}){hint}"))
    return problems


def _comparable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        # GeoPackage and many spreadsheets keep milliseconds only: finer is not a change
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    return value


def _changes(row: importer.Row, current: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    changed = {name: (current[name], new) for name, new in row.values.items()
               if _comparable(current[name]) != _comparable(new)}
    if math.hypot(row.lon - current["lon"], row.lat - current["lat"]) > SAME_POINT_DEGREES:
        changed["location"] = ({"type": "Point", "coordinates": [current["lon"], current["lat"]]},
                               {"type": "Point", "coordinates": [row.lon, row.lat]})
    return changed


def _existing(session: Session, municipality_id: int, columns: list[str],
              external_ids: list[str]) -> dict[str, dict[str, Any]]:
    if not external_ids:
        return {}
    select_cols = ", ".join(f"v.{c}" for c in columns)
    result = session.execute(text(f"""
        SELECT v.external_id, v.id, v.version, ST_X(v.location) AS lon, ST_Y(v.location) AS lat
               {', ' + select_cols if columns else ''}
        FROM vacancy v JOIN unnest(CAST(:ids AS text[])) AS f(external_id)
             ON v.external_id = f.external_id
        WHERE v.municipality_id = :mid
    """), {"mid": municipality_id, "ids": external_ids}).mappings()
    return {row["external_id"]: dict(row) for row in result}


def _copy_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def _json(value: Any) -> str:
    def default(v: Any) -> Any:
        if isinstance(v, datetime | date):
            return v.isoformat()
        if isinstance(v, Decimal):
            return float(v)
        if isinstance(v, Enum):
            return v.value
        raise TypeError(type(v))
    return json.dumps(value, default=default)


def _insert(session: Session, municipality_id: int, columns: list[str],
            rows: list[importer.Row], actor: Principal, source: str) -> None:
    """COPY into an index-free temporary table, then one INSERT … SELECT that also writes the
    'created' history entries (ids come back through RETURNING, no round trip per row).
    Measured against COPY straight into ``vacancy`` plus a second COPY for the history (ids
    taken from the sequence first): no faster, as the time is PostgreSQL's index, constraint and
    foreign-key work either way, and twice the rows to format in Python."""
    if not rows:
        return
    fields = [c for c in columns if c != "status"]
    session.execute(text(f"""
        CREATE TEMP TABLE import_new ON COMMIT DROP AS
        SELECT location::text AS location, external_id, status{''.join(', ' + c for c in fields)}
        FROM vacancy WITH NO DATA
    """))
    cols = ["location", "external_id", *fields, "status"]
    raw = session.connection().connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY import_new ({', '.join(cols)}) FROM STDIN") as copy:
        for row in rows:
            values = row.values
            copy.write_row((f"SRID=4326;POINT({row.lon!r} {row.lat!r})", row.external_id,
                            *[values.get(c) for c in fields], values.get("status") or "vacant"))
    target = ", ".join(["municipality_id", "location", "source", "created_by_id", *cols[1:]])
    session.execute(text(f"""
        WITH created AS (
            INSERT INTO vacancy ({target})
            SELECT :mid, location::geometry, :source, :actor, {', '.join(cols[1:])} FROM import_new
            RETURNING id, status, external_id)
        INSERT INTO vacancy_history (vacancy_id, version, actor_id, field, new_value)
        SELECT id, 1, :actor, 'created',
               jsonb_build_object('status', status, 'source', :source, 'external_id', external_id)
        FROM created
    """), {"mid": municipality_id, "source": source, "actor": actor.user_id})
    session.execute(text("DROP TABLE import_new"))


def _update(session: Session, columns: list[str],
            changed: list[tuple[importer.Row, dict[str, Any], dict[str, tuple[Any, Any]]]],
            actor: Principal) -> None:
    if not changed:
        return
    session.execute(text(f"""
        CREATE TEMP TABLE import_update ON COMMIT DROP AS
        SELECT id, location{''.join(', ' + c for c in columns)} FROM vacancy WITH NO DATA
    """))
    raw = session.connection().connection.dbapi_connection
    cols = ["id", "location", *columns]
    assignments = ", ".join(f"{c} = u.{c}" for c in cols[1:])
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY import_update ({', '.join(cols)}) FROM STDIN") as copy:
            for row, current, _ in changed:
                copy.write_row([current["id"], f"SRID=4326;POINT({row.lon!r} {row.lat!r})",
                                *[_copy_value(row.values.get(c, current.get(c))) for c in columns]])
        with cursor.copy("COPY vacancy_history (vacancy_id, version, actor_id, field, old_value, "
                         "new_value) FROM STDIN") as copy:
            for _, current, diff in changed:
                for name, (old, new) in diff.items():
                    copy.write_row([current["id"], current["version"] + 1, actor.user_id, name,
                                    _json(old), _json(new)])
    session.execute(text(f"""
        UPDATE vacancy v SET {assignments}, version = v.version + 1, updated_at = now()
        FROM import_update u WHERE v.id = u.id
    """))
    session.execute(text("DROP TABLE import_update"))


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Reading 100,000 rows makes millions of small objects; Python's cyclic collector would
    rescan them again and again (~30 % of the import time). Reference counting still frees
    memory; cycles are collected when the import is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _reject(report: Report) -> Report:
    if report.dry_run:
        return report
    raise ImportRejected(f"{len(report.problems)} problem(s) in {report.file}: nothing was "
                         "imported", field="file", report=report.as_dict())


def import_file(
    *, session: Session, path: Path, ags: str, actor: Principal, dry_run: bool,
    filename: str | None = None, crs: str | None = None, source: str = "import",
) -> Report:
    """Validate a file for one town and (unless dry_run) apply it; problems → ImportRejected."""
    municipality = municipalities.get_by_ags(session=session, ags=ags)
    if not actor.can_write(municipality.id):
        raise Forbidden(f"only staff of {municipality.name} may import its vacancies",
                        field="municipality")
    with _cyclic_gc_paused():
        return _import(session=session, path=path, municipality=municipality, actor=actor,
                       dry_run=dry_run, name=filename or path.name, crs=crs, source=source)


def _import(*, session: Session, path: Path, municipality: Municipality, actor: Principal,
            dry_run: bool, name: str, crs: str | None, source: str) -> Report:
    ags = municipality.ags
    started = time.perf_counter()
    try:
        parsed = importer.parse(path, ags=ags, filename=name, crs=crs)
    except importer.ImportFileError as exc:  # the whole file: reported as row 0
        report = Report(name, "unknown", "unknown", ags, dry_run,
                        problems=[importer.Problem(0, exc.field or "file", exc.message)])
        return _reject(report)
    report = Report(name, parsed.format, f"EPSG:{parsed.epsg}", ags, dry_run, rows=parsed.total,
                    warnings=parsed.warnings, started=started)
    problems = parsed.problems + _outside(session, municipality, parsed.rows)
    report.problems = sorted(problems, key=lambda p: (p.row, p.field))
    if report.problems:
        return _reject(report)
    current = _existing(session, municipality.id, parsed.columns,
                        [r.external_id for r in parsed.rows if r.external_id])
    new, changed = [], []
    for row in parsed.rows:
        existing = current.get(row.external_id) if row.external_id else None
        if existing is None:
            new.append(row)
            continue
        diff = _changes(row, existing)
        if diff:
            changed.append((row, existing, diff))
    report.created, report.updated = len(new), len(changed)
    report.unchanged = len(parsed.rows) - len(new) - len(changed)
    if not dry_run:
        _insert(session, municipality.id, parsed.columns, new, actor, source)
        _update(session, parsed.columns, changed, actor)
        if new or changed:
            _rescore(session, municipality, report)
    return report


def _rescore(session: Session, municipality: Municipality, report: Report) -> None:
    """Scores follow the data (docs/scoring.md, "Recompute policy"): the whole town, in the
    import's transaction. The whole town, not only the imported rows: a new or moved vacancy
    changes its neighbours' count of empty units within 150 m."""
    report.seconds_import = time.perf_counter() - report.started
    result = scoring.rescore(session=session, municipality_ids=[municipality.id])
    report.rescored, report.seconds_rescore = result.scored, result.seconds

