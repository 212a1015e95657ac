"""The list's filters of the whole-town list (floor area, floor, step-free, recommendation) and
its sorts (address, floor area, vacant since), with every bad input they refuse."""

import pytest

from tests.helpers.towns import CENTRES, JENA, SCHMOELLN
from tests.helpers.users import bearer
from tests.helpers.vacancies import feature, full_feature

URL = "/api/v1/vacancies"
SHOPS = [  # street, house number, area, floor, step-free, vacant since
    ("Beispielgasse", "10", 40, "ground", True, "2024-03-01"),
    ("Beispielgasse", "9", 250, "upper", False, "2021-06-15"),
    ("Am Markt", "2", 120, "ground", None, None),
    ("Zwingerstraße", "1a", None, "basement", True, "2023-01-10"),
]


@pytest.fixture
def shops(client, users) -> dict[str, int]:
    """The four shops in Schmölln (and one in Jena that no Schmölln filter may return)."""
    headers = bearer(users.token("staff", SCHMOELLN))
    ids = {}
    for i, (street, number, area, floor, step_free, since) in enumerate(SHOPS):
        props = {"street": street, "house_number": number, "floor_area_m2": area, "floor": floor,
                 "step_free": step_free, "vacant_since": since}
        body = feature(SCHMOELLN, lon=CENTRES[SCHMOELLN][0] + i * 0.0002,
                       **{k: v for k, v in props.items() if v is not None})
        if area is None:
            body["properties"].pop("floor_area_m2")
        response = client.post(URL, json=body, headers=headers)
        assert response.status_code == 201, response.text
        ids[f"{street} {number}"] = response.json()["id"]
    jena = client.post(URL, json=feature(JENA, floor_area_m2=100, step_free=True),
                       headers=bearer(users.token("staff", JENA)))
    assert jena.status_code == 201, jena.text
    return ids


def _addresses(client, **params) -> list[str]:
    body = client.get(URL, params={"municipality": SCHMOELLN, **params}).json()
    assert body["numberMatched"] == len(body["features"]), body
    return [f"{f['properties']['street']} {f['properties']['house_number']}"
            for f in body["features"]]


def test_floor_area_range(client, shops):
    assert sorted(_addresses(client, min_area_m2=100)) == ["Am Markt 2", "Beispielgasse 9"]
    assert _addresses(client, max_area_m2=50) == ["Beispielgasse 10"]
    assert _addresses(client, min_area_m2=120, max_area_m2=120) == ["Am Markt 2"]
    assert _addresses(client, min_area_m2=40.5, max_area_m2=249.9) == ["Am Markt 2"]


def test_floor_step_free_and_both(client, shops):
    assert sorted(_addresses(client, floor="ground")) == ["Am Markt 2", "Beispielgasse 10"]
    assert sorted(_addresses(client, floor="upper,basement")) == ["Beispielgasse 9",
                                                                  "Zwingerstraße 1a"]
    assert sorted(_addresses(client, step_free="true")) == ["Beispielgasse 10", "Zwingerstraße 1a"]
    assert _addresses(client, step_free="false") == ["Beispielgasse 9"]
    assert _addresses(client, step_free="true", floor="ground") == ["Beispielgasse 10"]
    assert _addresses(client, step_free="true", floor="ground", max_area_m2=30) == []


def test_recommendation(client, users, shops):
    # a shop with every fact gets a recommendation; the sparse ones have too little data
    full = client.post(URL, json=full_feature(SCHMOELLN, dx=-0.0004),
                       headers=bearer(users.token("staff", SCHMOELLN)))
    assert full.status_code == 201, full.text
    every = client.get(URL, params={"municipality": SCHMOELLN}).json()["features"]
    by_recommendation: dict[str, set[int]] = {}
    for f in every:
        by_recommendation.setdefault(f["properties"]["scores"]["recommendation"], set()).add(f["id"])
    assert len(by_recommendation) >= 2, "the shops must differ for the filter to show anything"
    for recommendation, ids in by_recommendation.items():
        got = client.get(URL, params={"municipality": SCHMOELLN, "recommendation": recommendation})
        assert {f["id"] for f in got.json()["features"]} == ids, recommendation
    both = ",".join(by_recommendation)
    assert client.get(URL, params={"municipality": SCHMOELLN, "recommendation": both}
                      ).json()["numberMatched"] == len(every)


def test_sorts(client, shops):
    # the house number counts as a number: 9 before 10; case does not matter
    assert _addresses(client, sort="address") == [
        "Am Markt 2", "Beispielgasse 9", "Beispielgasse 10", "Zwingerstraße 1a"]
    # without the key last either way
    assert _addresses(client, sort="floor_area") == [
        "Beispielgasse 10", "Am Markt 2", "Beispielgasse 9", "Zwingerstraße 1a"]
    assert _addresses(client, sort="-floor_area") == [
        "Beispielgasse 9", "Am Markt 2", "Beispielgasse 10", "Zwingerstraße 1a"]
    assert _addresses(client, sort="vacant_since") == [
        "Beispielgasse 9", "Zwingerstraße 1a", "Beispielgasse 10", "Am Markt 2"]
    assert _addresses(client, sort="-vacant_since") == [
        "Beispielgasse 10", "Zwingerstraße 1a", "Beispielgasse 9", "Am Markt 2"]
    # paging keeps the order
    pages = [client.get(URL, params={"municipality": SCHMOELLN, "sort": "address", "limit": 2,
                                     "offset": offset}).json() for offset in (0, 2)]
    assert [p["numberMatched"] for p in pages] == [4, 4]
    assert [f["properties"]["house_number"] for p in pages for f in p["features"]] == [
        "2", "9", "10", "1a"]


@pytest.mark.parametrize("params, field", [
    ({"min_area_m2": "viel"}, "min_area_m2"),
    ({"min_area_m2": "100,5"}, "min_area_m2"),
    ({"max_area_m2": "-1"}, "max_area_m2"),
    ({"max_area_m2": "1e9"}, "max_area_m2"),
    ({"min_area_m2": "nan"}, "min_area_m2"),
    ({"max_area_m2": "inf"}, "max_area_m2"),
    ({"min_area_m2": "200", "max_area_m2": "100"}, "max_area_m2"),
    ({"floor": "dachboden"}, "floor"),
    ({"floor": "ground,Ground"}, "floor"),
    ({"step_free": "vielleicht"}, "step_free"),
    ({"recommendation": "abriss"}, "recommendation"),
    ({"recommendation": "interim\x00"}, "recommendation"),
    ({"floor": "ground\x00"}, "floor"),
    ({"sort": "adresse"}, "sort"),
    ({"sort": "address; DROP TABLE vacancy"}, "sort"),
])
def test_bad_filters_are_422_naming_the_field(client, shops, params, field):
    response = client.get(URL, params={"municipality": SCHMOELLN, **params})
    assert response.status_code == 422, response.text
    body = response.json()
    named = body.get("field") or ".".join(str(p) for p in body["errors"][0]["loc"])
    assert named.endswith(field), body


@pytest.mark.parametrize("offset, status", [(10_000_000, 200), (10_000_001, 422),
                                            (2**63, 422), ("1e3", 422)])
def test_huge_offsets(client, shops, offset, status):
    response = client.get(URL, params={"municipality": SCHMOELLN, "sort": "address",
                                       "offset": offset})
    assert response.status_code == status, response.text
    if status == 200:
        assert response.json()["features"] == [] and response.json()["numberMatched"] == 4
