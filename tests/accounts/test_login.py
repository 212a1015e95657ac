"""Password login for the pages (signed cookie session, CSRF-protected forms) and API tokens."""

import re

import pytest
from sqlalchemy import select

from app.accounts.models import User
from tests.helpers.towns import SCHMOELLN
from tests.helpers.users import bearer
from tests.helpers.vacancies import feature

PASSWORD = "ein-langes-passwort"


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client, email, password=PASSWORD, next_url="/"):
    token = csrf_of(client.get("/anmelden").text)
    return client.post("/anmelden", data={"email": email, "password": password,
                                          "csrf_token": token, "next": next_url},
                       follow_redirects=False)


@pytest.fixture
def staff_email(users):
    users.token("staff", SCHMOELLN, email="amt@schmoelln.example", password=PASSWORD)
    return "amt@schmoelln.example"


def test_login_page_is_german(client):
    page = client.get("/anmelden")
    assert page.status_code == 200 and "Anmelden" in page.text and 'lang="de"' in page.text


def test_password_is_stored_as_argon2(session, staff_email):
    user = session.scalar(select(User).where(User.email == staff_email))
    assert user.password_hash.startswith("$argon2") and PASSWORD not in user.password_hash


def test_login_sets_session_and_redirects(client, staff_email):
    response = login(client, staff_email, next_url="/ueber")
    assert response.status_code == 303 and response.headers["location"] == "/ueber"
    cookie = response.headers["set-cookie"]
    assert "leerstand_session=" in cookie and "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    me = client.get("/api/v1/me").json()
    assert me["authenticated"] and me["email"] == staff_email and me["role"] == "staff"


def test_wrong_password_is_refused_in_german(client, staff_email):
    response = login(client, staff_email, password="falsch-falsch-falsch")
    assert response.status_code == 401 and "Passwort ist falsch" in response.text
    assert client.get("/api/v1/me").json()["authenticated"] is False


def test_unknown_user_gets_the_same_answer(client):
    response = login(client, "niemand@example.org")
    assert response.status_code == 401 and "Passwort ist falsch" in response.text


def test_login_form_without_csrf_is_refused(client, staff_email):
    client.get("/anmelden")
    response = client.post("/anmelden", data={"email": staff_email, "password": PASSWORD},
                           follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/api/v1/me").json()["authenticated"] is False


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example"])
def test_no_open_redirect_after_login(client, staff_email, target):
    response = login(client, staff_email, next_url=target)
    assert response.headers["location"] == "/verwaltung"  # the staff home


def test_cookie_session_writes_need_the_csrf_header(client, staff_email):
    login(client, staff_email)
    without = client.post("/api/v1/vacancies", json=feature())
    assert without.status_code == 403 and "CSRF" in without.json()["detail"]
    token = csrf_of(client.get("/anmelden").text)
    wrong = client.post("/api/v1/vacancies", json=feature(), headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    with_header = client.post("/api/v1/vacancies", json=feature(), headers={"X-CSRF-Token": token})
    assert with_header.status_code == 201


def test_logout_needs_csrf_and_ends_the_session(client, staff_email):
    login(client, staff_email)
    assert client.post("/abmelden", data={}, follow_redirects=False).status_code == 403
    token = csrf_of(client.get("/").text)
    response = client.post("/abmelden", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/api/v1/me").json()["authenticated"] is False


def test_tampered_session_cookie_is_ignored(client, staff_email):
    login(client, staff_email)
    value = client.cookies.get("leerstand_session")
    client.cookies.set("leerstand_session", value[:-4] + "AAAA")
    assert client.get("/api/v1/me").json()["authenticated"] is False


def test_bearer_token_identifies_the_user(client, users):
    token = users.token("working_group", email="ag@example.org")
    assert token.startswith("lst_")
    me = client.get("/api/v1/me", headers=bearer(token)).json()
    assert me["email"] == "ag@example.org" and me["role"] == "working_group"


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Token lst_x", "Bearer lst_unknown"])
def test_malformed_or_unknown_authorization_is_401(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401


def test_token_of_deactivated_user_is_refused(client, users, session):
    token = users.token("working_group", email="weg@example.org")
    user = session.scalar(select(User).where(User.email == "weg@example.org"))
    user.is_active = False
    session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_password_guessing_is_rate_limited(settings, database_url, staff_email):
    from fastapi.testclient import TestClient

    from app.main import create_app

    limited = settings.model_copy(update={"login_attempts_per_hour": 3})
    with TestClient(create_app(limited)) as client:
        answers = [login(client, staff_email, password=f"falsch-{i}-xxxxxx").status_code
                   for i in range(3)]
        assert answers == [401, 401, 401]
        blocked = login(client, staff_email)  # even the right password now waits
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
        assert client.get("/api/v1/me").json()["authenticated"] is False
