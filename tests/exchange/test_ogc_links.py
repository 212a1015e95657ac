"""The OGC API's absolute links come from LEERSTAND_PUBLIC_URL, never from the Host header a
client sends; unset, from the address the server listens on."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.config import Settings
from app.main import create_app
from tests.helpers.server import SECRET

PUBLIC = "https://leerstand.example.org/register"
EVIL = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


def _documents(client, register) -> list[str]:
    fid = register[0]["id"]
    paths = ["/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/vacancies",
             "/ogc/collections/vacancies/items?limit=1", "/ogc/collections/vacancies/items?limit=1&offset=1",
             f"/ogc/collections/vacancies/items/{fid}", "/ogc/collections/nothing"]
    texts = []
    for path in paths:
        for accept in ("application/json", "text/html"):
            response = client.get(path, headers={**EVIL, "Accept": accept})
            assert response.status_code in (200, 404), (path, response.text)
            texts.append(response.text)
    return texts


def _hrefs(client, path: str) -> list[str]:
    body = client.get(path, headers={**EVIL, "Accept": "application/json"}).json()
    links = body["links"] + [link for c in body.get("collections", []) for link in c["links"]]
    return [link["href"] for link in links]


@pytest.fixture
def public_client(database_url):
    settings = Settings(_env_file=None, database_url=database_url, secret_key=SECRET,
                        cookie_secure=False, public_url=PUBLIC + "/")
    with TestClient(create_app(settings)) as client:
        yield client


def test_links_use_the_public_url_whatever_the_host_header(public_client, register):
    for text in _documents(public_client, register):
        assert "evil.example" not in text
    for path in ("/ogc", "/ogc/collections", "/ogc/collections/vacancies/items?limit=1"):
        hrefs = _hrefs(public_client, path)
        assert hrefs and all(href.startswith(PUBLIC + "/") for href in hrefs), hrefs
    landing = _hrefs(public_client, "/ogc")
    assert f"{PUBLIC}/ogc" in landing and f"{PUBLIC}/openapi.json" in landing
    page = _hrefs(public_client, "/ogc/collections/vacancies/items?limit=1")
    assert f"{PUBLIC}/ogc/collections/vacancies/items?offset=1&limit=1" in page  # next


def test_without_public_url_links_use_the_server_address_not_the_host(client, register):
    for text in _documents(client, register):
        assert "evil.example" not in text
    # TestClient's server address is testserver:80
    assert all(href.startswith("http://testserver/ogc") for href in _hrefs(client, "/ogc/collections"))


@pytest.mark.parametrize(("value", "stored"), [
    ("https://leerstand.example.org", "https://leerstand.example.org"),
    ("https://leerstand.example.org/", "https://leerstand.example.org"),
    ("HTTP://Example.ORG:8080/Leerstand/", "http://example.org:8080/Leerstand"),
    ("", None),
])
def test_public_url_is_normalised(value, stored):
    assert Settings(_env_file=None, public_url=value).public_url == stored


@pytest.mark.parametrize("value", [
    "leerstand.example.org", "/leerstand", "ftp://example.org", "https://", "https://example.org?x=1",
    "https://example.org/#top", "https://user:pw@example.org", "https://example.org:port",
])
def test_public_url_must_be_an_absolute_http_url_without_query_or_fragment(value):
    with pytest.raises(ValidationError, match="LEERSTAND_PUBLIC_URL"):
        Settings(_env_file=None, public_url=value)
