"""GET /api/v1/addresses (fuzzy search) and /api/v1/addresses/nearest (reverse lookup)."""

import pytest

from tests.helpers.addresses import add_addresses
from tests.helpers.towns import CENTRES, JENA, SCHMOELLN

SEARCH, NEAREST = "/api/v1/addresses", "/api/v1/addresses/nearest"


@pytest.fixture
def streets(session):
    add_addresses(session, SCHMOELLN, ("Musterstraße", "3", "04626"), ("Musterstraße", "4"),
                  ("Musterstraße", "30"), ("Am Brühl", "7"), ("Markt", "12"), ("Markt", "1"),
                  ("Am Markt", "1"), ("Marktgasse", "1"), ("Beispielgasse", "2"))
    add_addresses(session, JENA, ("Musterstraße", "3"), ("Jenaer Weg", "5"))


def _labels(response) -> list[str]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    body = response.json()
    assert body["type"] == "FeatureCollection"
    return [f["properties"]["label"] for f in body["features"]]


@pytest.mark.parametrize("q", ["Musterstr. 3", "musterstrasse 3", "Musterstraße 3",
                               "MUSTERSTR 3", "Mustrstraße 3", "Musterstrase 3"])
def test_spellings_and_a_typo_find_the_address_first(client, streets, q):
    labels = _labels(client.get(SEARCH, params={"q": q, "municipality": SCHMOELLN}))
    assert labels[0] == "Musterstraße 3, 04626 Schmölln"


@pytest.mark.parametrize("q", ["Am Brühl", "am bruehl", "Am Bruhl 7"])
def test_umlaut_variants(client, streets, q):
    labels = _labels(client.get(SEARCH, params={"q": q, "municipality": SCHMOELLN}))
    assert labels[0] == "Am Brühl 7, Schmölln"


def test_house_number_ranks_exact_then_prefix(client, streets):
    labels = _labels(client.get(SEARCH, params={"q": "markt 1", "municipality": SCHMOELLN}))
    assert labels[0] == "Markt 1, Schmölln"
    assert labels.index("Markt 1, Schmölln") < labels.index("Markt 12, Schmölln")
    musters = _labels(client.get(SEARCH, params={"q": "Musterstraße 3", "municipality": SCHMOELLN}))
    assert musters[:3] == ["Musterstraße 3, 04626 Schmölln", "Musterstraße 30, Schmölln",
                           "Musterstraße 4, Schmölln"]


def test_a_number_alone_searches_the_town_only(client, streets):
    labels = _labels(client.get(SEARCH, params={"q": "12", "municipality": SCHMOELLN}))
    assert labels == ["Markt 12, Schmölln"]
    assert _labels(client.get(SEARCH, params={"q": "12"})) == []


def test_feature_shape(client, streets):
    body = client.get(SEARCH, params={"q": "Beispielgasse 2", "limit": 1}).json()
    (feature,) = body["features"]
    assert isinstance(feature["id"], int) and feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "Point"
    lon, lat = feature["geometry"]["coordinates"]
    assert abs(lat - CENTRES[SCHMOELLN][1]) < 1e-6
    assert feature["properties"] == {
        "street": "Beispielgasse", "house_number": "2", "postcode": None,
        "municipality": SCHMOELLN, "municipality_name": "Schmölln",
        "label": "Beispielgasse 2, Schmölln"}


def test_municipality_filter(client, streets):
    everywhere = _labels(client.get(SEARCH, params={"q": "Musterstraße 3"}))
    assert "Musterstraße 3, Jena" in everywhere
    in_jena = _labels(client.get(SEARCH, params={"q": "Musterstraße", "municipality": JENA}))
    assert in_jena == ["Musterstraße 3, Jena"]
    assert _labels(client.get(SEARCH, params={"q": "Jenaer Weg", "municipality": SCHMOELLN})) == []


def test_limit(client, streets):
    assert len(_labels(client.get(SEARCH, params={"q": "Musterstraße", "limit": 2}))) == 2
    for bad in (0, 51, "x"):
        assert client.get(SEARCH, params={"q": "Markt", "limit": bad}).status_code == 422


@pytest.mark.parametrize("q", ["%%", "__", "%_", "%%%%%%%%", "____"])
def test_percent_and_underscore_are_no_wildcards(client, streets, q):
    assert _labels(client.get(SEARCH, params={"q": q, "municipality": SCHMOELLN})) == []


def test_percent_inside_a_query_is_punctuation(client, streets):
    labels = _labels(client.get(SEARCH, params={"q": "Beispiel%gasse", "municipality": SCHMOELLN}))
    assert "Musterstraße 3, 04626 Schmölln" not in labels


@pytest.mark.parametrize("q", ["a", " a ", "", "x" * 201, "x" * 10_000, "Muster\x00straße",
                               "\x00\x00"])
def test_bad_queries_are_422(client, streets, q):
    response = client.get(SEARCH, params={"q": q})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] in ("invalid_input", "validation_error")


def test_missing_query_is_422(client):
    assert client.get(SEARCH).status_code == 422


def test_municipality_malformed_422_unknown_404(client, streets):
    for bad in ("1607704", "160770431", "abcdefgh", "16077043\x00"):
        assert client.get(SEARCH, params={"q": "Markt", "municipality": bad}).status_code == 422
    response = client.get(SEARCH, params={"q": "Markt", "municipality": "16999999"})
    assert response.status_code == 404 and response.json()["code"] == "not_found"


# --- nearest -----------------------------------------------------------------------------------

def test_nearest_finds_the_closest_with_its_distance(client, session):
    # 10 m steps east of the centre: the 3rd address is ~20 m east
    add_addresses(session, SCHMOELLN, ("Musterstraße", "1"), ("Musterstraße", "2"),
                  ("Musterstraße", "3"), east_m=100)
    lon, lat = CENTRES[SCHMOELLN]
    response = client.get(NEAREST, params={"lon": lon + 121 / 70_000, "lat": lat})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    feature = response.json()
    assert feature["properties"]["label"] == "Musterstraße 3, Schmölln"
    assert 0 < feature["properties"]["distance_m"] < 2


def test_nearest_none_within_distance_is_404(client, session):
    add_addresses(session, SCHMOELLN, ("Musterstraße", "1"), east_m=300)
    lon, lat = CENTRES[SCHMOELLN]
    response = client.get(NEAREST, params={"lon": lon, "lat": lat})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    found = client.get(NEAREST, params={"lon": lon, "lat": lat, "max_distance_m": 500})
    assert found.status_code == 200 and 200 < found.json()["properties"]["distance_m"] < 500


def test_nearest_municipality_filter(client, session):
    add_addresses(session, SCHMOELLN, ("Musterstraße", "1"))
    lon, lat = CENTRES[SCHMOELLN]
    assert client.get(NEAREST, params={"lon": lon, "lat": lat,
                                       "municipality": JENA}).status_code == 404
    assert client.get(NEAREST, params={"lon": lon, "lat": lat,
                                       "municipality": SCHMOELLN}).status_code == 200
    assert client.get(NEAREST, params={"lon": lon, "lat": lat,
                                       "municipality": "16999999"}).status_code == 404


@pytest.mark.parametrize("params", [
    {"lon": 13.4, "lat": 52.5},  # Berlin
    {"lon": 50.9, "lat": 12.3},  # swapped
    {"lon": 200, "lat": 50.9}, {"lon": "nan", "lat": 50.9}, {"lon": "inf", "lat": 50.9},
    {"lon": "12.3,50.9,300", "lat": 50.9}, {"lon": "12.3\x00", "lat": 50.9}, {"lat": 50.9},
    {"lon": 12.35, "lat": 50.9, "max_distance_m": 501},
    {"lon": 12.35, "lat": 50.9, "max_distance_m": 0},
    {"lon": 12.35, "lat": 50.9, "max_distance_m": "inf"},
    {"lon": 12.35, "lat": 50.9, "municipality": "123"},
])
def test_nearest_bad_input_is_422(client, params):
    response = client.get(NEAREST, params=params)
    assert response.status_code == 422, response.text


def test_nearest_outside_thuringia_says_so(client):
    body = client.get(NEAREST, params={"lon": 13.4, "lat": 52.5}).json()
    assert body["code"] == "invalid_input" and "outside Thuringia" in body["detail"]
