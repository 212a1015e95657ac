"""Every answer carries the security headers and the Content-Security-Policy: JSON, GeoJSON,
pages, static files, errors (a crash too); private answers are not stored (Cache-Control)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.config import PROJECT_DIR, Settings
from app.main import create_app
from app.middleware import csp_source
from app.static_assets import IMMUTABLE, static_url
from tests.helpers.participation import point, submit
from tests.helpers.server import SECRET
from tests.helpers.towns import SCHMOELLN
from tests.helpers.users import PASSWORD, bearer

HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "same-origin",
           "x-frame-options": "DENY"}
STRICT = ("default-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri 'self'",
          "frame-ancestors 'none'", "form-action 'self'")
NONCE = re.compile(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{20,})'(;|$)")
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)


def assert_strict_policy(policy: str) -> str:
    """The enforced policy of the pages; returns its nonce."""
    for directive in STRICT:
        assert directive in policy, (directive, policy)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    found = NONCE.search(policy)
    assert found, policy
    return found.group(1)


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/api/v1/vacancies?bbox=12.3,50.8,12.4,50.9", 200),
    ("GET", "/api/v1/labels", 200),
    ("GET", "/", 200),
    ("GET", f"/karte/{SCHMOELLN}", 200),
    ("GET", "/ogc/collections?f=html", 200),
    ("GET", "/ogc/collections/vacancies/items", 200),
    ("GET", "/static/app/site.css", 200),
    ("GET", "/static/vendor/leaflet/leaflet.js", 200),
    ("GET", "/api/v1/vacancies/999999", 404),
    ("GET", "/karte/99999999", 404),  # the German error page
    ("GET", "/api/v1/vacancies?bbox=1,2,3", 400),
    ("DELETE", "/api/v1/labels", 405),
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
    assert len(response.headers.get_list("content-security-policy")) == 1
    assert_strict_policy(response.headers["content-security-policy"])
    assert "content-security-policy-report-only" not in response.headers


def test_a_crash_carries_the_headers_too(settings):
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("unexpected")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["x-content-type-options"] == "nosniff"
    assert_strict_policy(response.headers["content-security-policy"])


def _login(client, users) -> None:
    users.token("staff", SCHMOELLN, email="headers@example.org", password=PASSWORD)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/anmelden").text).group(1)
    response = client.post("/anmelden", data={"email": "headers@example.org", "password": PASSWORD,
                                              "csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["cache-control"] == "no-store"


def _pages(client, users) -> list[str]:
    proposal = submit(client, location=point(), radius_m=200)
    staff = bearer(users.token("staff", SCHMOELLN))
    client.post(f"/api/v1/proposals/{proposal['id']}/publish", headers=staff)
    _login(client, users)
    return ["/", "/ueber", "/anmelden", "/uebersicht", f"/karte/{SCHMOELLN}",
            f"/verwaltung/{SCHMOELLN}", f"/vorschlaege/{proposal['id']}", proposal["status_page"],
            "/ogc?f=html", "/ogc/collections/vacancies/items?f=html", "/karte/99999999"]


def test_pages_have_no_inline_script_style_or_handler_but_the_nonced_map_script(client, users):
    """The static check behind the browser test: every <script> is a file, a JSON data block,
    or carries this response's nonce; no style attribute, <style> or on…= handler."""
    for path in _pages(client, users):
        response = client.get(path)
        nonce = assert_strict_policy(response.headers["content-security-policy"])
        html = response.text
        for attributes in SCRIPT_TAG.findall(html):
            assert ("src=" in attributes or 'type="application/json"' in attributes
                    or f'nonce="{nonce}"' in attributes), (path, attributes)
        assert not re.search(r"<style\b|\sstyle\s*=", html, re.I), path
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html, re.I), path


def test_every_answer_has_a_nonce_of_its_own(client):
    nonces = set()
    for _ in range(3):
        response = client.get(f"/karte/{SCHMOELLN}")
        nonce = assert_strict_policy(response.headers["content-security-policy"])
        assert f'<script nonce="{nonce}">' in response.text  # folium's map set-up
        nonces.add(nonce)
    assert len(nonces) == 3


def test_api_viewers_run_under_the_enforced_policy(client):
    """Swagger UI and ReDoc come from static/vendor/ (no CDN, no favicon or web font from outside);
    their inline scripts carry the nonce; no Report-Only exception."""
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        response = client.get(path)
        assert response.status_code == 200, path
        nonce = assert_strict_policy(response.headers["content-security-policy"])
        assert "content-security-policy-report-only" not in response.headers
        assert "http://" not in response.text and "https://" not in response.text, path
        for attributes in SCRIPT_TAG.findall(response.text):
            assert "src=" in attributes or f'nonce="{nonce}"' in attributes, (path, attributes)
    docs = client.get("/docs")
    assert static_url("vendor/swagger-ui/swagger-ui-bundle.js") in docs.text
    assert static_url("vendor/swagger-ui/swagger-ui.css") in docs.text
    assert "style-src 'self';" in docs.headers["content-security-policy"]
    redoc = client.get("/redoc")
    assert static_url("vendor/redoc/redoc.standalone.js") in redoc.text
    assert "fonts.googleapis" not in redoc.text
    nonce = assert_strict_policy(redoc.headers["content-security-policy"])
    assert f"style-src 'self' 'nonce-{nonce}'" in redoc.headers["content-security-policy"]
    schema = client.get("/openapi.json")
    assert_strict_policy(schema.headers["content-security-policy"])
    assert not {"/docs", "/redoc", "/docs/oauth2-redirect"} & set(schema.json()["paths"])


def test_the_vendored_viewers_and_charts_are_pinned_with_their_licences():
    vendor = PROJECT_DIR / "static" / "vendor"
    for folder, files, version in (
        ("swagger-ui", ("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "NOTICE"),
         "swagger-ui-dist@"),
        ("redoc", ("redoc.standalone.js", "LICENSE"), "redoc@"),
        ("uplot", ("uPlot.iife.min.js", "uPlot.min.css", "LICENSE"), "uplot@1.6.32"),
    ):
        for name in files:
            assert (vendor / folder / name).stat().st_size > 0, (folder, name)
        assert (vendor / folder / "VERSION").read_text().startswith(version)
    assert "cdn.redoc.ly" not in (vendor / "redoc" / "redoc.standalone.js").read_text()


@pytest.mark.parametrize(("template", "source"), [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
    ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
    ("https://sgx.geodatenzentrum.de:8443/wmts/{z}/{y}/{x}.png", "https://sgx.geodatenzentrum.de:8443"),
    ("https://a.{s}.example.org/{z}/{x}/{y}.png", "https:"),
    ("/tiles/{z}/{x}/{y}.png", None),
])
def test_the_tile_host_is_the_only_foreign_image_source(template, source):
    assert csp_source(template) == source


def test_the_configured_tile_server_is_admitted_for_images(database_url):
    settings = Settings(_env_file=None, database_url=database_url, secret_key=SECRET,
                        tiles_url="https://sgx.geodatenzentrum.de/wmts/{z}/{y}/{x}.png")
    with TestClient(create_app(settings)) as client:
        policy = client.get("/").headers["content-security-policy"]
    assert "img-src 'self' data: https://sgx.geodatenzentrum.de;" in policy
    assert "openstreetmap" not in policy


# ---- Cache-Control ------------------------------------------------------------------------

PUBLIC_GETS = ["/", f"/karte/{SCHMOELLN}", "/api/v1/labels", "/api/v1/vacancies",
               f"/api/v1/municipalities/{SCHMOELLN}", "/ogc/collections/vacancies/items",
               "/api/v1/export/vacancies.geojson"]
# static files: hashed URLs for a year, plain ones revalidated (app/static_assets.py)
STATIC_CACHING = {"/static/app/site.css": "no-cache", static_url("app/site.css"): IMMUTABLE}


def assert_static_caching(client, headers=None) -> None:
    for path, cache_control in STATIC_CACHING.items():
        assert client.get(path, headers=headers).headers["cache-control"] == cache_control, path


def test_anonymous_public_answers_keep_their_caching(client):
    client.get(f"/karte/{SCHMOELLN}")  # leaves the anonymous CSRF-only session cookie
    assert client.cookies.get("leerstand_session")
    for path in PUBLIC_GETS:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "cache-control" not in response.headers, path
    assert_static_caching(client)
    static = client.get("/static/app/site.css")
    etag = static.headers["etag"]
    assert client.get("/static/app/site.css", headers={"If-None-Match": etag}).status_code == 304


def test_answers_to_a_token_are_not_stored(client, staff):
    for path in [*PUBLIC_GETS, "/api/v1/me", "/api/v1/tokens", "/api/v1/vacancies/999999",
                 f"/api/v1/export/vacancies.csv?municipality={SCHMOELLN}&include_private=true"]:
        response = client.get(path, headers=staff)
        assert response.headers.get("cache-control") == "no-store", path
    # static files are the same for everybody: still cacheable with a token
    assert_static_caching(client, staff)


def test_a_logged_in_session_gets_no_store_until_logout(client, users):
    _login(client, users)
    for path in [*PUBLIC_GETS, f"/verwaltung/{SCHMOELLN}", "/api/v1/me"]:
        assert client.get(path).headers.get("cache-control") == "no-store", path
    assert_static_caching(client)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
    logout = client.post("/abmelden", data={"csrf_token": csrf}, follow_redirects=False)
    assert logout.status_code == 303 and logout.headers["cache-control"] == "no-store"
    assert "cache-control" not in client.get("/").headers


def test_login_page_and_the_authors_secret_links_are_not_stored(client):
    proposal = submit(client, location=point(), radius_m=200)
    for path in ("/anmelden", proposal["status_url"], proposal["status_page"],
                 "/vorschlaege/status/" + "x" * 32):  # a wrong link's 404 as well
        assert client.get(path).headers.get("cache-control") == "no-store", path
    failed = client.post("/anmelden", data={"email": "a@b.de", "password": "x", "csrf_token": "x"})
    assert failed.status_code == 403 and failed.headers["cache-control"] == "no-store"
