"""OGC API - Features (Part 1 core/GeoJSON/HTML, Part 2 CRS): parameters, documents, items.

Parameter parsing is pure and raises OGC-style exceptions (``{"code", "description"}``); item
pages reuse the export column list and SQL so OGC clients and exports see the same fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app import geo
from app.accounts.principal import Principal
from app.errors import BadRequest, DomainError, NotFound, UnsupportedCRS
from app.exchange import export
from app.exchange.fields import EXCHANGE_SCHEMA_VERSION
from app.proposals import service as proposals_service
from app.schemas import utc_instant
from app.vacancies import query as vacancy_query

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000
CRS_URIS = {4326: export.CRS84, 25832: export.EPSG25832}
# no oas30 class: FastAPI's /openapi.json (the service-desc) is OpenAPI 3.1
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
COLLECTIONS = {
    "vacancies": ("Leerstände (vacancies)",
                  "Vacant and soon-vacant shops; anonymous callers see published ones, public "
                  f"fields only (field schema {EXCHANGE_SCHEMA_VERSION}, /api/v1/export/schema)."),
    "municipalities": ("Gemeinden (municipalities)",
                       "Thuringian municipalities (BKG VG250 boundaries), keyed by AGS."),
    "proposals": ("Nutzungsideen (published proposals)",
                  "Citizens' published ideas for a use: the proposed area, point or pinned "
                  "vacancy as geometry; never the proposer's e-mail."),
}
# which simple filters each collection takes (anything else is an InvalidParameterValue)
FILTERS = {
    "vacancies": ("datetime", "status", "municipality"),
    "municipalities": (),
    "proposals": ("municipality",),
}


class OgcInvalidParameter(BadRequest):
    code = "InvalidParameterValue"

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "description": self.message,
                **({"parameter": self.field} if self.field else {})}


class OgcNotFound(NotFound):
    code = "NotFound"

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "description": self.message}


@dataclass
class ItemParams:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None  # WGS84
    epsg: int = 4326
    datetime_from: datetime | None = None
    datetime_to: datetime | None = None
    status: str | None = None
    municipality: str | None = None
    html: bool = False


def _int(value: str, name: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise OgcInvalidParameter(f"{name} must be an integer, got {value!r}", field=name) from exc
    if not low <= number <= high:
        raise OgcInvalidParameter(f"{name} must be between {low} and {high}, got {number}",
                                  field=name)
    return number


def parse_crs(value: str, name: str = "crs") -> int:
    """CRS84 or EPSG:25832 (URI, URN or short form); EPSG:4326 itself is lat/lon and not offered."""
    if value.strip().lower() in geo.CRS84_URIS:
        return 4326
    try:
        epsg = geo.parse_crs(value)
    except UnsupportedCRS:
        epsg = None
    if epsg != 25832:
        raise OgcInvalidParameter(
            f"unsupported {name} {value!r}; offered: {', '.join(CRS_URIS.values())}", field=name)
    return epsg


def _instant(value: str) -> datetime | None:
    if value in ("", ".."):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise OgcInvalidParameter(f"datetime {value!r} is not RFC 3339", field="datetime") from exc
    try:
        return utc_instant(moment)
    except ValueError as exc:
        raise OgcInvalidParameter(f"datetime {value!r}: {exc}", field="datetime") from None


def parse_datetime(value: str) -> tuple[datetime | None, datetime | None]:
    """An instant or an interval ``a/b`` (``..`` open) on the last update time."""
    if "/" in value:
        start, _, end = value.partition("/")
        lower, upper = _instant(start), _instant(end)
        if lower and upper and lower > upper:
            raise OgcInvalidParameter("datetime interval is inverted", field="datetime")
        return lower, upper
    moment = _instant(value)
    if moment is None:
        raise OgcInvalidParameter("datetime needs an instant or an interval", field="datetime")
    return moment, moment


def parse_items(query: dict[str, str], collection: str) -> ItemParams:
    params = ItemParams()
    if "limit" in query:
        params.limit = _int(query["limit"], "limit", 1, MAX_LIMIT)
    if "offset" in query:
        params.offset = _int(query["offset"], "offset", 0, MAX_OFFSET)
    if "crs" in query:
        params.epsg = parse_crs(query["crs"])
    bbox_epsg = parse_crs(query["bbox-crs"], "bbox-crs") if "bbox-crs" in query else 4326
    if "bbox" in query:
        params.bbox = _ogc_parameter(lambda v: geo.parse_bbox(v, epsg=bbox_epsg), query["bbox"])
    params.html = parse_format(query)
    for name in ("datetime", "status", "municipality"):
        if name in query and name not in FILTERS[collection]:
            raise OgcInvalidParameter(f"{name} is not a filter of {collection}", field=name)
    if "datetime" in query:
        params.datetime_from, params.datetime_to = parse_datetime(query["datetime"])
    params.status = query.get("status")
    params.municipality = query.get("municipality")
    return params


def parse_format(query: dict[str, str]) -> bool:
    value = query.get("f", "json")
    if value not in ("json", "html", "geojson"):
        raise OgcInvalidParameter(f"f must be json or html, got {value!r}", field="f")
    return value == "html"


def _ogc_parameter(parse: Any, value: str | None) -> Any:
    try:
        return parse(value)
    except DomainError as exc:  # the register's 422 becomes OGC's 400 with the same message
        raise OgcInvalidParameter(exc.message, field=exc.field) from exc


def vacancy_filters(params: ItemParams) -> vacancy_query.VacancyFilter:
    return vacancy_query.VacancyFilter(
        municipalities=_ogc_parameter(vacancy_query.parse_municipalities, params.municipality),
        statuses=_ogc_parameter(vacancy_query.parse_statuses, params.status),
        updated_since=params.datetime_from, updated_until=params.datetime_to,
        bbox=params.bbox, limit=params.limit, offset=params.offset)


def vacancy_page(*, session: Session, principal: Principal,
                 params: ItemParams) -> tuple[int, int, str]:
    """(numberMatched, numberReturned, the features joined by commas, without brackets)."""
    query = vacancy_query.for_principal(principal, vacancy_filters(params))
    session.execute(text("SET LOCAL TimeZone = 'UTC'"))
    return query.page(session, shape="flat", epsg=params.epsg)


def vacancy_item(*, session: Session, principal: Principal, fid: str, epsg: int) -> str:
    if not fid.isdigit() or len(fid) > 12:
        raise OgcNotFound(f"no feature {fid!r} in vacancies")
    query = vacancy_query.for_principal(principal, vacancy_query.VacancyFilter(ids=[int(fid)],
                                                                               limit=1))
    session.execute(text("SET LOCAL TimeZone = 'UTC'"))
    body = session.execute(text(query.features_sql(shape="flat", epsg=epsg)), query.params).scalar()
    if body is None:
        raise OgcNotFound(f"no feature {fid!r} in vacancies")
    return body


def _geometry(column: str, epsg: int) -> str:
    geom = column if epsg == 4326 else f"ST_Transform({column}, {epsg})"
    return f"ST_AsGeoJSON({geom}, {vacancy_query.PRECISION[epsg]})::json"


def _municipality_sql(epsg: int, where: str, page: str) -> str:
    return f"""
        SELECT json_build_object('type', 'Feature', 'id', m.ags,
            'geometry', {_geometry("m.boundary", epsg)},
            'properties', json_build_object('ags', m.ags, 'name', m.name,
                'population', m.population, 'has_core_area', m.core_area IS NOT NULL,
                'stale_after_days', m.stale_after_days))::text
        FROM municipality m WHERE {where} ORDER BY m.ags {page}"""


PROPOSAL_PROPERTIES = (
    "title", "description", "category", "min_area_m2", "max_area_m2", "needs_ground_floor",
    "needs_shop_window", "needs_step_free", "duration", "max_rent_eur_m2", "vacancy_id",
    "radius_m", "display_name", "support_count", "published_at",
)
# a proposal is placed by its area, else its point, else its pinned vacancy while that is public
_PROPOSAL_GEOMETRY = "COALESCE(p.area, p.location, v.location)"
_PROPOSAL_FROM = f"""
    FROM proposal p JOIN municipality m ON m.id = p.municipality_id
    LEFT JOIN vacancy v ON v.id = p.vacancy_id
        AND {vacancy_query.PUBLIC_SQL}
    WHERE {proposals_service.PUBLIC_SQL}"""


def _proposal_sql(epsg: int, where: str, page: str) -> str:
    properties = ", ".join(f"'{name}', p.{name}" for name in PROPOSAL_PROPERTIES)
    return f"""
        SELECT json_build_object('type', 'Feature', 'id', p.id,
            'geometry', {_geometry(_PROPOSAL_GEOMETRY, epsg)},
            'properties', json_build_object('municipality', m.ags, {properties}))::text
        {_PROPOSAL_FROM} AND {where} ORDER BY p.id {page}"""


def _bbox_where(column: str, params: ItemParams) -> tuple[str, dict[str, Any]]:
    if params.bbox is None:
        return "TRUE", {}
    return (f"{column} && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326)",
            dict(zip(("minx", "miny", "maxx", "maxy"), params.bbox, strict=True)))


def _proposal_where(params: ItemParams) -> tuple[str, dict[str, Any]]:
    where, values = _bbox_where(_PROPOSAL_GEOMETRY, params)
    if params.municipality:
        try:
            agss = vacancy_query.parse_municipalities(params.municipality)
        except DomainError as exc:
            raise OgcInvalidParameter(exc.message, field="municipality") from exc
        where, values = f"{where} AND m.ags = ANY(:agss)", {**values, "agss": agss}
    return where, values


# collection id → (SQL builder, WHERE builder, FROM clause for counting)
_SIMPLE = {
    "municipalities": (_municipality_sql, lambda p: _bbox_where("m.boundary", p),
                       "FROM municipality m WHERE TRUE"),
    "proposals": (_proposal_sql, _proposal_where, _PROPOSAL_FROM),
}


def simple_page(*, session: Session, collection: str,
                params: ItemParams) -> tuple[int, int, str]:
    """A page of municipalities or published proposals (the same for every caller)."""
    build, build_where, from_sql = _SIMPLE[collection]
    where, values = build_where(params)
    matched = session.execute(text(f"SELECT count(*) {from_sql} AND {where}"), values).scalar_one()
    sql = build(params.epsg, where, "LIMIT :limit OFFSET :offset")
    returned, features = session.execute(
        text(f"SELECT count(*), coalesce(string_agg(f, ','), '') FROM ({sql}) t(f)"),
        {**values, "limit": params.limit, "offset": params.offset}).one()
    return matched, returned, features


def simple_item(*, session: Session, collection: str, fid: str, epsg: int) -> str:
    build, _, _ = _SIMPLE[collection]
    value: int | str
    if collection == "proposals":
        if not fid.isdigit() or len(fid) > 12:
            raise OgcNotFound(f"no feature {fid!r} in proposals")
        where, value = "p.id = :fid", int(fid)
    else:
        where, value = "m.ags = :fid", fid
    body = session.execute(text(build(epsg, where, "")), {"fid": value}).scalar()
    if body is None:
        raise OgcNotFound(f"no feature {fid!r} in {collection}")
    return body


def extent(*, session: Session) -> list[float]:
    """The spatial extent (CRS84) of all municipalities in the register."""
    row = session.execute(text(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
        "FROM (SELECT ST_Extent(boundary) AS e FROM municipality) t")).one()
    return [round(v, 6) for v in row] if row[0] is not None else [-180, -90, 180, 90]
