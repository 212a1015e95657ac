"""Page logins live on the server: logout, a new password and disabling the user end them, and the
cookie carries nothing but a random session id and the CSRF token."""

import base64
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from app.accounts import service
from app.accounts.models import User, UserSession
from tests.accounts.test_login import PASSWORD, csrf_of, login
from tests.helpers.towns import SCHMOELLN
from tests.helpers.vacancies import feature

EMAIL = "amt@schmoelln.example"
COOKIE = "leerstand_session"


@pytest.fixture
def staff_email(users):
    users.token("staff", SCHMOELLN, email=EMAIL, password=PASSWORD)
    return EMAIL


def logged_in(client) -> tuple[str, str]:
    """Log in; the session cookie and its CSRF token, as a thief would copy them."""
    assert login(client, EMAIL).status_code == 303
    csrf = csrf_of(client.get("/anmelden").text)  # the session's CSRF token, now in the cookie
    return client.cookies.get(COOKIE), csrf


def replay(app, cookie: str, csrf: str) -> dict[str, int | bool]:
    """What an old cookie with its CSRF token still gets: a read, the staff page, a write."""
    with TestClient(app, cookies={COOKIE: cookie}) as other:
        return {
            "me": other.get("/api/v1/me").json()["authenticated"],
            "page": other.get(f"/verwaltung/{SCHMOELLN}", follow_redirects=False).status_code,
            "write": other.post("/api/v1/vacancies", json=feature(),
                                headers={"X-CSRF-Token": csrf}).status_code,
        }


def test_cookie_shows_neither_user_id_nor_email(client, staff_email, session):
    cookie, _ = logged_in(client)
    payload = cookie.split(".")[0]
    data = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    assert set(data) == {"sid", "csrf"}
    user_id = session.scalar(select(User.id).where(User.email == EMAIL))
    assert user_id not in data.values() and "uid" not in data
    assert EMAIL not in json.dumps(data) and "schmoelln" not in cookie
    # only the hash of the session id is stored
    stored = session.scalar(select(UserSession.token_hash))
    assert data["sid"] not in stored and len(stored) == 64


def test_a_copy_of_the_cookie_works_while_logged_in(app, client, staff_email):
    cookie, csrf = logged_in(client)
    assert replay(app, cookie, csrf) == {"me": True, "page": 200, "write": 201}


def test_logout_ends_the_session_on_the_server(app, client, staff_email):
    cookie, csrf = logged_in(client)
    response = client.post("/abmelden", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert replay(app, cookie, csrf) == {"me": False, "page": 303, "write": 401}


def test_new_password_ends_the_sessions(app, client, staff_email, session):
    cookie, csrf = logged_in(client)
    user = session.scalar(select(User).where(User.email == EMAIL))
    service.set_password(session=session, user=user, password="ein-neues-langes-passwort")
    session.commit()
    assert replay(app, cookie, csrf) == {"me": False, "page": 303, "write": 401}


def test_disabling_the_user_ends_the_sessions(app, client, staff_email, session):
    cookie, csrf = logged_in(client)
    user = session.scalar(select(User).where(User.email == EMAIL))
    service.disable_user(session=session, user=user)
    session.commit()
    assert replay(app, cookie, csrf) == {"me": False, "page": 303, "write": 401}
    assert login(client, EMAIL).status_code == 401


def test_expired_session_is_refused(app, client, staff_email, session):
    cookie, csrf = logged_in(client)
    session.execute(text("UPDATE user_session SET expires_at = now() - interval '1 second'"))
    session.commit()
    assert replay(app, cookie, csrf)["me"] is False


def test_new_login_ends_the_previous_session(app, client, staff_email):
    cookie, csrf = logged_in(client)
    assert login(client, EMAIL).status_code == 303
    assert client.cookies.get(COOKIE) != cookie
    assert replay(app, cookie, csrf)["me"] is False
    assert client.get("/api/v1/me").json()["authenticated"] is True


def test_page_header_names_the_user_only_while_logged_in(client, staff_email):
    _, csrf = logged_in(client)
    assert EMAIL in client.get("/ueber").text
    client.post("/abmelden", data={"csrf_token": csrf})
    assert EMAIL not in client.get("/ueber").text
