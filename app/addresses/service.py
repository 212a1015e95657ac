"""The address table read: fuzzy search (pg_trgm) and the reverse lookup of a point.

The search normalises the query as the import normalised the rows (app.addresses.normalise) and
asks the trigram index for rows whose search text contains the query's words within a
word-similarity threshold (typos, a missing letter); the ranking puts the best street first and,
within it, the house number typed (exact, then as a prefix: "markt 1" → Markt 1, Markt 10 …).
Query text never reaches a LIKE pattern; a query that normalises to nothing finds nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app import geo
from app.addresses.normalise import parse_query
from app.errors import InvalidInput, NotFound
from app.municipalities import service as municipalities

MIN_QUERY, MAX_QUERY = 2, 200
MAX_LIMIT = 50
DEFAULT_DISTANCE_M, MAX_DISTANCE_M = 100, 500
# word_similarity of the typed words to the best-matching stretch of a row's search text: 0.6
# (pg_trgm's default) lets one typo in a street through ("mustrstr" ~ "musterstr": 0.64,
# "alte kirhplatz" ~ "alte kirchplatz": 0.72); 0.5 let 2.5 times as many rows through the
# recheck (bench/addresses) for no better first hit
WORD_SIMILARITY = 0.6

_COLUMNS = """a.id, a.street, a.house_number, a.postcode, m.ags AS municipality,
    m.name AS municipality_name, ST_X(a.geom) AS lon, ST_Y(a.geom) AS lat"""
# a house number typed: that number first, then numbers it begins ("1" → 1, 1a, 10, 12 …)
_NUMBER_RANK = """CASE WHEN CAST(:number AS text) IS NULL THEN 0
    WHEN a.house_number_key = :number THEN 0
    WHEN starts_with(a.house_number_key, :number) THEN 1 ELSE 2 END"""
# a postcode typed: its addresses first (no postcode typed: no preference)
_POSTCODE_RANK = "coalesce(a.postcode = CAST(:postcode AS text), false) DESC"
_NATURAL_ORDER = """a.street, substring(a.house_number_key FROM '^[0-9]+')::int NULLS LAST,
    a.house_number_key, a.id"""


def check_query(q: str) -> str:
    """The trimmed query; 2..200 characters, no NUL."""
    if "\x00" in q:
        raise InvalidInput("q must not contain NUL characters (\\u0000)", field="q")
    q = q.strip()
    if not MIN_QUERY <= len(q) <= MAX_QUERY:
        raise InvalidInput(f"q must have {MIN_QUERY} to {MAX_QUERY} characters (without "
                           f"leading and trailing spaces), got {len(q)}", field="q")
    return q


def _municipality_id(session: Session, ags: str | None) -> int | None:
    return None if ags is None else municipalities.get_by_ags(
        session=session, ags=ags, field="municipality").id


def _town_filter(town_id: int | None) -> str:
    """The town condition, only when there is one: so that the planner sees a plain
    ``municipality_id = int`` it can take into the GIN index (not an OR, and not psycopg's
    smallint for a small number, which btree_gin's int4 class does not match)."""
    return "" if town_id is None else "AND a.municipality_id = CAST(:town AS int)"


def search(*, session: Session, q: str, ags: str | None, limit: int) -> dict[str, Any]:
    """The addresses best matching ``q`` as a FeatureCollection, best first."""
    query = parse_query(check_query(q))
    town_id = _municipality_id(session, ags)
    # only a number finds something in a town; across all of them it would sort thousands
    if not query.words and (not query.house_number or town_id is None):
        return collection([])
    params = {"words": query.words, "number": query.house_number, "postcode": query.postcode,
              "town": town_id, "limit": limit}
    if query.words:
        session.execute(text("SELECT set_config('pg_trgm.word_similarity_threshold', :t, true)"),
                        {"t": str(WORD_SIMILARITY)})
        match = "CAST(:words AS text) <% a.search"  # the GIN trigram index serves this
        rank = f"""word_similarity(:words, a.search) DESC,
            {_POSTCODE_RANK}, {_NUMBER_RANK},
            similarity(:words, a.street_key) DESC"""
    else:  # only a number (and maybe a postcode): that number in the town
        match = "starts_with(a.house_number_key, :number)"
        rank = f"{_POSTCODE_RANK}, {_NUMBER_RANK}"
    rows = session.execute(text(f"""
        SELECT {_COLUMNS} FROM address a JOIN municipality m ON m.id = a.municipality_id
        WHERE {match} {_town_filter(town_id)}
        ORDER BY {rank}, {_NATURAL_ORDER} LIMIT :limit
    """), params).mappings().all()
    return collection([feature(row) for row in rows])


def check_point(lon: float, lat: float) -> None:
    if not geo.in_thuringia(lon, lat):
        minx, miny, maxx, maxy = geo.THURINGIA_BBOX
        raise InvalidInput(f"point [{lon}, {lat}] is outside Thuringia (lon {minx}–{maxx}, "
                           f"lat {miny}–{maxy}); the address table covers Thuringian towns",
                           field="lon" if not minx <= lon <= maxx else "lat")


def nearest(*, session: Session, lon: float, lat: float, ags: str | None,
            max_distance_m: float) -> dict[str, Any]:
    """The address nearest to the point within ``max_distance_m``, with its distance."""
    check_point(lon, lat)
    town_id = _municipality_id(session, ags)
    row = session.execute(text(f"""
        SELECT {_COLUMNS}, ST_Distance(a.geom::geography, q.p::geography) AS distance_m
        FROM address a JOIN municipality m ON m.id = a.municipality_id,
             (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS p) q
        -- the GiST index finds the box (60 km per degree is safe north of 56° N), the
        -- geography KNN orders the few rows in it by true distance
        WHERE a.geom && ST_Expand(q.p, :max_m / 60000.0)
          AND ST_DWithin(a.geom::geography, q.p::geography, :max_m)
          {_town_filter(town_id)}
        ORDER BY a.geom::geography <-> q.p::geography, a.id LIMIT 1
    """), {"lon": lon, "lat": lat, "max_m": max_distance_m, "town": town_id}).mappings().first()
    if row is None:
        raise NotFound(f"no address within {max_distance_m:g} m of [{lon}, {lat}]",
                       field="lon")
    result = feature(row)
    result["properties"]["distance_m"] = round(row["distance_m"], 1)
    return result


def label(street: str, house_number: str, postcode: str | None, town: str) -> str:
    """"Musterstraße 3, 07639 Musterstadt" (without a postcode: "Musterstraße 3, Musterstadt")."""
    place = f"{postcode} {town}" if postcode else town
    return f"{street} {house_number}, {place}"


def feature(row: Any) -> dict[str, Any]:
    return {"type": "Feature", "id": row["id"],
            "geometry": {"type": "Point", "coordinates": [round(row["lon"], 7),
                                                          round(row["lat"], 7)]},
            "properties": {"street": row["street"], "house_number": row["house_number"],
                           "postcode": row["postcode"], "municipality": row["municipality"],
                           "municipality_name": row["municipality_name"],
                           "label": label(row["street"], row["house_number"], row["postcode"],
                                          row["municipality_name"])}}


def collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}
