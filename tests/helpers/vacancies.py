"""Vacancy Features for request bodies, and creating them through the API."""

from __future__ import annotations

from typing import Any

from tests.helpers.towns import CENTRES, SCHMOELLN

VACANCIES = "/api/v1/vacancies"


def feature(ags: str = SCHMOELLN, lon: float | None = None, lat: float | None = None,
            **properties: Any) -> dict[str, Any]:
    """A valid vacancy Feature near the town centre, with the given properties."""
    centre = CENTRES[ags]
    props = {"municipality": ags, "street": "Musterstraße", "house_number": "3",
             "floor_area_m2": 85, "floor": "ground", "status": "vacant", **properties}
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon or centre[0] + 0.0005,
                                                      lat or centre[1] + 0.0003]},
        "properties": props,
    }


def full_feature(ags: str = SCHMOELLN, dx: float = 0.0005, dy: float = 0.0003,
                 **props: Any) -> dict[str, Any]:
    """A vacancy with every record fact filled in, dx/dy degrees from the town centre."""
    lon, lat = CENTRES[ags]
    values = {
        "floor_area_m2": 90, "floor": "ground", "shop_window_m": 6, "condition": "ready",
        "has_wc": True, "has_heating": True, "step_free": True, "owner_interim_willing": "yes",
        "asking_rent_eur_m2": 7.5, "vacant_since": "2025-01-15",
        "owner_contact": "Frau Geheim, geheim@example.org", "internal_notes": "intern: Erbstreit",
        **props,
    }
    return feature(ags, lon=lon + dx, lat=lat + dy, **values)


def create(client, headers, body) -> dict[str, Any]:
    response = client.post(VACANCIES, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def insert_many(database_url: str, count: int, ags: str = SCHMOELLN) -> None:
    """``count`` published vacancies at the town centre, written straight into the table (for
    exports big enough to be streamed in many chunks)."""
    from sqlalchemy import text

    from app.database import make_engine

    lon, lat = CENTRES[ags]
    with make_engine(database_url).begin() as conn:
        conn.execute(text("""
            INSERT INTO vacancy (municipality_id, location, street, house_number, status,
                                 description, external_id)
            SELECT m.id, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'Markt', '1', 'vacant',
                   'Ladenlokal mit Schaufenster, gut erreichbar.', 'M-' || n
            FROM municipality m, generate_series(1, :count) n WHERE m.ags = :ags
        """), {"lon": lon, "lat": lat, "count": count, "ags": ags})
