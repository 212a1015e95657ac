"""Spoofed X-Forwarded-For changes nothing unless it comes from a configured proxy: checked
against a real ``leerstand serve`` on loopback (where uvicorn's own default would believe it),
and through the app with a trusted peer for the right-most-hop rule."""

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.helpers.participation import point, published, report_body
from tests.helpers.server import leerstand_serve
from tests.helpers.towns import SCHMOELLN

PROXY = "192.0.2.1"


def spoofed(i: int) -> dict[str, str]:
    return {"X-Forwarded-For": f"203.0.113.{i % 250}"}


@pytest.fixture
def served(database_url, tmp_path) -> Iterator[httpx.Client]:
    """``leerstand serve`` with its defaults: no trusted proxy."""
    with leerstand_serve(database_url, tmp_path) as url, \
            httpx.Client(base_url=url, timeout=30) as http:
        yield http


def test_spoofed_addresses_do_not_buy_reports(served, settings):
    codes = [served.post("/api/v1/reports", json=report_body(dlon=0.0001 * i),
                         headers=spoofed(i)).status_code for i in range(40)]
    limit = settings.public_posts_per_hour
    assert codes == [201] * limit + [429] * (40 - limit)


def test_spoofed_addresses_support_once(served, users):
    proposal = published(served, users.token("staff", SCHMOELLN), location=point(), radius_m=500)
    url = f"/api/v1/proposals/{proposal['id']}/supports"
    codes = [served.post(url, headers=spoofed(i)).status_code for i in range(50)]
    assert codes == [201] + [409] * 49
    assert served.get(f"/api/v1/proposals/{proposal['id']}").json()["support_count"] == 1


def test_spoofed_flags_do_not_hide_a_published_idea(served, users, settings):
    proposal = published(served, users.token("staff", SCHMOELLN), location=point(), radius_m=500)
    url = f"/api/v1/proposals/{proposal['id']}/flags"
    codes = [served.post(url, json={"reason": "spam"}, headers=spoofed(i)).status_code
             for i in range(settings.flag_threshold)]
    assert codes == [201] + [409] * (settings.flag_threshold - 1)
    assert served.get(f"/api/v1/proposals/{proposal['id']}").status_code == 200


def csrf(http) -> str:
    page = http.get("/anmelden").text
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_rotating_addresses_do_not_buy_password_guesses(served, settings):
    token = csrf(served)
    # a different e-mail every time (credential stuffing), so only the per-address limit counts
    codes = [served.post("/anmelden", headers=spoofed(i), follow_redirects=False,
                         data={"email": f"opfer{i}@example.org", "password": "falsch" * 3,
                               "csrf_token": token}).status_code for i in range(100)]
    limit = settings.login_attempts_per_hour
    assert codes == [401] * limit + [429] * (100 - limit)


def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_counts(database_url, tmp_path):
    env = {"LEERSTAND_TRUSTED_PROXIES": "127.0.0.1", "LEERSTAND_PUBLIC_POSTS_PER_HOUR": "2"}
    with leerstand_serve(database_url, tmp_path, **env) as url, \
            httpx.Client(base_url=url, timeout=30) as http:
        def report(forwarded: str) -> int:
            return http.post("/api/v1/reports", json=report_body(),
                             headers={"X-Forwarded-For": forwarded}).status_code

        # the client may prepend anything; the hop our proxy appended is what counts
        assert [report(f"203.0.113.{i}, 198.51.100.7") for i in range(4)] == [201, 201, 429, 429]
        assert report("198.51.100.8") == 201


@pytest.fixture
def behind_proxy(settings) -> Iterator[TestClient]:
    """The app behind a trusted proxy at PROXY (the TestClient's peer address)."""
    proxied = settings.model_copy(update={"trusted_proxies": (PROXY,),
                                          "login_attempts_per_hour": 1000,
                                          "login_attempts_per_email_per_hour": 5})
    proxied = type(settings).model_validate(proxied.model_dump())
    with TestClient(create_app(proxied), client=(PROXY, 1)) as test_client:
        yield test_client


def test_support_address_ceiling_follows_the_resolved_client(behind_proxy, users, settings):
    proposal = published(behind_proxy, users.token("staff", SCHMOELLN), location=point(),
                         radius_m=500)
    url = f"/api/v1/proposals/{proposal['id']}/supports"
    one_per_address = type(settings).model_validate({
        **settings.model_dump(), "trusted_proxies": (PROXY,), "supports_per_ip": 1})

    with TestClient(create_app(one_per_address), client=(PROXY, 1)) as proxied:
        def support(forwarded: str) -> int:
            proxied.cookies.clear()  # a new browser every time: only the address can tell
            return proxied.post(url, headers={"X-Forwarded-For": forwarded}).status_code

        assert [support("203.0.113.1, 198.51.100.7"), support("203.0.113.2, 198.51.100.7"),
                support("198.51.100.8")] == [201, 429, 201]
    assert behind_proxy.get(f"/api/v1/proposals/{proposal['id']}").json()["support_count"] == 2


def test_one_email_is_limited_from_whatever_address(behind_proxy):
    token = csrf(behind_proxy)

    def login(email: str, i: int) -> int:
        return behind_proxy.post("/anmelden", follow_redirects=False,
                                 headers={"X-Forwarded-For": f"198.51.100.{i}"},
                                 data={"email": email, "password": "falsch" * 3,
                                       "csrf_token": token}).status_code

    codes = [login("amt@schmoelln.example" if i % 2 else "AMT@Schmoelln.example ", i)
             for i in range(7)]
    assert codes == [401] * 5 + [429] * 2
    assert login("andere@schmoelln.example", 99) == 401
