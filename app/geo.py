"""CRS handling (pyproj), geometry validation (shapely) and GeoJSON helpers. No database."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import shapely
from pyproj import Transformer
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from app.errors import BadRequest, InvalidGeometry, InvalidInput, UnsupportedCRS

WGS84 = 4326
UTM32 = 25832  # ETRS89 / UTM 32N, the CRS of Thuringia's municipal GIS
SUPPORTED_EPSG = {
    4326: "WGS 84 (lon/lat)",
    25832: "ETRS89 / UTM zone 32N",
    31467: "DHDN / Gauss-Krüger zone 3",
    31468: "DHDN / Gauss-Krüger zone 4",
    3857: "WGS 84 / Pseudo-Mercator",
}
CRS84_URIS = {
    "http://www.opengis.net/def/crs/ogc/1.3/crs84",
    "urn:ogc:def:crs:ogc:1.3:crs84",
    "urn:ogc:def:crs:ogc::crs84",
    "crs84",
    "ogc:crs84",
}
_EPSG_PATTERNS = (
    re.compile(r"^epsg:(\d+)$"),
    re.compile(r"^urn:ogc:def:crs:epsg:[\d.]*:(\d+)$"),
    re.compile(r"^https?://www\.opengis\.net/def/crs/epsg/0/(\d+)$"),
)


def parse_crs(value: str) -> int:
    """An EPSG code for a CRS name (``EPSG:25832``, OGC URN or URI, CRS84); refuses others.

    Coordinates are always taken in x/y (east, north; lon, lat) order, as GeoJSON does.
    """
    name = value.strip().lower()
    if name in CRS84_URIS:
        return WGS84
    for pattern in _EPSG_PATTERNS:
        match = pattern.match(name)
        if match:
            code = int(match.group(1))
            if code in SUPPORTED_EPSG:
                return code
            break
    supported = ", ".join(f"EPSG:{code}" for code in SUPPORTED_EPSG)
    raise UnsupportedCRS(f"unsupported CRS {value!r}; accepted: {supported}", field="crs")


def crs_from_member(member: Any) -> int:
    """EPSG code of a legacy GeoJSON ``crs`` member (``{"type": "name", ...}``)."""
    if member is None:
        return WGS84
    if isinstance(member, dict) and member.get("type") == "name":
        name = (member.get("properties") or {}).get("name")
        if isinstance(name, str):
            return parse_crs(name)
    raise UnsupportedCRS(
        'the "crs" member must look like {"type": "name", "properties": {"name": "EPSG:25832"}}',
        field="crs",
    )


@lru_cache(maxsize=16)
def transformer(source: int, target: int = WGS84) -> Transformer:
    """A cached lon/lat-ordered (always_xy) transformer between two EPSG codes."""
    return Transformer.from_crs(f"EPSG:{source}", f"EPSG:{target}", always_xy=True)


def transform(geom: BaseGeometry, source: int, target: int = WGS84) -> BaseGeometry:
    if source == target:
        return geom
    return shapely.transform(geom, transformer(source, target).transform, interleaved=False)


# GeoJSON nests coordinates at most 4 levels deep (MultiPolygon); deeper input is refused before
# anything recurses into it (a core area nested 900 levels deep overflowed the stack)
MAX_COORDINATE_DEPTH = 4


def _positions(coordinates: Any) -> Iterable[list[Any]]:
    """Every position (innermost list) of a GeoJSON coordinates member, without recursion."""
    stack: list[tuple[Any, int]] = [(coordinates, 0)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, list | tuple):
            continue
        if depth >= MAX_COORDINATE_DEPTH or any(not isinstance(v, list | tuple) for v in item):
            yield list(item)
        else:
            stack.extend((child, depth + 1) for child in reversed(item))


def _number(value: Any) -> bool:
    # "12.35" and true are not coordinates, whatever Python or pydantic would make of them
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_finite(geometry: dict[str, Any], field: str) -> None:
    for position in _positions(geometry.get("coordinates")):
        if not all(_number(v) for v in position):
            raise InvalidGeometry(
                f"coordinates must be finite numbers, got {position[:3]!r}"[:200], field=field
            )


def geometry_from_geojson(
    geometry: dict[str, Any], *, field: str, epsg: int = WGS84, types: tuple[str, ...] = ()
) -> BaseGeometry:
    """A valid, non-empty, 2D shapely geometry in WGS84 from a GeoJSON geometry in ``epsg``.

    A third coordinate (height, as GIS exports often write it) is accepted and dropped: the
    register is 2D, and PostGIS refuses a 3D value in a 2D column."""
    if types and geometry.get("type") not in types:
        raise InvalidGeometry(
            f"geometry type must be {' or '.join(types)}, got {geometry.get('type')!r}", field=field
        )
    check_finite(geometry, field)
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        raise InvalidGeometry(f"not a GeoJSON geometry: {exc}", field=field) from exc
    if geom.is_empty:
        raise InvalidGeometry("geometry is empty", field=field)
    if geom.has_z:
        geom = shapely.force_2d(geom)
    if not geom.is_valid:
        raise InvalidGeometry(f"invalid geometry: {explain_validity(geom)}", field=field)
    geom = transform(geom, epsg, WGS84)
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidGeometry(
            f"coordinates out of range for EPSG:{epsg} (lon/lat order expected for EPSG:4326)",
            field=field,
        )
    return geom


def as_multipolygon(geom: BaseGeometry) -> shapely.MultiPolygon:
    if isinstance(geom, shapely.MultiPolygon):
        return geom
    if isinstance(geom, shapely.Polygon):
        return shapely.MultiPolygon([geom])
    raise InvalidGeometry(f"expected a Polygon or MultiPolygon, got {geom.geom_type}")


def to_geojson(geom: BaseGeometry | None) -> dict[str, Any] | None:
    """A plain-JSON GeoJSON geometry (lists, not tuples), or None."""
    return None if geom is None else json.loads(shapely.to_geojson(geom))


def parse_bbox(value: str, field: str = "bbox",
               epsg: int = WGS84) -> tuple[float, float, float, float]:
    """``minx,miny,maxx,maxy`` (lon/lat in WGS84, or metres etc. in ``epsg``), checked for order
    and range; returned in WGS84."""
    try:
        parts = [float(part) for part in value.split(",")]
    except ValueError as exc:
        raise BadRequest(f"{field} must be four numbers minx,miny,maxx,maxy", field=field) from exc
    if len(parts) != 4 or not all(math.isfinite(v) for v in parts):
        raise BadRequest(f"{field} must be four finite numbers minx,miny,maxx,maxy", field=field)
    minx, miny, maxx, maxy = parts
    if minx > maxx or miny > maxy:
        raise BadRequest(f"{field} is inverted: min must not exceed max", field=field)
    if epsg != WGS84:
        bounds = transformer(epsg).transform_bounds(minx, miny, maxx, maxy)
        if not all(math.isfinite(v) for v in bounds):
            raise BadRequest(f"{field} is outside the area of EPSG:{epsg}", field=field)
        return bounds
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise BadRequest(f"{field} is outside lon -180..180 / lat -90..90", field=field)
    return minx, miny, maxx, maxy


# Thuringia's extent (lon 9.88–12.65, lat 50.20–51.65), rounded outwards: a cheap check that a
# point from a map tap or a typed coordinate is in the state the register serves
THURINGIA_BBOX = (9.8, 50.2, 12.7, 51.7)


def in_thuringia(lon: float, lat: float) -> bool:
    minx, miny, maxx, maxy = THURINGIA_BBOX
    return minx <= lon <= maxx and miny <= lat <= maxy


# ETRS89 / UTM 32N: a Rechtswert has 6 digits, a Hochwert 7 (Thuringia: about 560,000–770,000
# east, 5,560,000–5,730,000 north); swapped inputs are the common slip when copying from a GIS
UTM_EASTING_RANGE = (100_000.0, 900_000.0)
UTM_NORTHING_RANGE = (5_000_000.0, 6_500_000.0)


def point_to_wgs84(x: float, y: float, epsg: int) -> tuple[float, float]:
    """(lon, lat) of a typed coordinate pair, which must lie in Thuringia; a UTM pair outside
    the zone's plausible ranges is named by the field in error."""
    if not (math.isfinite(x) and math.isfinite(y)):
        raise InvalidInput("coordinates must be finite numbers", field="x")
    if epsg == UTM32:
        lo_e, hi_e = UTM_EASTING_RANGE
        lo_n, hi_n = UTM_NORTHING_RANGE
        if lo_n <= x <= hi_n and lo_e <= y <= hi_e:
            raise InvalidInput("x and y look swapped (easting has 6 digits, northing 7)", field="x")
        if not lo_e <= x <= hi_e:
            raise InvalidInput(f"easting {x} outside the range of UTM zone 32N "
                               f"({lo_e:.0f}–{hi_e:.0f})", field="x")
        if not lo_n <= y <= hi_n:
            raise InvalidInput(f"northing {y} outside the range of UTM zone 32N in Germany "
                               f"({lo_n:.0f}–{hi_n:.0f})", field="y")
    lon, lat = transformer(epsg).transform(x, y)
    if not (math.isfinite(lon) and math.isfinite(lat) and in_thuringia(lon, lat)):
        raise InvalidInput(f"the point ({x}, {y}) in EPSG:{epsg} lies outside Thuringia", field="x")
    return lon, lat
