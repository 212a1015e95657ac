"""Importing a file into the register: one transaction, all rows or none.

The caller's session holds the transaction (never committed here). The file's rows are checked
chunk by chunk and the new ones streamed into ``vacancy`` with COPY at once, so PostgreSQL
writes one chunk (on the second core) while Python checks the next; the writes sit in a
savepoint that is rolled back if any row has a problem. Points are tested against the town's
boundary in Python (vectorised), PostGIS decides the few doubtful ones. Changed rows go in with
one bulk UPDATE from a temporary table, and every change is written to the vacancy history.
"""

from __future__ import annotations

import gc
import json
import math
import time
from collections.abc import Iterable, Iterator
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
from psycopg.errors import UniqueViolation
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import geo
from app.accounts import policy
from app.accounts.principal import Principal
from app.database import psycopg_connection
from app.errors import Conflict, Forbidden, InvalidInput
from app.exchange import vacancy_checks
from app.exchange.vacancy_checks import Row
from app.geofile import reader
from app.geofile.report import ImportReport, Problem
from app.municipalities import service as municipalities
from app.municipalities.models import Municipality
from app.scoring import service as scoring

CHUNK_ROWS = 5_000  # rows checked per step: PostgreSQL writes one chunk while the next is checked
SAME_POINT_DEGREES = 5e-7  # ~5 cm: exports round to 7 decimals, so a re-import is "unchanged"


class ImportRejected(InvalidInput):
    """The file has problems: nothing was imported; the report lists them per row."""

    code = "import_rejected"


@dataclass(kw_only=True)
class Report(ImportReport):
    """The common import report, for one town, with the rescore that followed the import."""

    municipality: str
    rescored: int = 0  # scored vacancies of the town after the import's rescore
    seconds_rescore: float = 0.0

    def context(self) -> dict[str, Any]:
        return {"municipality": self.municipality}

    def figures(self) -> dict[str, Any]:
        return {"rescored": self.rescored, "seconds_import": round(self.seconds_import, 3),
                "seconds_rescore": round(self.seconds_rescore, 3)}

    def headline(self) -> str:
        return f"{super().headline()} for AGS {self.municipality}"

    def outcome(self) -> list[str]:
        out = []
        if self.rescored:
            out.append(f"scores recomputed for {self.rescored} vacancies of the town in "
                       f"{self.seconds_rescore:.2f} s (import itself {self.seconds_import:.2f} s)")
        return out + super().outcome()


def _locally_inside(boundary: shapely.Geometry, rows: list[Row],
                    held: list[Row]) -> list[Row]:
    """The rows whose point is inside the town, in one vectorised call against the prepared
    boundary; the others are appended to ``held`` for PostGIS (points exactly on the boundary
    count as inside there)."""
    if not rows:
        return rows
    xs = np.fromiter((r.lon for r in rows), dtype=float, count=len(rows))
    ys = np.fromiter((r.lat for r in rows), dtype=float, count=len(rows))
    inside = shapely.contains_xy(boundary, xs, ys)
    if inside.all():
        return rows
    held += [row for row, ok in zip(rows, inside, strict=True) if not ok]
    return [row for row, ok in zip(rows, inside, strict=True) if ok]


def _outside(session: Session, municipality: Municipality,
             rows: list[Row]) -> list[Problem]:
    """Problems for the rows that PostGIS, too, finds outside the town, with a hint where the
    point lies (another town, or longitude and latitude swapped)."""
    if not rows:
        return []
    found = session.execute(text(f"""
        SELECT t.n, t.x, t.y, ST_Covers(m.boundary, ST_SetSRID(ST_MakePoint(t.y, t.x), 4326)),
               {municipalities.containing_sql("ST_SetSRID(ST_MakePoint(t.x, t.y), 4326)")}
        FROM municipality m,
             unnest(CAST(:ns AS int[]), CAST(:xs AS float8[]), CAST(:ys AS float8[])) AS t(n, x, y)
        WHERE m.id = :id AND NOT ST_Covers(m.boundary, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326))
        ORDER BY t.n
    """), {"ns": [r.row for r in rows], "xs": [r.lon for r in rows],
           "ys": [r.lat for r in rows], "id": municipality.id}).all()
    return [Problem(number, "geometry", municipalities.outside_message(
                lon=x, lat=y, town=municipality, containing=containing, swapped=swapped))
            for number, x, y, swapped, containing in found]


def _comparable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        # GeoPackage and many spreadsheets keep milliseconds only: finer is not a change
        return value.replace(microsecond=value.microsecond // 1000 * 1000)
    return value


def _changes(row: Row, current: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    changed = {name: (current[name], new) for name, new in row.values.items()
               if _comparable(current[name]) != _comparable(new)}
    if math.hypot(row.lon - current["lon"], row.lat - current["lat"]) > SAME_POINT_DEGREES:
        changed["location"] = ({"type": "Point", "coordinates": [current["lon"], current["lat"]]},
                               {"type": "Point", "coordinates": [row.lon, row.lat]})
    return changed


def _existing(session: Session, municipality_id: int, columns: list[str],
              external_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The town's vacancies that the file's external ids name, by external id. A town with
    fewer such vacancies than the file has ids is read whole (one index range) instead of
    sending every id of the file to the server."""
    if not external_ids:
        return {}
    in_town = session.scalar(text("SELECT count(*) FROM vacancy WHERE municipality_id = :mid "
                                  "AND external_id IS NOT NULL"), {"mid": municipality_id})
    by_town = in_town <= len(external_ids)
    source = ("vacancy v" if by_town else "vacancy v JOIN unnest(CAST(:ids AS text[])) AS "
              "f(external_id) ON v.external_id = f.external_id")
    result = session.execute(text(f"""
        SELECT v.external_id, v.id, v.version, ST_X(v.location) AS lon,
               ST_Y(v.location) AS lat{"".join(f", v.{c}" for c in columns)}
        FROM {source}
        WHERE v.municipality_id = :mid AND v.external_id IS NOT NULL
    """), {"mid": municipality_id, "ids": external_ids}).mappings()
    wanted = set(external_ids) if by_town else None
    return {row["external_id"]: dict(row) for row in result
            if wanted is None or row["external_id"] in wanted}


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


@dataclass
class _Plan:
    """What the checked rows do to the register: new rows, changed rows, unchanged ones."""

    current: dict[str, dict[str, Any]]  # the town's vacancies by external_id
    new: int = 0
    unchanged: int = 0
    changed: list[tuple[Row, dict[str, Any], dict[str, tuple[Any, Any]]]] = field(
        default_factory=list)

    def add(self, rows: list[Row]) -> list[Row]:
        """Sorts rows in; returns the new ones."""
        new = []
        for row in rows:
            existing = self.current.get(row.external_id) if row.external_id else None
            if existing is None:
                new.append(row)
                continue
            diff = _changes(row, existing)
            if diff:
                self.changed.append((row, existing, diff))
            else:
                self.unchanged += 1
        self.new += len(new)
        return new


# columns the COPY fills besides the file's own; NOT NULL columns a row may leave empty
COPY_COLUMNS = ("municipality_id", "location", "source", "created_by_id", "external_id")
DEFAULTS = {"status": "vacant", "owner_interim_willing": "unknown"}


def _copy_new(session: Session, municipality_id: int, columns: list[str],
              batches: Iterable[list[Row]], actor: Principal, source: str) -> None:
    """COPY the new rows straight into ``vacancy``, batch by batch as they are checked. The row
    records its own creation (created_at, created_by_id, source): no history row is written."""
    fields = [c for c in columns if c not in DEFAULTS]
    cols = [*COPY_COLUMNS, *fields, *DEFAULTS]
    status, willing = DEFAULTS["status"], DEFAULTS["owner_interim_willing"]
    raw = psycopg_connection(session.connection())
    with raw.cursor() as cursor, cursor.copy(f"COPY vacancy ({', '.join(cols)}) FROM STDIN") as copy:
        write = copy.write_row
        for rows in batches:
            if not rows:
                continue
            points = shapely.points([r.lon for r in rows], [r.lat for r in rows])
            locations = shapely.to_wkb(shapely.set_srid(points, geo.WGS84), hex=True,
                                       include_srid=True).tolist()
            for location, row in zip(locations, rows, strict=True):
                get = row.values.get
                write((municipality_id, location, source, actor.user_id, row.external_id,
                       *[get(c) for c in fields], get("status") or status,
                       get("owner_interim_willing") or willing))


def _update(session: Session, columns: list[str],
            changed: list[tuple[Row, dict[str, Any], dict[str, tuple[Any, Any]]]],
            actor: Principal) -> None:
    if not changed:
        return
    session.execute(text(f"""
        CREATE TEMP TABLE import_update ON COMMIT DROP AS
        SELECT id, location{''.join(', ' + c for c in columns)} FROM vacancy WITH NO DATA
    """))
    raw = psycopg_connection(session.connection())
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
    if not policy.may_edit(actor, municipality.id):
        raise Forbidden(f"only staff of {municipality.name} may import its vacancies",
                        field="municipality")
    with _cyclic_gc_paused():
        return _import(session=session, path=path, municipality=municipality, actor=actor,
                       dry_run=dry_run, name=filename or path.name, crs=crs, source=source)


class _Rejected(Exception):  # noqa: N818 - control flow: rolls the savepoint back
    """Some row has a problem: undo what was written."""


def _import(*, session: Session, path: Path, municipality: Municipality, actor: Principal,
            dry_run: bool, name: str, crs: str | None, source: str) -> Report:
    ags = municipality.ags
    started = time.perf_counter()
    try:
        src = vacancy_checks.read(path, filename=name, crs=crs)
    except reader.ImportFileError as exc:  # the whole file: reported as row 0
        report = Report(file=name, municipality=ags, dry_run=dry_run,
                        problems=[Problem(0, exc.field or "file", exc.message)])
        return _reject(report)
    report = Report(file=name, format=src.format, crs=f"EPSG:{src.epsg}", municipality=ags,
                    dry_run=dry_run, rows=len(src.records), warnings=src.warnings,
                    started=started)
    plan = _Plan(_existing(session, municipality.id, src.columns,
                           vacancy_checks.external_ids(src.records)))
    boundary = to_shape(municipality.boundary)
    shapely.prepare(boundary)
    checker = vacancy_checks.Checker(src.epsg, ags)
    problems: list[Problem] = []
    held: list[Row] = []  # not inside by shapely's test: PostGIS decides

    def new_rows() -> Iterator[list[Row]]:
        """Checks the file chunk by chunk; yields the new rows until a problem turns up (the
        rest is still checked, for the report)."""
        for start in range(0, len(src.records), CHUNK_ROWS):
            rows, found = checker.check(src.records[start:start + CHUNK_ROWS])
            problems.extend(found)
            new = plan.add(_locally_inside(boundary, rows, held))
            if not problems:
                yield new

    if dry_run:
        for _ in new_rows():
            pass
        problems += _outside(session, municipality, held)
        if not problems:
            plan.add(held)  # PostGIS placed them inside (on the boundary line)
    else:
        try:
            with session.begin_nested():
                _copy_new(session, municipality.id, src.columns, new_rows(), actor, source)
                problems += _outside(session, municipality, held)
                if problems:
                    raise _Rejected
                # the held rows PostGIS placed inside (on the boundary)
                _copy_new(session, municipality.id, src.columns, [plan.add(held)], actor, source)
                _update(session, src.columns, plan.changed, actor)
        except _Rejected:
            pass
        except UniqueViolation as exc:
            raise Conflict("the town's register changed during the import (another import of "
                           "the same external ids?); nothing was imported, try again",
                           field="external_id") from exc
    report.finish(problems)
    if report.problems:
        return _reject(report)
    report.created, report.updated, report.unchanged = plan.new, len(plan.changed), plan.unchanged
    if not dry_run and (plan.new or plan.changed):
        _rescore(session, municipality, report)
    return report


def _rescore(session: Session, municipality: Municipality, report: Report) -> None:
    """Scores follow the data (docs/scoring.md, "Recompute policy"): the whole town, in the
    import's transaction. The whole town, not only the imported rows: a new or moved vacancy
    changes its neighbours' count of empty units within 150 m."""
    result = scoring.rescore(session=session, municipality_ids=[municipality.id])
    report.rescored, report.seconds_rescore = result.scored, result.seconds

