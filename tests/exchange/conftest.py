"""Fixtures for the exchange tests: a few vacancies in two towns, created through the API."""

from __future__ import annotations

import pytest

from tests.helpers.towns import CENTRES, JENA, SCHMOELLN
from tests.helpers.users import bearer
from tests.helpers.vacancies import feature


@pytest.fixture
def staff_jena(users):
    return bearer(users.token("staff", JENA))


@pytest.fixture
def working_group(users):
    return bearer(users.token("working_group"))


@pytest.fixture
def register(client, staff, staff_jena):
    """Three vacancies in Schmölln (one with private data and a script tag), one in Jena, and
    one unpublished (withdrawn) in Schmölln."""
    made = []
    lon, lat = CENTRES[SCHMOELLN]
    bodies = [
        (staff, feature(SCHMOELLN, lon + 0.0005, lat + 0.0003, external_id="S-1",
                        owner_contact="Frau Geheim, 0365 111", internal_notes="Notiz intern",
                        description="<script>alert(1)</script> Laden", has_wc=True)),
        (staff, feature(SCHMOELLN, lon - 0.0004, lat + 0.0002, external_id="S-2",
                        status="threatened", floor_area_m2=120.5, vacant_since="2024-03-01")),
        (staff, feature(SCHMOELLN, lon + 0.0002, lat - 0.0004, external_id="S-3",
                        description="=HYPERLINK(\"http://x\")")),
        (staff_jena, feature(JENA, external_id="J-1", owner_contact="Herr Jena, 03641 1")),
    ]
    for headers, body in bodies:
        response = client.post("/api/v1/vacancies", json=body, headers=headers)
        assert response.status_code == 201, response.text
        made.append(response.json())
    withdrawn = made[2]
    response = client.patch(f"/api/v1/vacancies/{withdrawn['id']}", headers={**staff, "If-Match": '"1"'},
                            json={"properties": {"status": "withdrawn"}})
    assert response.status_code == 200, response.text
    return made
