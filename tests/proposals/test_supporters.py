"""One support (and one flag) per browser, not per connection: the `leerstand_supporter` cookie
against a real server with real cookie jars, the ceiling per client address, retention and
privacy of the hashes (app/abuse/supporter.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from itsdangerous import Signer
from sqlalchemy import text

from app.abuse.service import client_hash
from app.abuse.supporter import COOKIE, MAX_AGE_S, read_browser_id
from app.proposals import service
from tests.helpers.participation import point, published
from tests.helpers.server import SECRET, leerstand_serve
from tests.helpers.towns import SCHMOELLN


@contextmanager
def browser(url: str) -> Iterator[httpx.Client]:
    """A person's browser: its own cookie jar, same address (loopback) as every other."""
    with httpx.Client(base_url=url, timeout=30) as http:
        yield http


def _idea(live_server, users) -> int:
    with browser(live_server.url) as http:
        return published(http, users.token("staff", SCHMOELLN), location=point(),
                         radius_m=500)["id"]


def _count(url: str, proposal_id: int) -> int:
    with browser(url) as http:
        return http.get(f"/api/v1/proposals/{proposal_id}").json()["support_count"]


def _cookie_header(response: httpx.Response) -> str | None:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(COOKIE + "=")]
    assert len(headers) <= 1
    return headers[0] if headers else None


def test_two_browsers_behind_one_address_both_count(live_server, users):
    proposal_id = _idea(live_server, users)
    url = f"/api/v1/proposals/{proposal_id}/supports"
    with browser(live_server.url) as first, browser(live_server.url) as second:
        one = first.post(url)
        assert one.status_code == 201 and one.json()["support_count"] == 1
        cookie = _cookie_header(one)
        attributes = {part.strip().split("=")[0].lower(): part.strip()
                      for part in cookie.split(";")[1:]}
        assert {"httponly", "samesite", "path", "max-age"} <= attributes.keys()
        assert attributes["samesite"].lower() == "samesite=lax"
        assert attributes["path"] == "Path=/api/v1/proposals"
        assert attributes["max-age"] == f"Max-Age={MAX_AGE_S}"
        assert "secure" not in attributes  # the test server is plain http (cookie_secure off)

        two = second.post(url)
        assert two.status_code == 201 and two.json()["support_count"] == 2
        assert first.cookies[COOKIE] != second.cookies[COOKIE]

        again = first.post(url, json={})
        assert again.status_code == 409
        assert again.json()["code"] == "conflict" and again.json()["support_count"] == 2
        assert _cookie_header(again) is None  # a known browser keeps its id
    assert _count(live_server.url, proposal_id) == 2


def test_forged_or_tampered_cookies_count_as_none(live_server, users):
    proposal_id = _idea(live_server, users)
    url = f"/api/v1/proposals/{proposal_id}/supports"
    with browser(live_server.url) as honest:
        assert honest.post(url).status_code == 201
        genuine = honest.cookies[COOKIE]
    value, _, signature = genuine.rpartition(".")
    forged = [
        "garbage",
        "",
        value + "." + ("A" if signature[0] != "A" else "B") + signature[1:],  # tampered
        Signer("another secret, at least 32 characters long", salt="leerstand-supporter")
        .sign(value).decode(),  # signed with another key
        Signer(SECRET, salt="leerstand-supporter").sign("not-an-id").decode(),  # not our format
        "ü" * 40,
    ]
    for i, cookie in enumerate(forged, start=2):
        with browser(live_server.url) as http:
            answer = http.post(url, headers={"Cookie": f"{COOKIE}={cookie}".encode()})
            assert answer.status_code == 201, (cookie, answer.text)
            assert answer.json()["support_count"] == i
            issued = _cookie_header(answer).split(";")[0].split("=", 1)[1]
            assert issued != cookie and read_browser_id(issued, SECRET) is not None
    assert read_browser_id(genuine, SECRET) is not None
    assert _count(live_server.url, proposal_id) == len(forged) + 1


def test_the_address_ceiling_stops_a_script_that_clears_its_cookies(database_url, tmp_path,
                                                                    users):
    with leerstand_serve(database_url, tmp_path, LEERSTAND_SUPPORTS_PER_IP="2") as url:
        with browser(url) as http:
            proposal_id = published(http, users.token("staff", SCHMOELLN), location=point(),
                                    radius_m=500)["id"]
        for kind, body in (("supports", None), ("flags", {"reason": "spam"})):
            answers = []
            for _ in range(4):
                with browser(url) as fresh:  # a new cookie jar every time
                    answers.append(fresh.post(f"/api/v1/proposals/{proposal_id}/{kind}", json=body))
            assert [a.status_code for a in answers] == [201, 201, 429, 429], kind
            refused = answers[2]
            assert refused.json()["code"] == "connection_limit"
            retry = int(refused.headers["Retry-After"])
            assert 29 * 86400 < retry <= 30 * 86400 and refused.json()["retry_after"] == retry
            assert _cookie_header(refused) is None
        assert _count(url, proposal_id) == 2


def test_one_address_alone_cannot_hide_an_idea(live_server, users, settings, session):
    proposal_id = _idea(live_server, users)
    for _ in range(settings.flag_threshold + 1):
        with browser(live_server.url) as fresh:
            flagged = fresh.post(f"/api/v1/proposals/{proposal_id}/flags", json={"reason": "spam"})
            assert flagged.status_code == 201
    # every flag is there for staff, but from one address they hide nothing
    assert session.execute(text("SELECT count(*) FROM proposal_flag")).scalar_one() == 4
    with browser(live_server.url) as http:
        assert http.get(f"/api/v1/proposals/{proposal_id}").status_code == 200


def test_retention_forgets_browser_and_address_hashes(live_server, users, session, settings):
    proposal_id = _idea(live_server, users)
    with browser(live_server.url) as http:
        assert http.post(f"/api/v1/proposals/{proposal_id}/supports").status_code == 201
        assert http.post(f"/api/v1/proposals/{proposal_id}/flags",
                         json={"reason": "offensive"}).status_code == 201
    session.execute(text("UPDATE proposal_support SET created_at = now() - interval '31 days'"))
    session.execute(text("UPDATE proposal_flag SET created_at = now() - interval '31 days'"))
    assert service.purge_client_hashes(
        session=session, retention_days=settings.client_hash_retention_days) == 2
    session.commit()
    assert session.execute(text("SELECT count(*) FROM proposal_support")).scalar_one() == 0
    flag = session.execute(text("SELECT reason, client_hash, ip_hash FROM proposal_flag")).one()
    assert tuple(flag) == ("offensive", None, None)
    assert _count(live_server.url, proposal_id) == 1


def test_raw_browser_id_and_address_are_neither_stored_nor_logged(database_url, tmp_path, users,
                                                                  session):
    with leerstand_serve(database_url, tmp_path, LEERSTAND_LOG_LEVEL="DEBUG") as url:
        with browser(url) as http:
            proposal_id = published(http, users.token("staff", SCHMOELLN), location=point(),
                                    radius_m=500)["id"]
            assert http.post(f"/api/v1/proposals/{proposal_id}/supports").status_code == 201
            assert http.post(f"/api/v1/proposals/{proposal_id}/flags",
                             json={"reason": "spam"}).status_code == 201
            signed = http.cookies[COOKIE]
    raw_id = read_browser_id(signed, SECRET)
    address = "127.0.0.1"
    support = session.execute(text("SELECT client_hash, ip_hash FROM proposal_support")).one()
    flag = session.execute(text("SELECT client_hash, ip_hash FROM proposal_flag")).one()
    assert support.client_hash == client_hash(secret=SECRET, purpose=f"support:{proposal_id}-browser",
                                              client=raw_id)
    assert support.ip_hash == client_hash(secret=SECRET, purpose=f"support:{proposal_id}",
                                          client=address)
    assert flag.client_hash == client_hash(secret=SECRET, purpose=f"flag:{proposal_id}-browser",
                                           client=raw_id)
    stored = json.dumps([
        session.execute(text(f"SELECT json_agg(t) FROM {table} t")).scalar_one()
        for table in ("proposal_support", "proposal_flag", "rate_limit_window", "proposal")])
    log = (tmp_path / "serve.log").read_text()
    assert f"/api/v1/proposals/{proposal_id}/flags" in log  # the access lines are there
    for secret in (raw_id, signed):
        assert secret not in stored
        assert secret not in log
    assert address not in stored


def test_the_cookie_is_secure_when_the_service_is_public_on_https(settings, users):
    from fastapi.testclient import TestClient

    from app.main import create_app

    https = type(settings).model_validate({**settings.model_dump(), "cookie_secure": False,
                                           "public_url": "https://leerstand.stadt.example"})
    with TestClient(create_app(https)) as client:
        proposal_id = published(client, users.token("staff", SCHMOELLN), location=point(),
                                radius_m=500)["id"]
        answer = client.post(f"/api/v1/proposals/{proposal_id}/supports")
    assert answer.status_code == 201
    attributes = [part.strip().lower() for part in _cookie_header(answer).split(";")[1:]]
    assert "secure" in attributes and "httponly" in attributes
