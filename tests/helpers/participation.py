"""Builders shared by the participation tests (reports, proposals, matching, review)."""

from __future__ import annotations

from typing import Any

from tests.helpers.towns import CENTRES, SCHMOELLN
from tests.helpers.users import bearer
from tests.helpers.vacancies import feature

SECRET_EMAIL = "erika.mustermann@example.org"


def point(ags: str = SCHMOELLN, dlon: float = 0.0, dlat: float = 0.0) -> dict[str, Any]:
    lon, lat = CENTRES[ags]
    return {"type": "Point", "coordinates": [lon + dlon, lat + dlat]}


def report_body(ags: str = SCHMOELLN, dlon: float = 0.001, dlat: float = 0.0,
                **fields: Any) -> dict[str, Any]:
    body = {"location": point(ags, dlon, dlat), "address": "Markt 5",
            "description": "Seit Monaten leer, Schaufenster zugeklebt", **fields}
    return body


def proposal_body(**fields: Any) -> dict[str, Any]:
    body = {"title": "Repair-Café", "description": "Wir reparieren gemeinsam Dinge.",
            "category": "social", "min_area_m2": 40, "max_area_m2": 150,
            "needs_ground_floor": True, "duration": "interim", "max_rent_eur_m2": 8}
    body.update(fields)
    return body


def new_vacancy(client, token: str, ags: str = SCHMOELLN, dlon: float = 0.0005,
                dlat: float = 0.0003, **props: Any) -> int:
    lon, lat = CENTRES[ags]
    response = client.post("/api/v1/vacancies", json=feature(ags, lon + dlon, lat + dlat, **props),
                           headers=bearer(token))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def submit(client, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/v1/proposals", json=proposal_body(**fields))
    assert response.status_code == 201, response.text
    return response.json()


def published(client, token: str, **fields: Any) -> dict[str, Any]:
    created = submit(client, **fields)
    response = client.post(f"/api/v1/proposals/{created['id']}/publish", headers=bearer(token))
    assert response.status_code == 200, response.text
    return {**response.json(), "status_url": created["status_url"]}
