"""The one read model of the register: every read of vacancies goes through here.

One filter type (:class:`VacancyFilter`), one parser per query parameter, the rows and private
fields a caller reads from the access policy (``app.accounts.policy``), one FROM with the score
join, one stale rule, and one Feature builder with two shapes: ``nested`` (the map API: scores as
an object, private keys only where the caller may read them) and ``flat`` (exports and OGC API:
the exchange columns, scores as ``score_*``). GeoJSON is built by PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.accounts import policy
from app.accounts.policy import PrivateAccess, ReadScope
from app.accounts.principal import ANONYMOUS, Principal
from app.errors import Forbidden, InvalidInput, NotFound
from app.vacancies.columns import STALE_SQL, Column, columns
from app.vacancies.lifecycle import PUBLIC_STATUSES, VacancyStatus
from app.vacancies.models import Vacancy
from app.vacancies.properties import Consent, Floor
from app.vacancies.schemas import PRIVATE_FIELDS, PUBLIC_FIELDS

MAX_PAGE = 10_000
PRECISION = {4326: 7, 25832: 3}  # ~1 cm in degrees, 1 mm in metres
FROM_SQL = ("FROM vacancy v JOIN municipality m ON m.id = v.municipality_id "
            "LEFT JOIN vacancy_score s ON s.vacancy_id = v.id")
# a vacancy in a status anonymous visitors may see (enum values, inlined as literals); the
# statistics count these (counts tell nothing of an owner)
PUBLIC_STATUS_SQL = f"v.status IN ({', '.join(repr(s.value) for s in sorted(PUBLIC_STATUSES))})"
# the town requires the owner's consent to publish (municipality.require_owner_consent)
_REQUIRED = ("EXISTS (SELECT FROM municipality rc WHERE rc.id = v.municipality_id "
             "AND rc.require_owner_consent)")
# the owner's consent, where the town requires it: none hides the vacancy from the public,
# basic shows its location and status only, full every public field
CONSENT_SQL = f"(v.owner_consent <> 'none' OR NOT {_REQUIRED})"
BASIC_ONLY_SQL = f"(v.owner_consent = 'basic' AND {_REQUIRED})"
# a vacancy anonymous visitors may see (on the map, in lists, exports, OGC API)
PUBLIC_SQL = f"({PUBLIC_STATUS_SQL} AND {CONSENT_SQL})"
# … and whose details (address, facts, photos, exposé, scores) they may see
PUBLIC_DETAIL_SQL = f"({PUBLIC_SQL} AND NOT {BASIC_ONLY_SQL})"
# what a basic consent shows besides the point: the town and the status
BASIC_FIELDS = ("municipality", "municipality_name", "status")
_TOWN = "v.municipality_id"

# the house number's leading digits as a number, so "9" comes before "10"
_HOUSE_NUMBER = "NULLIF(substring(v.house_number from '^[0-9]{1,9}'), '')::int"
# list order: the key, then id; vacancies without the key (unscored, no area …) come last
SORTS = {
    "id": "v.id", "interim": "s.interim ASC NULLS LAST, v.id",
    "-interim": "s.interim DESC NULLS LAST, v.id", "permanent": "s.permanent ASC NULLS LAST, v.id",
    "-permanent": "s.permanent DESC NULLS LAST, v.id",
    "address": f"lower(v.street) ASC NULLS LAST, {_HOUSE_NUMBER} ASC NULLS LAST, "
               "v.house_number ASC NULLS LAST, v.id",
    "floor_area": "v.floor_area_m2 ASC NULLS LAST, v.id",
    "-floor_area": "v.floor_area_m2 DESC NULLS LAST, v.id",
    "vacant_since": "v.vacant_since ASC NULLS LAST, v.id",
    "-vacant_since": "v.vacant_since DESC NULLS LAST, v.id",
}


# --- parameters: one parser each ----------------------------------------------------------------

def _split(value: str | None) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()] if value else []


def parse_choices(value: str | None, allowed: tuple[str, ...] | list[str], *,
                  field: str) -> list[str] | None:
    """``x=a,b`` → the values, each one of ``allowed``; an unknown one is a 422 naming them."""
    parts = _split(value)
    if any(part not in allowed for part in parts):
        raise InvalidInput(f"unknown {field}; allowed: {', '.join(allowed)}", field=field)
    return list(dict.fromkeys(parts)) or None


def parse_statuses(value: str | None) -> list[VacancyStatus] | None:
    """``status=vacant,threatened`` → statuses; an unknown one is a 422 naming the allowed."""
    parts = parse_choices(value, [s.value for s in VacancyStatus], field="status")
    return [VacancyStatus(part) for part in parts] if parts else None


def parse_floors(value: str | None) -> list[Floor] | None:
    """``floor=ground,upper`` → floors of the unit in its building."""
    parts = parse_choices(value, [f.value for f in Floor], field="floor")
    return [Floor(part) for part in parts] if parts else None


def parse_area_range(low: float | None, high: float | None) -> tuple[float | None, float | None]:
    """Floor area from/to in m²; "from" above "to" is a 422 rather than an empty list."""
    if low is not None and high is not None and low > high:
        raise InvalidInput("max_area_m2 must not be smaller than min_area_m2", field="max_area_m2")
    return low, high


def parse_municipalities(value: str | None) -> list[str] | None:
    """``municipality=16053000,16077043`` → AGS list."""
    agss = _split(value)
    if not all(len(a) == 8 and a.isascii() and a.isdigit() for a in agss):
        raise InvalidInput("municipality must be 8-digit AGS values, comma-separated",
                           field="municipality")
    return agss or None


def parse_sort(value: str) -> str:
    if value not in SORTS:
        raise InvalidInput(f"unknown sort; allowed: {', '.join(SORTS)}", field="sort")
    return value


@dataclass
class VacancyFilter:
    """What a caller asks for (the policy decides what it may have)."""

    municipalities: list[str] | None = None
    statuses: list[VacancyStatus] | None = None
    bbox: tuple[float, float, float, float] | None = None  # WGS84
    updated_since: datetime | None = None
    updated_until: datetime | None = None
    ids: list[int] | None = None
    min_interim: int | None = None
    min_permanent: int | None = None
    min_area_m2: float | None = None
    max_area_m2: float | None = None
    floors: list[Floor] | None = None
    step_free: bool | None = None
    # values of the scoring's recommendation (checked by the caller against scoring.rules)
    recommendations: list[str] | None = None
    sort: str = "id"
    limit: int | None = None  # None: all
    offset: int = 0


# --- scope: rows and private fields from the policy ---------------------------------------------

def private_fields(level: PrivateAccess) -> tuple[str, ...]:
    if level == PrivateAccess.personal:
        return PRIVATE_FIELDS
    return ("internal_notes",) if level == PrivateAccess.internal else ()


def public_view(vacancy: Vacancy) -> str | None:
    """What anonymous visitors see of this vacancy (the rule of PUBLIC_SQL, in Python):
    "full", "basic" (location and status only) or None (nothing)."""
    if vacancy.status not in PUBLIC_STATUSES:
        return None
    if not vacancy.consent_required or vacancy.owner_consent == Consent.full:
        return "full"
    return None if vacancy.owner_consent == Consent.none else "basic"


def readable(principal: Principal, vacancy: Vacancy, *, details: bool = False) -> bool:
    """May the principal see this one vacancy at all — or, with ``details``, more than its
    location and status (address, facts, photos, exposé, scores)?"""
    view = public_view(vacancy)
    public = view == "full" or (view == "basic" and not details)
    return policy.may_read(principal, vacancy.municipality_id, public=public)


def get_readable(*, session: Session, principal: Principal, vacancy_id: int,
                 field: str = "id", details: bool = False) -> Vacancy:
    """The vacancy, or NotFound where it does not exist or the caller may not see it (with
    ``details``: its details)."""
    vacancy = session.get(Vacancy, vacancy_id) if 0 < vacancy_id < 2**31 else None
    if vacancy is None or not readable(principal, vacancy, details=details):
        raise NotFound(f"no vacancy {vacancy_id}", field=field)
    return vacancy


def get_public(*, session: Session, vacancy_id: int, field: str = "vacancy_id") -> Vacancy:
    """A vacancy anonymous visitors see (citizens pin ideas to these)."""
    vacancy = session.get(Vacancy, vacancy_id) if 0 < vacancy_id < 2**31 else None
    if vacancy is None or not readable(ANONYMOUS, vacancy):
        raise NotFound(f"no published vacancy {vacancy_id}", field=field)
    return vacancy


def scope_where(scope: ReadScope) -> tuple[str, dict[str, Any]]:
    """SQL over ``vacancy v`` keeping the rows the scope reads."""
    return scope.row_filter(public=PUBLIC_SQL, town=_TOWN)


def count_where(scope: ReadScope) -> tuple[str, dict[str, Any]]:
    """SQL over ``vacancy v`` keeping the rows the scope counts (statistics): the public ones by
    status, whatever the owner's consent — a count tells nothing of an owner."""
    return scope.row_filter(public=PUBLIC_STATUS_SQL, town=_TOWN)


def basic_only_filter(scope: ReadScope) -> str | None:
    """SQL condition for the rows of which the scope reads only location and status."""
    condition = scope.public_only_filter(town=_TOWN)
    if condition is None:
        return None
    return BASIC_ONLY_SQL if condition == "TRUE" else f"({condition} AND {BASIC_ONLY_SQL})"


def check_towns(scope: ReadScope, filters: VacancyFilter, own_ags: str | None) -> None:
    """Staff asking for another town's export get a clear 403, not an empty file."""
    if scope.towns is not None and filters.municipalities:
        others = [ags for ags in filters.municipalities if ags != own_ags]
        if others:
            raise Forbidden(f"staff may export only their own municipality, not {', '.join(others)}",
                            field="municipality")


def where(scope: ReadScope, filters: VacancyFilter) -> tuple[str, dict[str, Any]]:
    """The WHERE clause and parameters for a scope and a filter."""
    sql, params = scope_where(scope)
    clauses = [sql]

    def add(clause: str, **values: Any) -> None:
        clauses.append(clause)
        params.update(values)

    if filters.municipalities:
        add("m.ags = ANY(:agss)", agss=filters.municipalities)
    if filters.statuses:
        add("v.status = ANY(:statuses)", statuses=[s.value for s in filters.statuses])
    if filters.bbox:
        add("v.location && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326)",
            **dict(zip(("minx", "miny", "maxx", "maxy"), filters.bbox, strict=True)))
    if filters.updated_since:
        add("v.updated_at >= :updated_since", updated_since=filters.updated_since)
    if filters.updated_until:
        add("v.updated_at <= :updated_until", updated_until=filters.updated_until)
    if filters.ids is not None:
        add("v.id = ANY(:ids)", ids=filters.ids)
    if filters.min_interim is not None:
        add("s.interim >= :min_interim", min_interim=filters.min_interim)
    if filters.min_permanent is not None:
        add("s.permanent >= :min_permanent", min_permanent=filters.min_permanent)
    if filters.min_area_m2 is not None:
        add("v.floor_area_m2 >= :min_area_m2", min_area_m2=filters.min_area_m2)
    if filters.max_area_m2 is not None:
        add("v.floor_area_m2 <= :max_area_m2", max_area_m2=filters.max_area_m2)
    if filters.floors:
        add("v.floor = ANY(:floors)", floors=[f.value for f in filters.floors])
    if filters.step_free is not None:
        add("v.step_free = :step_free", step_free=filters.step_free)
    if filters.recommendations:
        add("s.recommendation = ANY(:recommendations)", recommendations=filters.recommendations)
    return " AND ".join(clauses), params


def page_sql(filters: VacancyFilter) -> str:
    page = f" ORDER BY {SORTS[filters.sort]}"
    if filters.limit is not None:
        page += " LIMIT :limit"
    if filters.offset:
        page += " OFFSET :offset"
    return page


# --- the Feature builder ------------------------------------------------------------------------

def _geometry(epsg: int) -> str:
    geom = "v.location" if epsg == 4326 else f"ST_Transform(v.location, {epsg})"
    return f"ST_AsGeoJSON({geom}, {PRECISION[epsg]})::json"


def _object(pairs: list[tuple[str, str]]) -> str:
    return "json_build_object(" + ", ".join(f"'{name}', {sql}" for name, sql in pairs) + ")"


# approved photos only (a citizen's is approved by staff first), the cover first; the same for
# every caller, as the row itself is already the caller's to read. URLs are from the app's root;
# width and height are the image's (the thumbnail has its aspect ratio), so a page can reserve
# the room before the thumbnail arrives.
PHOTOS_SQL = (
    "(SELECT json_build_object('count', count(*), 'cover', (array_agg(json_build_object("
    "'url', '/api/v1/photos/' || p.id || '.jpg', "
    "'thumbnail_url', '/api/v1/photos/' || p.id || '/thumb.jpg', 'caption', p.caption, "
    "'width', p.width, 'height', p.height) "
    "ORDER BY p.is_cover DESC, p.position, p.id))[1]) "
    "FROM photo p WHERE p.vacancy_id = v.id AND p.approved)"
)

_NESTED_PUBLIC: list[tuple[str, str]] = [
    ("municipality", "m.ags"), *((name, f"v.{name}") for name in PUBLIC_FIELDS),
    ("footprint", "ST_AsGeoJSON(v.footprint, 7)::json"), ("verified_at", "v.verified_at"),
    ("stale", STALE_SQL), ("created_at", "v.created_at"), ("updated_at", "v.updated_at"),
    ("version", "v.version"),
    ("scores", "CASE WHEN s.vacancy_id IS NOT NULL THEN json_build_object("
               "'interim', s.interim, 'permanent', s.permanent, "
               "'recommendation', s.recommendation, 'confidence', s.confidence, "
               "'profile_version', s.profile_version) END"),
    ("photos", PHOTOS_SQL),
]


# a basic consent: the same keys, the details empty (no photos, no scores)
_NO_PHOTOS = "json_build_object('count', 0, 'cover', NULL)"
_NESTED_BASIC: list[tuple[str, str]] = [
    (name, sql if name in BASIC_FIELDS else _NO_PHOTOS if name == "photos" else "NULL")
    for name, sql in _NESTED_PUBLIC
]


def nested_properties_sql(scope: ReadScope) -> str:
    """The map API's properties; private keys appear only on rows the caller reads privately,
    only location and status where the owner's consent covers no more."""
    public = _object(_NESTED_PUBLIC)
    basic = basic_only_filter(scope)
    if basic is not None:
        public = f"CASE WHEN {basic} THEN {_object(_NESTED_BASIC)} ELSE {public} END"
    condition = scope.private_filter(town=_TOWN)
    names = private_fields(scope.private)
    if condition is None or not names:
        return public
    full = _object(_NESTED_PUBLIC + [(name, f"v.{name}") for name in names])
    return full if condition == "TRUE" else f"CASE WHEN {condition} THEN {full} ELSE {public} END"


def flat_columns(scope: ReadScope) -> list[tuple[Column, str]]:
    """The exchange columns with the SQL each is read by: a private value only on the rows the
    caller reads privately (NULL elsewhere); on rows with a basic consent only id, town and
    status (NULL elsewhere)."""
    condition = scope.private_filter(town=_TOWN)
    basic = basic_only_filter(scope)
    names = private_fields(scope.private) if condition is not None else ()
    read: list[tuple[Column, str]] = []
    for c in columns(names):
        sql = c.sql
        if c.name in PRIVATE_FIELDS and condition != "TRUE":
            sql = f"CASE WHEN {condition} THEN {sql} END"
        elif basic is not None and c.name not in ("id", *BASIC_FIELDS):
            sql = f"CASE WHEN NOT {basic} THEN {sql} END"
        read.append((c, sql))
    return read


def feature_sql(*, shape: str, scope: ReadScope, epsg: int = 4326) -> str:
    """One GeoJSON Feature per row, built by PostgreSQL: ``nested`` or ``flat`` properties."""
    if shape == "nested":
        properties = nested_properties_sql(scope)
    else:
        properties = _object([(c.name, sql) for c, sql in flat_columns(scope) if c.name != "id"])
    return (f"json_build_object('type', 'Feature', 'id', v.id, 'geometry', {_geometry(epsg)}, "
            f"'properties', {properties})")


@dataclass
class VacancyQuery:
    """A prepared read: scope, filter and the SQL pieces they make."""

    scope: ReadScope
    filters: VacancyFilter
    where: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.where, params = where(self.scope, self.filters)
        self.params = {**params, "limit": self.filters.limit, "offset": self.filters.offset}

    @property
    def body(self) -> str:
        """FROM … WHERE …, without the page."""
        return f"{FROM_SQL} WHERE {self.where}"

    def count(self, session_or_conn: Any) -> int:
        return session_or_conn.execute(text(f"SELECT count(*) {self.body}"),
                                       self.params).scalar_one()

    def features_sql(self, *, shape: str, epsg: int = 4326) -> str:
        """One row per Feature (JSON text), in page order."""
        return (f"SELECT ({feature_sql(shape=shape, scope=self.scope, epsg=epsg)})::text "
                f"{self.body}{page_sql(self.filters)}")

    def page(self, session_or_conn: Any, *, shape: str, epsg: int = 4326) -> tuple[int, int, str]:
        """(numberMatched, numberReturned, the Features joined by commas) in one statement;
        the total is counted separately only when the page is full (or past the end)."""
        order = SORTS[self.filters.sort]
        feature = feature_sql(shape=shape, scope=self.scope, epsg=epsg)
        sql = (f"SELECT count(*), coalesce(string_agg(f, ',' ORDER BY n), '') FROM ("
               f"SELECT row_number() OVER (ORDER BY {order}) AS n, ({feature})::text AS f "
               f"{self.body}{page_sql(self.filters)}) page")
        returned, features = session_or_conn.execute(text(sql), self.params).one()
        limit, offset = self.filters.limit, self.filters.offset
        if (limit is None or returned < limit) and (returned or not offset):
            return offset + returned, returned, features
        return self.count(session_or_conn), returned, features


def for_principal(principal: Principal, filters: VacancyFilter) -> VacancyQuery:
    """A read of the register (map API, OGC API) with the caller's read scope."""
    return VacancyQuery(policy.read_scope(principal), filters)


def list_geojson(*, session: Session, principal: Principal, filters: VacancyFilter) -> str:
    """A page of vacancies as a GeoJSON FeatureCollection string (the map API)."""
    matched, returned, features = for_principal(principal, filters).page(session, shape="nested")
    return (f'{{"type":"FeatureCollection","numberMatched":{matched},'
            f'"numberReturned":{returned},"features":[{features}]}}')


def get_geojson(*, session: Session, principal: Principal, vacancy_id: int) -> tuple[str, int]:
    """One vacancy Feature (string, map API shape) and its version; 404 where the caller may not
    see it."""
    query = for_principal(principal, VacancyFilter(ids=[vacancy_id], limit=1))
    row = session.execute(text(
        f"SELECT ({feature_sql(shape='nested', scope=query.scope)})::text, v.version {query.body}"
    ), query.params).first()
    if row is None:
        raise NotFound(f"no vacancy {vacancy_id}", field="id")
    return row[0], row[1]
