"""HTTP for exports (GeoJSON, CSV, GeoPackage) and the field schema: thin routes.

GeoJSON and CSV are streamed: the first chunk is read before the response starts (so a failing
query gets its error status), and a failure after that aborts the chunked body
(``app.responses.started_stream``). A GeoPackage is written whole to a temporary file first
(in the thread pool, as the routes are plain ``def``), then streamed from the open file, which is
unlinked at once: nothing stays behind, whether the client reads to the end or goes away.
Every export is bounded by LEERSTAND_EXPORT_TIMEOUT_S (``export.ExportLimit``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated

from fastapi import APIRouter, Depends, Query, Request, UploadFile
from fastapi.responses import StreamingResponse

from app.accounts.deps import PrincipalDep, ReadEngineDep, UserDep
from app.deps import SessionDep
from app.exchange import export, fields, import_service
from app.exchange.schemas import ExportSchema, ImportReportOut
from app.municipalities.models import Municipality
from app.responses import (
    GEOJSON_COLLECTION,
    GEOJSON_MEDIA_TYPE,
    GeoJSONResponse,
    content,
    errors,
    started_stream,
)
from app.schemas import AGS_PATTERN, Instant
from app.vacancies import query as vacancy_query

router = APIRouter(prefix="/api/v1/export", tags=["export"])
import_router = APIRouter(prefix="/api/v1/import", tags=["import"])
MAX_UPLOAD_BYTES = 100 * 1024 * 1024  # a 100,000-row GeoJSON is ~70 MB
UPLOAD_PREFIX = "/api/v1/import/"
MunicipalityQuery = Annotated[
    str | None, Query(description="AGS, or several comma-separated (staff: only their own)")]
StatusQuery = Annotated[str | None, Query(description="status, or several comma-separated")]
SinceQuery = Annotated[Instant | None, Query(
    description="only vacancies updated at or after (ISO 8601; without offset: UTC)")]
PrivateQuery = Annotated[bool, Query(
    description="staff of the town only: also export owner_contact (personal data)")]
InternalQuery = Annotated[bool, Query(
    description="staff of the town: false leaves their internal notes out (a file to share)")]
ATTACHMENT = {"Content-Disposition": "attachment with a file name",
              "X-Schema-Version": "the field schema's version (/api/v1/export/schema)"}
EXPORT_ERRORS = errors(401, 403, 503, 504)
FILE_CHUNK_BYTES = 256 * 1024


def export_query(
    session: SessionDep, principal: PrincipalDep, municipality: MunicipalityQuery = None,
    status: StatusQuery = None, updated_since: SinceQuery = None,
    include_private: PrivateQuery = False, include_internal: InternalQuery = True,
) -> vacancy_query.VacancyQuery:
    """The filters every export format takes, checked against the caller's role."""
    filters = vacancy_query.VacancyFilter(
        municipalities=vacancy_query.parse_municipalities(municipality),
        statuses=vacancy_query.parse_statuses(status), updated_since=updated_since,
    )
    own = session.get(Municipality, principal.municipality_id) if principal.municipality_id else None
    return export.export_query(principal, filters, include_private=include_private,
                               include_internal=include_internal,
                               own_ags=own.ags if own else None)


ExportQueryDep = Annotated[vacancy_query.VacancyQuery, Depends(export_query)]


def export_limit(request: Request) -> export.ExportLimit:
    """The time this export may take, from now."""
    return export.ExportLimit(request.app.state.settings.export_timeout_s)


ExportLimitDep = Annotated[export.ExportLimit, Depends(export_limit)]


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"',
            "X-Schema-Version": fields.EXCHANGE_SCHEMA_VERSION}


@router.get("/schema", response_model=ExportSchema, summary="The versioned field schema of all exports")
def export_schema() -> ExportSchema:
    """Field names, types and which are private; `schema_version` changes with any of them."""
    return ExportSchema.model_validate(fields.schema_document())


@router.get("/vacancies.geojson", summary="Vacancies as RFC 7946 GeoJSON (streamed)",
            response_class=GeoJSONResponse,
            responses={200: content(GEOJSON_MEDIA_TYPE, GEOJSON_COLLECTION, headers=ATTACHMENT),
                       **EXPORT_ERRORS})
def export_geojson(request: Request, engine: ReadEngineDep, query: ExportQueryDep,
                   limit: ExportLimitDep) -> StreamingResponse:
    """WGS84 lon/lat, no `crs` member; built by PostgreSQL and streamed in chunks."""
    chunks = export.stream_geojson(engine, query, limit)
    return StreamingResponse(started_stream(chunks, what=request.url.path),
                             media_type=GEOJSON_MEDIA_TYPE,
                             headers=_attachment("leerstand-vacancies.geojson"))


@router.get("/vacancies.csv", summary="Vacancies as CSV with lon, lat and WKT (streamed)",
            response_class=StreamingResponse,
            responses={200: content("text/csv", {"type": "string"}, headers=ATTACHMENT),
                       **EXPORT_ERRORS})
def export_csv(request: Request, engine: ReadEngineDep, query: ExportQueryDep,
               limit: ExportLimitDep) -> StreamingResponse:
    """Comma-separated, UTF-8, header row; timestamps in UTC."""
    chunks = export.stream_csv(engine, query, limit)
    return StreamingResponse(started_stream(chunks, what=request.url.path),
                             media_type="text/csv; charset=utf-8",
                             headers=_attachment("leerstand-vacancies.csv"))


@router.get("/vacancies.gpkg", summary="Vacancies as GeoPackage 1.3 (layer `vacancies`)",
            response_class=StreamingResponse,
            responses={200: content("application/geopackage+sqlite3",
                                    {"type": "string", "format": "binary"}, headers=ATTACHMENT),
                       **EXPORT_ERRORS})
def export_gpkg(engine: ReadEngineDep, query: ExportQueryDep,
                limit: ExportLimitDep) -> StreamingResponse:
    """EPSG:4326 points; GeoPackage 1.3 so that older QGIS/GDAL open it without warnings.
    Written whole before the answer starts: a timeout is a 504, never a partial file."""
    path = export.gpkg_file(engine, query, limit)
    handle = open(path, "rb")  # closed by _file_chunks (or when collected, if never read)
    os.unlink(path)  # the open handle keeps the data until it is closed
    size = os.fstat(handle.fileno()).st_size
    return StreamingResponse(_file_chunks(handle), media_type="application/geopackage+sqlite3",
                             headers={**_attachment("leerstand-vacancies.gpkg"),
                                      "Content-Length": str(size)})


def _file_chunks(handle: IO[bytes]) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(FILE_CHUNK_BYTES):
            yield chunk


@import_router.post("/vacancies", response_model=ImportReportOut,
                    summary="Import vacancies from a file (staff of the town)",
                    responses=errors(401, 403, 404, 409, 503))
def import_vacancies(
    session: SessionDep, principal: UserDep, file: UploadFile,
    municipality: Annotated[str, Query(pattern=AGS_PATTERN, description="AGS of the town")],
    dry_run: Annotated[bool, Query(description="validate only and report per row")] = False,
    crs: Annotated[str | None, Query(description="CSV only: CRS of lon/lat or x/y columns")] = None,
) -> ImportReportOut:
    """multipart/form-data with `file` (.geojson, .csv, .gpkg or .zip with a Shapefile, up to
    MAX_UPLOAD_BYTES). All rows or none; rows with a known external_id are updated."""
    suffix = Path(file.filename or "upload").suffix.lower()[:10]
    with tempfile.NamedTemporaryFile(prefix="leerstand-import-", suffix=suffix) as handle:
        shutil.copyfileobj(file.file, handle)
        handle.flush()
        report = import_service.import_file(
            session=session, path=Path(handle.name), ags=municipality, actor=principal,
            dry_run=dry_run, filename=Path(file.filename or f"upload{suffix}").name, crs=crs)
    return ImportReportOut.model_validate(report.as_dict())
