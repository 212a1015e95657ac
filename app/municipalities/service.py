"""Municipalities: lookup, GeoJSON output built in PostGIS, the core area."""

from __future__ import annotations

import json
from typing import Any

from geoalchemy2.shape import from_shape
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app import geo
from app.accounts import policy
from app.accounts.principal import Principal
from app.errors import Forbidden, InvalidGeometry, InvalidInput, NotFound
from app.municipalities.models import Municipality

# boundaries may be generalised (VG250 is 1:250,000); a drawn core area may cross them slightly
CORE_AREA_TOLERANCE_M = 100


def get_by_ags(*, session: Session, ags: str, field: str = "ags",
               referenced: bool = False) -> Municipality:
    """The municipality with this AGS. Unknown: 404 where the AGS names the resource (a path),
    422 where a request only refers to it (``referenced``: a body field or a query filter)."""
    municipality = session.scalar(select(Municipality).where(Municipality.ags == ags))
    if municipality is None:
        if referenced:
            raise InvalidInput(f"unknown municipality AGS {ags}", field=field)
        raise NotFound(f"no municipality with AGS {ags}", field=field)
    return municipality


def containing_sql(point: str) -> str:
    """SQL for "Name (AGS …)" of the municipality a point (SQL expression, WGS84) lies in."""
    return (f"(SELECT o.name || ' (AGS ' || o.ags || ')' FROM municipality o "
            f"WHERE ST_Covers(o.boundary, {point}) LIMIT 1)")


def outside_message(*, lon: float, lat: float, town: Municipality, containing: str | None,
                    swapped: bool = False) -> str:
    """The one explanation of a point outside its town: where it lies instead."""
    if swapped:
        hint = "longitude and latitude look swapped (GeoJSON wants [lon, lat])"
    elif containing:
        hint = f"it lies in {containing}"
    else:
        hint = "it lies outside every municipality in the register"
    return f"point [{lon:.6f}, {lat:.6f}] is outside {town.name} (AGS {town.ags}): {hint}"


_PROPERTIES = """
    'ags', m.ags, 'name', m.name, 'population', m.population,
    'has_core_area', m.core_area IS NOT NULL, 'stale_after_days', m.stale_after_days,
    'public_contact', m.public_contact, 'require_owner_consent', m.require_owner_consent
"""


def _like_literal(value: str) -> str:
    """``value`` matched literally by LIKE/ILIKE (default escape character: backslash)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_geojson(
    *, session: Session, q: str | None, with_boundary: bool, limit: int, offset: int
) -> dict[str, Any]:
    """Municipalities as a FeatureCollection: centre points, or simplified boundaries."""
    geometry = (
        "ST_AsGeoJSON(ST_SimplifyPreserveTopology(m.boundary, 0.0005), 5)::json"
        if with_boundary else "ST_AsGeoJSON(m.centre, 6)::json"
    )
    where = "WHERE m.name ILIKE :q" if q else ""
    params = {"q": f"%{_like_literal(q)}%" if q else None, "limit": limit, "offset": offset}
    matched = session.execute(text(f"SELECT count(*) FROM municipality m {where}"), params).scalar()
    features = session.execute(text(f"""
        SELECT coalesce(json_agg(page.feature ORDER BY page.ags), '[]')::text FROM (
            SELECT m.ags, json_build_object('type', 'Feature', 'id', m.ags,
                'geometry', {geometry}, 'properties', json_build_object({_PROPERTIES})) AS feature
            FROM municipality m {where} ORDER BY m.ags LIMIT :limit OFFSET :offset) page
    """), params).scalar_one()
    features = json.loads(features)
    return {
        "type": "FeatureCollection", "numberMatched": matched,
        "numberReturned": len(features), "features": features,
    }


def feature(*, session: Session, ags: str) -> dict[str, Any]:
    """One municipality with its boundary as geometry and core area and centre as properties."""
    row = session.execute(text(f"""
        SELECT json_build_object('type', 'Feature', 'id', m.ags,
            'geometry', ST_AsGeoJSON(m.boundary, 6)::json,
            'properties', json_build_object({_PROPERTIES},
                'centre', ST_AsGeoJSON(m.centre, 6)::json,
                'core_area', ST_AsGeoJSON(m.core_area, 7)::json))::text
        FROM municipality m WHERE m.ags = :ags
    """), {"ags": ags}).scalar()
    if row is None:
        raise NotFound(f"no municipality with AGS {ags}", field="ags")
    return json.loads(row)


def set_core_area(
    *, session: Session, ags: str, geometry: dict[str, Any] | None, epsg: int, actor: Principal
) -> Municipality:
    municipality = get_by_ags(session=session, ags=ags)
    if not policy.may_edit(actor, municipality.id):
        raise Forbidden(f"only staff of {municipality.name} may change its core area")
    if geometry is None:
        municipality.core_area = None
        return municipality
    geom = geo.as_multipolygon(geo.geometry_from_geojson(
        geometry, field="geometry", epsg=epsg, types=("Polygon", "MultiPolygon")
    ))
    inside = session.execute(text("""
        SELECT ST_CoveredBy(ST_Transform(ST_GeomFromText(:wkt, 4326), 25832),
                            ST_Buffer(ST_Transform(boundary, 25832), :tolerance))
        FROM municipality WHERE id = :id
    """), {"wkt": geom.wkt, "tolerance": CORE_AREA_TOLERANCE_M, "id": municipality.id}).scalar()
    if not inside:
        raise InvalidGeometry(
            f"the core area must lie inside the boundary of {municipality.name}", field="geometry"
        )
    municipality.core_area = from_shape(geom, srid=geo.WGS84, extended=True)
    return municipality


def update_settings(*, session: Session, ags: str, changes: dict[str, Any], actor: Principal) -> None:
    """Staff of the town (or admins) set the town's own settings; only the keys given change."""
    municipality = get_by_ags(session=session, ags=ags)
    if not policy.may_edit(actor, municipality.id):
        raise Forbidden(f"only staff of {municipality.name} change its settings", field="ags")
    for key, value in changes.items():
        setattr(municipality, key, value)
    session.flush()
