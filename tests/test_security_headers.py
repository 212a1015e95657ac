"""Every answer carries the security headers: JSON, GeoJSON, pages, static files, errors."""

from __future__ import annotations

import pytest

HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "same-origin",
           "x-frame-options": "DENY"}


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/api/v1/vacancies?bbox=12.3,50.8,12.4,50.9", 200),
    ("GET", "/api/v1/labels", 200),
    ("GET", "/", 200),
    ("GET", "/static/app/site.css", 200),
    ("GET", "/api/v1/vacancies/999999", 404),
    ("GET", "/api/v1/vacancies?bbox=1,2,3", 400),
    ("POST", "/api/v1/reports", 415),  # refused by the body guard before any route runs
    ("GET", "/healthz", 200),
    ("GET", "/readyz", 200),
    ("GET", "/metrics", 404),  # the test client is not on loopback
])
def test_security_headers_on_every_kind_of_answer(client, method, path, status):
    response = client.request(method, path, content=b"x" if method == "POST" else None,
                              headers={"content-type": "text/plain"} if method == "POST" else {})
    assert response.status_code == status
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (path, name)
    assert len(response.headers.get_list("x-frame-options")) == 1
