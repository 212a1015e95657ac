"""GET /api/v1/statistics/municipalities: counts per town for the overview."""

from __future__ import annotations

import pytest

from tests.helpers.towns import JENA, SCHMALKALDEN, SCHMOELLN
from tests.helpers.users import bearer
from tests.helpers.vacancies import feature

URL = "/api/v1/statistics/municipalities"


@pytest.fixture
def register(client, users):
    """Schmölln: 2 vacant, 1 threatened, 1 reused, 1 withdrawn; Jena: 1 vacant."""
    staff = bearer(users.token("staff", SCHMOELLN))
    created = []
    for status in ("vacant", "vacant", "threatened", "vacant", "vacant"):
        response = client.post("/api/v1/vacancies", headers=staff,
                               json=feature(SCHMOELLN, status=status, owner_contact="o@private.de"))
        assert response.status_code == 201, response.text
        created.append(response.json())
    for vacancy, status in ((created[3], "reused"), (created[4], "withdrawn")):
        response = client.patch(f"/api/v1/vacancies/{vacancy['id']}", headers={**staff, "If-Match": '"1"'},
                                json={"properties": {"status": status}})
        assert response.status_code == 200, response.text
    response = client.post("/api/v1/vacancies", headers=bearer(users.token("staff", JENA)),
                           json=feature(JENA))
    assert response.status_code == 201
    return created


def _by_ags(body):
    return {f["id"]: f["properties"] for f in body["features"]}


def test_counts_and_rate_per_10000_for_the_public(client, register, session):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    towns = _by_ags(response.json())
    assert set(towns) == {SCHMOELLN, JENA}  # towns without vacancies are left out
    schmoelln = towns[SCHMOELLN]
    assert schmoelln["counts"] == {"vacant": 2, "threatened": 1, "reused": 1}  # no withdrawn
    assert (schmoelln["total"], schmoelln["active"]) == (4, 3)
    assert schmoelln["active_per_10000"] == round(3 * 10000 / schmoelln["population"], 2)
    assert schmoelln["name"] == "Schmölln"
    assert response.json()["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert "private" not in response.text and "owner_contact" not in response.text


def test_working_group_counts_every_status(client, register, users):
    towns = _by_ags(client.get(URL, headers=bearer(users.token("working_group"))).json())
    assert towns[SCHMOELLN]["counts"] == {"vacant": 2, "threatened": 1, "reused": 1, "withdrawn": 1}
    assert towns[SCHMOELLN]["active"] == 3


def test_staff_see_hidden_statuses_of_their_own_town_only(client, register, users):
    response = client.get(URL, headers=bearer(users.token("staff", JENA)))
    assert "withdrawn" not in _by_ags(response.json())[SCHMOELLN]["counts"]
    response = client.get(URL, headers=bearer(users.token("staff", SCHMOELLN)))
    assert _by_ags(response.json())[SCHMOELLN]["counts"]["withdrawn"] == 1


def test_without_geometry_and_bad_parameters(client, register):
    body = client.get(URL, params={"geometry": "none"}).json()
    assert all(f["geometry"] is None for f in body["features"])
    response = client.get(URL, params={"geometry": "<script>"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "geometry"]


def test_empty_register(client):
    body = client.get(URL).json()
    assert body == {"type": "FeatureCollection", "numberReturned": 0, "features": []}
    assert SCHMALKALDEN not in str(body)
