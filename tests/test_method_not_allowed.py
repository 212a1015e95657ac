"""A 405 names in ``Allow`` every method the path takes (RFC 9110 §15.5.6), also where a path
has one route per method and under a path parameter, in JSON and on the German pages."""

from __future__ import annotations

import pytest

from tests.helpers.towns import SCHMOELLN


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("DELETE", "/api/v1/vacancies", "GET, POST"),
    ("PUT", "/api/v1/vacancies/5", "GET, PATCH"),  # two routes, one per method
    ("DELETE", "/api/v1/vacancies/not-a-number", "GET, PATCH"),
    ("GET", "/api/v1/proposals/7/publish", "POST"),
    ("POST", f"/api/v1/municipalities/{SCHMOELLN}/scoring-profile", "GET, PUT"),
    ("DELETE", "/api/v1/proposals/status/" + "t" * 32, "GET"),
    ("PATCH", "/ogc/collections/vacancies/items", "GET"),
    ("GET", "/abmelden", "POST"),
    ("POST", "/static/app/site.css", "GET, HEAD"),
])
def test_405_lists_the_methods_of_the_path(client, method, path, allow):
    response = client.request(method, path, headers={"Accept": "application/json"})
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json()["code"] == "http_error"


def test_405_page_in_german_has_allow_too(client):
    response = client.post(f"/karte/{SCHMOELLN}", headers={"Accept": "text/html"})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert "Nicht erlaubt" in response.text
