"""Exports of the register: who may export what, and the SQL that streams it.

Every format reads the same column list (app.exchange.fields). Documents are built by PostgreSQL
and read through a server-side cursor (GeoJSON) or COPY (CSV) in chunks, so 100,000 features
never sit in memory at once; GeoPackage is appended in chunks through pyogrio.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from app.accounts.models import Role
from app.accounts.principal import Principal
from app.errors import Forbidden, InvalidInput
from app.exchange.fields import SCORE_JOIN, TEXT_COLUMNS, Column, columns
from app.vacancies.lifecycle import PUBLIC_STATUSES, VacancyStatus

CHUNK_ROWS = 2000
GPKG_CHUNK_ROWS = 10_000
# OGC API - Features Part 2 CRS URIs we serve
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG25832 = "http://www.opengis.net/def/crs/EPSG/0/25832"
PRECISION = {4326: 7, 25832: 3}  # ~1 cm in degrees, 1 mm in metres
_BIND = re.compile(r"(?<![:\w]):([a-z_]+)\b")


@dataclass(frozen=True)
class Scope:
    """What a principal may export: towns (None = all), statuses (None = all), private fields."""

    municipality_ids: tuple[int, ...] | None
    statuses: tuple[str, ...] | None
    private: tuple[str, ...] = ()


def export_scope(principal: Principal, *, include_private: bool = False) -> Scope:
    """Working group and admins: all towns; staff: their own town (internal notes always,
    owner contact only with include_private); anonymous: published vacancies only."""
    public_statuses = tuple(sorted(s.value for s in PUBLIC_STATUSES))
    if principal.role == Role.staff and principal.municipality_id is not None:
        private = ("owner_contact", "internal_notes") if include_private else ("internal_notes",)
        return Scope((principal.municipality_id,), None, private)
    if include_private and not principal.is_admin:
        raise Forbidden("include_private=true is for staff of the town (owner contact is "
                        "personal data)", field="include_private")
    if principal.is_admin:
        return Scope(None, None, ("owner_contact", "internal_notes") if include_private else ())
    if principal.reads_all_statuses:
        return Scope(None, None, ())
    return Scope(None, public_statuses, ())


def read_scope(principal: Principal) -> Scope:
    """OGC API reads follow the register API: private fields per row where the caller may."""
    if principal.role == Role.staff and principal.municipality_id is not None:
        return Scope(None, None, ("owner_contact", "internal_notes"))
    return export_scope(principal, include_private=principal.is_admin)


@dataclass
class Filters:
    municipalities: list[str] | None = None
    statuses: list[VacancyStatus] | None = None
    updated_since: datetime | None = None
    updated_until: datetime | None = None
    bbox: tuple[float, float, float, float] | None = None  # in WGS84
    ids: list[int] | None = None
    limit: int | None = None
    offset: int = 0


def _where(scope: Scope, filters: Filters, principal: Principal) -> tuple[str, dict[str, Any]]:
    clauses, params = ["TRUE"], {}
    if scope.statuses is not None:
        clauses.append("v.status = ANY(:scope_statuses)")
        params["scope_statuses"] = list(scope.statuses)
    if scope.municipality_ids is not None:
        clauses.append("v.municipality_id = ANY(:scope_ids)")
        params["scope_ids"] = list(scope.municipality_ids)
    elif principal.role == Role.staff:
        # OGC reads: other towns only with their published vacancies
        clauses.append("(v.municipality_id = :own_id OR v.status = ANY(:public_statuses))")
        params["own_id"] = principal.municipality_id
        params["public_statuses"] = [s.value for s in PUBLIC_STATUSES]
    if filters.municipalities:
        clauses.append("m.ags = ANY(:agss)")
        params["agss"] = filters.municipalities
    if filters.statuses:
        clauses.append("v.status = ANY(:statuses)")
        params["statuses"] = [s.value for s in filters.statuses]
    if filters.updated_since:
        clauses.append("v.updated_at >= :updated_since")
        params["updated_since"] = filters.updated_since
    if filters.updated_until:
        clauses.append("v.updated_at <= :updated_until")
        params["updated_until"] = filters.updated_until
    if filters.ids is not None:
        clauses.append("v.id = ANY(:ids)")
        params["ids"] = filters.ids
    if filters.bbox:
        clauses.append("v.location && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326)")
        params.update(zip(("minx", "miny", "maxx", "maxy"), filters.bbox, strict=True))
    return " AND ".join(clauses), params


def check_municipalities(scope: Scope, filters: Filters, own_ags: str | None) -> None:
    """Staff asking for another town's export get a clear 403, not an empty file."""
    if scope.municipality_ids is not None and filters.municipalities:
        others = [ags for ags in filters.municipalities if ags != own_ags]
        if others:
            raise Forbidden(f"staff may export only their own municipality, not {', '.join(others)}",
                            field="municipality")


def _private_sql(col: Column, scope: Scope) -> str:
    # staff reading across towns (OGC): private values only on their own town's rows
    if scope.municipality_ids is None and col.name in scope.private:
        return f"CASE WHEN v.municipality_id = :own_id THEN {col.sql} END"
    return col.sql


def _column_sql(scope: Scope, principal: Principal) -> list[tuple[Column, str]]:
    cols = columns(scope.private)
    if principal.role == Role.staff and scope.municipality_ids is None:
        return [(c, _private_sql(c, scope)) for c in cols]
    return [(c, c.sql) for c in cols]


def _from(where: str) -> str:
    return (f"FROM vacancy v JOIN municipality m ON m.id = v.municipality_id {SCORE_JOIN} "
            f"WHERE {where}")


def feature_sql(cols: list[tuple[Column, str]], epsg: int = 4326) -> str:
    """One GeoJSON Feature per row, as JSON built by PostgreSQL."""
    geom = "v.location" if epsg == 4326 else f"ST_Transform(v.location, {epsg})"
    props = ", ".join(f"'{c.name}', {sql}" for c, sql in cols if c.name != "id")
    return (f"json_build_object('type', 'Feature', 'id', v.id, "
            f"'geometry', ST_AsGeoJSON({geom}, {PRECISION[epsg]})::json, "
            f"'properties', json_build_object({props}))")


def _page(filters: Filters) -> str:
    page = " ORDER BY v.id"
    if filters.limit is not None:
        page += " LIMIT :limit"
    if filters.offset:
        page += " OFFSET :offset"
    return page


def _page_params(filters: Filters) -> dict[str, Any]:
    return {"limit": filters.limit, "offset": filters.offset}


@dataclass
class Query:
    """A prepared export: the SQL pieces for one principal, scope and filter set."""

    cols: list[tuple[Column, str]]
    where: str
    params: dict[str, Any]
    filters: Filters

    @classmethod
    def build(cls, principal: Principal, scope: Scope, filters: Filters,
              own_ags: str | None = None) -> Query:
        check_municipalities(scope, filters, own_ags)
        where, params = _where(scope, filters, principal)
        if principal.role == Role.staff:
            params["own_id"] = principal.municipality_id
        return cls(_column_sql(scope, principal), where, {**params, **_page_params(filters)},
                   filters)

    def count(self, conn: Connection) -> int:
        return conn.execute(text(f"SELECT count(*) {_from(self.where)}"), self.params).scalar_one()

    def features_sql(self, epsg: int = 4326) -> str:
        return f"SELECT ({feature_sql(self.cols, epsg)})::text {_from(self.where)}{_page(self.filters)}"


def _utc(conn: Connection) -> None:
    # timestamps in exports are written in UTC whatever the server's TimeZone
    conn.execute(text("SET LOCAL TimeZone = 'UTC'"))


def stream_geojson(engine: Engine, query: Query) -> Iterator[bytes]:
    """An RFC 7946 FeatureCollection in chunks, read with a server-side cursor."""
    with engine.connect() as conn, conn.begin():
        conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        _utc(conn)
        result = conn.execution_options(stream_results=True, max_row_buffer=CHUNK_ROWS).execute(
            text(query.features_sql()), query.params)
        yield b'{"type":"FeatureCollection","features":[\n'
        first = True
        for rows in result.partitions(CHUNK_ROWS):
            body = ",\n".join(row[0] for row in rows)
            yield ((b"" if first else b",\n") + body.encode())
            first = False
        yield b"\n]}\n"


def _csv_value(c: Column, sql: str) -> str:
    if c.kind == "bool":
        return f"CASE WHEN {sql} THEN 'true' WHEN NOT {sql} THEN 'false' END"
    if c.name in TEXT_COLUMNS:
        return f"CASE WHEN {sql} ~ '^[=+@\\-]' THEN '''' || {sql} ELSE {sql} END"
    if c.kind == "datetime":
        return f"to_char({sql}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    return f"{sql}"


def csv_sql(query: Query) -> str:
    values = ", ".join(f'{_csv_value(c, sql)} AS "{c.name}"' for c, sql in query.cols)
    return (f"SELECT {values}, round(ST_X(v.location)::numeric, 7) AS lon, "
            f"round(ST_Y(v.location)::numeric, 7) AS lat, ST_AsText(v.location, 7) AS wkt "
            f"{_from(query.where)}{_page(query.filters)}")


def stream_csv(engine: Engine, query: Query) -> Iterator[bytes]:
    """CSV (comma, UTF-8, header) written by PostgreSQL's COPY and passed on chunk by chunk."""
    sql = csv_sql(query)
    with engine.connect() as conn, conn.begin():
        _utc(conn)
        # COPY takes no server-side parameters: psycopg binds them client-side (pyformat)
        statement = _BIND.sub(r"%(\1)s", sql)
        params = {k: v for k, v in query.params.items() if f":{k}" in sql}
        raw = conn.connection.dbapi_connection
        with raw.cursor() as cursor, cursor.copy(
                f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, HEADER true)", params) as copy:
            yield from (bytes(chunk) for chunk in copy)


_NUMPY = {"int": "float64", "float": "float64", "bool": "bool", "str": "object",
          "date": "datetime64[D]", "datetime": "datetime64[ms]"}


def _gpkg_arrays(rows: list[Any], cols: list[Column]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    data, masks = [], []
    for i, col in enumerate(cols):
        values = [row[i + 1] for row in rows]
        mask = np.array([v is None for v in values], dtype=bool)
        if col.kind in ("date", "datetime"):
            values = [None if v is None else v.replace(tzinfo=None) if col.kind == "datetime" else v
                      for v in values]
            array = np.array([np.datetime64("NaT") if v is None else v for v in values],
                             dtype=_NUMPY[col.kind])
        elif col.kind in ("int", "float", "bool"):
            fill = False if col.kind == "bool" else np.nan
            array = np.array([fill if v is None else v for v in values], dtype=_NUMPY[col.kind])
            if col.kind == "int" and not mask.any():
                array = array.astype("int64")
        else:
            array = np.array(values, dtype=object)
        data.append(array)
        masks.append(mask)
    return data, masks


def write_gpkg(engine: Engine, query: Query, path: str) -> int:
    """A GeoPackage 1.3 (QGIS 3.x and GDAL ≥ 2.2 read it) with layer ``vacancies``, EPSG:4326."""
    cols = [c for c, _ in query.cols]
    select = ", ".join(sql for _, sql in query.cols)
    sql = f"SELECT ST_AsBinary(v.location), {select} {_from(query.where)}{_page(query.filters)}"
    from pyogrio.raw import write

    written = 0
    with engine.connect() as conn, conn.begin():
        _utc(conn)
        result = conn.execution_options(stream_results=True).execute(text(sql), query.params)
        for rows in result.partitions(GPKG_CHUNK_ROWS):
            data, masks = _gpkg_arrays(rows, cols)
            geometry = np.array([bytes(row[0]) for row in rows], dtype=object)
            write(path, geometry, data, [c.name for c in cols], field_mask=masks,
                  layer="vacancies", driver="GPKG", geometry_type="Point", crs="EPSG:4326",
                  append=written > 0, VERSION="1.3")
            written += len(rows)
    if written == 0:  # an empty but valid layer with the full schema
        data, masks = _gpkg_arrays([], cols)
        write(path, np.array([], dtype=object), data, [c.name for c in cols], field_mask=masks,
              layer="vacancies", driver="GPKG", geometry_type="Point", crs="EPSG:4326",
              VERSION="1.3")
    return written


def gpkg_file(engine: Engine, query: Query) -> str:
    """Writes the GeoPackage to a temporary file and returns its path (the caller deletes it)."""
    handle, path = tempfile.mkstemp(prefix="leerstand-", suffix=".gpkg")
    os.close(handle)
    os.unlink(path)  # GDAL creates the file itself
    try:
        write_gpkg(engine, query, path)
    except BaseException:
        if os.path.exists(path):
            os.unlink(path)
        raise
    return path


def parse_statuses(value: str | None) -> list[VacancyStatus] | None:
    if not value:
        return None
    try:
        return [VacancyStatus(part.strip()) for part in value.split(",") if part.strip()]
    except ValueError as exc:
        allowed = ", ".join(s.value for s in VacancyStatus)
        raise InvalidInput(f"unknown status; allowed: {allowed}", field="status") from exc


def parse_municipalities(value: str | None) -> list[str] | None:
    if not value:
        return None
    agss = [part.strip() for part in value.split(",") if part.strip()]
    if not all(len(a) == 8 and a.isdigit() for a in agss):
        raise InvalidInput("municipality must be 8-digit AGS values, comma-separated",
                           field="municipality")
    return agss

