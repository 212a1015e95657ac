"""What the map pages need from the database besides the API: the town and its extent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.errors import NotFound

# around the core area, so the shops on its edge are in view
CORE_MARGIN_M = 250


def map_extent(*, session: Session, ags: str) -> dict[str, Any]:
    """Id, name and the extent to show first: the core area if drawn, else the whole town."""
    row = session.execute(text("""
        SELECT m.id, m.name, ST_XMin(e) AS minx, ST_YMin(e) AS miny, ST_XMax(e) AS maxx,
               ST_YMax(e) AS maxy
        FROM municipality m,
             LATERAL (SELECT Box2D(coalesce(
                 ST_Transform(ST_Buffer(ST_Transform(m.core_area, 25832), :margin), 4326),
                 m.boundary)) AS e) box
        WHERE m.ags = :ags
    """), {"ags": ags, "margin": CORE_MARGIN_M}).mappings().first()
    if row is None:
        raise NotFound(f"no municipality with AGS {ags}", field="ags")
    return {"id": row["id"], "ags": ags, "name": row["name"],
            "bounds": (row["minx"], row["miny"], row["maxx"], row["maxy"])}
