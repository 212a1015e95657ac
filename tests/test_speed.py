"""Page speed: text answers are gzipped when the client accepts it (and decode to the identity
body), binary exports are not; every static file a page names has a content-hashed URL that is
cached for a year, a stale hash is 404, the plain URL is revalidated."""

from __future__ import annotations

import gzip
import json
import re
from html.parser import HTMLParser

import pytest

from app.static_assets import IMMUTABLE, is_hashed, manifest, static_url
from tests.helpers.towns import SCHMOELLN
from tests.helpers.users import PASSWORD, bearer
from tests.helpers.vacancies import insert_many
from tests.maps.test_pages import login

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


def raw_get(client, path: str, headers: dict[str, str]):
    """The answer with its body as sent (httpx would decode the gzip)."""
    with client.stream("GET", path, headers=headers) as response:
        return response, b"".join(response.iter_raw())


def assert_gzipped(client, path: str, headers: dict[str, str] | None = None) -> bytes:
    plain, identity = raw_get(client, path, {**(headers or {}), **IDENTITY})
    assert plain.status_code == 200, path
    assert "content-encoding" not in plain.headers, path
    packed, body = raw_get(client, path, {**(headers or {}), **GZIP})
    assert packed.status_code == 200, path
    assert packed.headers["content-encoding"] == "gzip", path
    assert "accept-encoding" in packed.headers["vary"].lower(), path
    assert len(body) < len(identity), path
    assert _same_nonce(packed, gzip.decompress(body)) == _same_nonce(plain, identity), path
    return identity


def _same_nonce(response, body: bytes) -> bytes:
    """A page's body with what is fresh in every answer fixed: the CSP nonce, folium's ids."""
    found = re.search(r"'nonce-([^']+)'", response.headers.get("content-security-policy", ""))
    body = body.replace(found.group(1).encode(), b"NONCE") if found else body
    return re.sub(rb"\b([a-z_]+)_[0-9a-f]{32}\b", rb"\1_ID", body)


@pytest.mark.parametrize(("path", "media_type"), [
    (f"/karte/{SCHMOELLN}", "text/html"),
    ("/openapi.json", "application/json"),
    (f"/api/v1/municipalities/{SCHMOELLN}", "application/geo+json"),
    (static_url("vendor/leaflet/leaflet.js"), "text/javascript"),
    (static_url("app/maps.css"), "text/css"),
    ("/static/vendor/leaflet/leaflet.css", "text/css"),
])
def test_text_answers_are_gzipped(client, path, media_type):
    assert_gzipped(client, path)
    assert client.get(path).headers["content-type"].startswith(media_type)


def test_vacancy_list_and_streamed_exports_are_gzipped(client, database_url, working_group):
    insert_many(database_url, 300)
    assert_gzipped(client, f"/api/v1/vacancies?municipality={SCHMOELLN}&limit=500")
    for fmt in ("csv", "geojson"):  # streamed in chunks: each chunk is flushed compressed
        body = assert_gzipped(client, f"/api/v1/export/vacancies.{fmt}", working_group)
        count = body.count(b"\n") - 1 if fmt == "csv" else len(json.loads(body)["features"])
        assert count >= 300, fmt


def test_geopackage_and_small_answers_are_not_gzipped(client, working_group):
    response, body = raw_get(client, "/api/v1/export/vacancies.gpkg", {**working_group, **GZIP})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geopackage+sqlite3"
    assert "content-encoding" not in response.headers
    assert body.startswith(b"SQLite format 3\0")
    small, _ = raw_get(client, "/healthz", GZIP)
    assert "content-encoding" not in small.headers


@pytest.fixture
def working_group(users) -> dict[str, str]:
    return bearer(users.token("working_group"))


# ---- hashed static URLs -------------------------------------------------------------------

def test_hashed_url_is_cached_for_a_year_and_names_one_version(client):
    url = static_url("app/map-common.js")
    assert url.startswith("/static/app/map-common.") and url.endswith(".js")
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["cache-control"] == IMMUTABLE
    plain = client.get("/static/app/map-common.js")
    assert plain.content == response.content
    assert plain.headers["cache-control"] == "no-cache"
    again = client.get("/static/app/map-common.js", headers={"If-None-Match": plain.headers["etag"]})
    assert again.status_code == 304
    stale = url.replace(url.split(".")[-2], "0badc0de")
    assert stale != url
    assert client.get(stale).status_code == 404
    assert client.get("/static/app/no-such-file.0badc0de.js").status_code == 404


def test_the_hash_follows_the_content(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "a.js").write_text("one")
    (tmp_path / "LICENSE").write_text("one")
    first = manifest(tmp_path)
    assert first["app/a.js"].startswith("app/a.") and first["app/a.js"].endswith(".js")
    assert first["LICENSE"].startswith("LICENSE.")
    assert first["app/a.js"].split(".")[1] == first["LICENSE"].split(".")[1]  # same bytes
    manifest.cache_clear()
    (tmp_path / "app" / "a.js").write_text("two")
    assert manifest(tmp_path)["app/a.js"] != first["app/a.js"]
    manifest.cache_clear()


def test_an_unknown_static_file_is_a_programming_error():
    with pytest.raises(LookupError, match="no-such.js"):
        static_url("app/no-such.js")


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


PAGES = ["/", f"/karte/{SCHMOELLN}", f"/verwaltung/{SCHMOELLN}", "/uebersicht", "/docs",
         "/redoc", "/ueber", "/anmelden"]


def test_every_page_names_static_files_by_their_hashed_url(client, users):
    users.token("staff", SCHMOELLN, email="speed@example.org", password=PASSWORD)
    anonymous = {path: client.get(path) for path in ("/anmelden",)}
    login(client, "speed@example.org")
    seen = 0
    for path in PAGES:
        response = anonymous.get(path) or client.get(path)
        assert response.status_code == 200, path
        parser = _References()
        parser.feed(response.text)
        static = [url for url in parser.urls if "/static/" in url]
        assert static, path
        for url in static:
            assert url.startswith("/static/") and is_hashed(url), (path, url)
            answer = client.get(url)
            assert answer.status_code == 200 and answer.headers["cache-control"] == IMMUTABLE, url
        seen += len(static)
    assert seen > 30


def test_public_map_starts_its_first_data_request_before_the_scripts(client, database_url):
    """The first data request is an inline script (app/templates/map_early.html) first in the
    head (before any stylesheet, which would hold it back, and before Leaflet), admitted by the
    response's CSP nonce, and asks for the first page of the view the map first shows."""
    insert_many(database_url, 600)
    response = client.get(f"/karte/{SCHMOELLN}")
    head = response.text.split("</head>", 1)[0]
    nonce = re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"]).group(1)
    early = head.index(f'<script nonce="{nonce}">\nwindow.leerstandFirstPage = fetch(')
    assert early < head.index("stylesheet") and early < head.index(static_url("vendor/leaflet/leaflet.js"))
    assert "map-early" not in response.text  # no file of its own any more
    url = json.loads(re.search(r"window.leerstandFirstPage = fetch\((\"[^\"]+\")", head).group(1))
    assert url.startswith(f"/api/v1/vacancies?municipality={SCHMOELLN}&bbox=") and url.endswith("&limit=200")
    page = client.get(url)
    assert page.status_code == 200 and page.headers["content-type"].startswith("application/geo+json")
    assert len(page.json()["features"]) == 200 and page.json()["numberMatched"] >= 600
