"""Exports of the register: the SQL that streams it, in GeoJSON, CSV and GeoPackage.

Who may export what is the access policy's (``app.accounts.policy.export_scope``); which rows
and columns that means is the read model's (``app.vacancies.query``), the same for every format
and the OGC API. Documents are built by PostgreSQL and read through a server-side cursor
(GeoJSON) or COPY (CSV) in chunks, so 100,000 features never sit in memory at once; GeoPackage
is appended in chunks through pyogrio.

Over HTTP every export is bounded (``ExportLimit``): each statement by PostgreSQL's
statement_timeout, the whole by the wall clock, checked between chunks. A limit that strikes
raises ``ExportTimeout``; the router turns that into a 504 before anything is sent, or cuts the
stream once it runs. The command line exports without a limit.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import psycopg
from sqlalchemy import Row, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from app import formats
from app.accounts import policy
from app.accounts.principal import Principal
from app.database import as_dbapi_error, psycopg_connection
from app.errors import ExportTimeout
from app.exchange import fields
from app.vacancies import query as vacancy_query
from app.vacancies.columns import Column
from app.vacancies.query import VacancyFilter, VacancyQuery

CHUNK_ROWS = 2000
GPKG_CHUNK_ROWS = 10_000
# OGC API - Features Part 2 CRS URIs we serve
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG25832 = "http://www.opengis.net/def/crs/EPSG/0/25832"
_BIND = re.compile(r"(?<![:\w]):([a-z_]+)\b")


@dataclass(frozen=True)
class ExportLimit:
    """How long one export may take (``None``: unbounded, the command line), from its start."""

    seconds: float | None = None
    started: float = field(default_factory=time.monotonic)

    def apply(self, conn: Connection) -> None:
        """Bounds each statement of the export's transaction, and the time it may sit idle
        in it while a slow client reads (PostgreSQL then ends the session)."""
        if self.seconds is not None:
            ms = max(1, round(self.seconds * 1000))
            conn.execute(text(f"SET LOCAL statement_timeout = {ms}"))
            conn.execute(text(f"SET LOCAL idle_in_transaction_session_timeout = {ms}"))

    def check(self) -> None:
        if self.seconds is not None and time.monotonic() - self.started > self.seconds:
            raise self.exceeded()

    def exceeded(self) -> ExportTimeout:
        return ExportTimeout(
            f"Der Export hat länger als {formats.number(self.seconds)} Sekunden gedauert und wurde "
            "abgebrochen. Bitte grenzen Sie ihn ein (Stadt, Status, geändert seit) oder "
            "versuchen Sie es später noch einmal.")

    def bound(self, chunks: Generator[bytes, None, None]) -> Generator[bytes, None, None]:
        """``chunks`` checked against the wall clock before each is passed on; a statement
        PostgreSQL cancelled for its timeout becomes ``ExportTimeout``."""
        try:
            for chunk in chunks:
                self.check()
                yield chunk
        except DBAPIError as exc:
            if isinstance(exc.orig, psycopg.errors.QueryCanceled):
                raise self.exceeded() from None
            raise
        finally:
            chunks.close()  # the transaction ends now, not when the generator is collected


UNBOUNDED = ExportLimit()


def export_query(principal: Principal, filters: VacancyFilter, *, include_private: bool = False,
                 include_internal: bool = True, own_ags: str | None = None) -> VacancyQuery:
    """The export a principal asked for, within what the policy lets it export."""
    scope = policy.export_scope(principal, include_private=include_private,
                                include_internal=include_internal)
    vacancy_query.check_towns(scope, filters, own_ags)
    return VacancyQuery(scope, filters)


def _cols(query: VacancyQuery) -> list[tuple[Column, str]]:
    return vacancy_query.flat_columns(query.scope)


def _rows_sql(query: VacancyQuery, select: str) -> str:
    return f"SELECT {select} {query.body}{vacancy_query.page_sql(query.filters)}"


def _utc(conn: Connection) -> None:
    # timestamps in exports are written in UTC whatever the server's TimeZone
    conn.execute(text("SET LOCAL TimeZone = 'UTC'"))


def stream_geojson(engine: Engine, query: VacancyQuery, limit: ExportLimit = UNBOUNDED
                   ) -> Generator[bytes, None, None]:
    """An RFC 7946 FeatureCollection in chunks, read with a server-side cursor. The closing
    ``]}`` is the last chunk: a stream that fails before never looks like a whole document."""
    return limit.bound(_geojson_chunks(engine, query, limit))


def _geojson_chunks(engine: Engine, query: VacancyQuery, limit: ExportLimit
                    ) -> Generator[bytes, None, None]:
    with engine.connect() as conn, conn.begin():
        conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        _utc(conn)
        limit.apply(conn)
        result = conn.execution_options(stream_results=True, max_row_buffer=CHUNK_ROWS).execute(
            text(query.features_sql(shape="flat")), query.params)
        # the head goes out with the first rows: until they are read, nothing has been sent
        head, sent = b'{"type":"FeatureCollection","features":[\n', False
        for rows in result.partitions(CHUNK_ROWS):
            yield (b",\n" if sent else head) + ",\n".join(row[0] for row in rows).encode()
            sent = True
        yield (b"" if sent else head) + b"\n]}\n"


def _csv_value(c: Column, sql: str) -> str:
    if c.kind == "bool":
        return f"CASE WHEN {sql} THEN 'true' WHEN NOT {sql} THEN 'false' END"
    if c.kind == "str":  # every text column, whatever it is meant to hold
        return fields.formula_guard_sql(sql)
    if c.kind == "urls":  # URLs hold no spaces; no formula either (they start with "/")
        return f"array_to_string({sql}, ' ')"
    if c.kind == "datetime":
        return f"to_char({sql}, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
    return f"{sql}"


def csv_sql(query: VacancyQuery) -> str:
    values = ", ".join(f'{_csv_value(c, sql)} AS "{c.name}"' for c, sql in _cols(query))
    return _rows_sql(query, f"{values}, round(ST_X(v.location)::numeric, 7) AS lon, "
                            f"round(ST_Y(v.location)::numeric, 7) AS lat, "
                            f"ST_AsText(v.location, 7) AS wkt")


def stream_csv(engine: Engine, query: VacancyQuery, limit: ExportLimit = UNBOUNDED
               ) -> Generator[bytes, None, None]:
    """CSV (comma, UTF-8, header) written by PostgreSQL's COPY and passed on chunk by chunk."""
    return limit.bound(_csv_chunks(engine, query, limit))


def _csv_chunks(engine: Engine, query: VacancyQuery, limit: ExportLimit
                ) -> Generator[bytes, None, None]:
    sql = csv_sql(query)
    with engine.connect() as conn, conn.begin():
        _utc(conn)
        limit.apply(conn)
        # COPY takes no server-side parameters: psycopg binds them client-side (pyformat)
        statement = _BIND.sub(r"%(\1)s", sql)
        params = {k: v for k, v in query.params.items() if f":{k}" in sql}
        raw = psycopg_connection(conn)
        try:
            yield from _copy_out(raw, f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, HEADER true)",
                                 params)
        except psycopg.Error as exc:  # the raw connection's errors, as SQLAlchemy's would be
            if raw.broken:  # a terminated backend: not back into the pool, no ROLLBACK on it
                conn.invalidate()
            raise as_dbapi_error(exc) from None


def _copy_out(raw: psycopg.Connection[Any], statement: str, params: dict[str, Any]
              ) -> Iterator[bytes]:
    # COPY sends a message per row: passed on CHUNK_ROWS at a time (the header with the first)
    with raw.cursor() as cursor, cursor.copy(statement, params) as copy:
        batch: list[bytes] = []
        for data in copy:
            batch.append(bytes(data))
            if len(batch) > CHUNK_ROWS:
                yield b"".join(batch)
                batch = []
        yield b"".join(batch)


_NUMPY = {"int": "float64", "float": "float64", "bool": "bool", "str": "object",
          "date": "datetime64[D]", "datetime": "datetime64[ms]"}


def _gpkg_arrays(rows: Sequence[Row[*tuple[Any, ...]]], cols: list[Column]
                 ) -> tuple[list[np.ndarray], list[np.ndarray]]:
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
        elif col.kind == "urls":
            array = np.array([None if v is None else " ".join(v) for v in values], dtype=object)
        else:
            array = np.array(values, dtype=object)
        data.append(array)
        masks.append(mask)
    return data, masks


def write_gpkg(engine: Engine, query: VacancyQuery, path: str, limit: ExportLimit = UNBOUNDED
               ) -> int:
    """A GeoPackage 1.3 (QGIS 3.x and GDAL ≥ 2.2 read it) with layer ``vacancies``, EPSG:4326."""
    try:
        return _write_gpkg(engine, query, path, limit)
    except DBAPIError as exc:
        if isinstance(exc.orig, psycopg.errors.QueryCanceled):
            raise limit.exceeded() from None
        raise


def _write_gpkg(engine: Engine, query: VacancyQuery, path: str, limit: ExportLimit) -> int:
    pairs = _cols(query)
    cols = [c for c, _ in pairs]
    sql = _rows_sql(query, "ST_AsBinary(v.location), " + ", ".join(sql for _, sql in pairs))
    from pyogrio.raw import write

    written = 0
    with engine.connect() as conn, conn.begin():
        _utc(conn)
        limit.apply(conn)
        result = conn.execution_options(stream_results=True).execute(text(sql), query.params)
        for rows in result.partitions(GPKG_CHUNK_ROWS):
            limit.check()
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


def gpkg_file(engine: Engine, query: VacancyQuery, limit: ExportLimit = UNBOUNDED) -> str:
    """Writes the GeoPackage to a temporary file and returns its path (the caller deletes it)."""
    handle, path = tempfile.mkstemp(prefix="leerstand-", suffix=".gpkg")
    os.close(handle)
    os.unlink(path)  # GDAL creates the file itself
    try:
        write_gpkg(engine, query, path, limit)
    except BaseException:
        if os.path.exists(path):
            os.unlink(path)
        raise
    return path
