"""Revoking API tokens and disabling users, from the command line and through the API."""

import pytest
from sqlalchemy import select

from app import cli
from app.accounts.models import ApiToken, User
from app.config import Settings
from tests.helpers.towns import JENA, SCHMOELLN
from tests.helpers.users import bearer


@pytest.fixture
def run(database_url, monkeypatch):
    monkeypatch.setattr(cli, "get_settings",
                        lambda: Settings(_env_file=None, database_url=database_url,
                                         secret_key="s" * 40))
    return lambda *argv: cli.main(list(argv))


def token_id(session, email: str) -> int:
    return session.scalar(select(ApiToken.id).join(User).where(User.email == email))


def user_id(session, email: str) -> int:
    return session.scalar(select(User.id).where(User.email == email))


def test_cli_tokens_list_and_revoke(run, users, client, session, capsys):
    token = users.token("staff", SCHMOELLN, email="amt@schmoelln.example")
    assert run("tokens", "list") == 0
    out = capsys.readouterr().out
    assert "amt@schmoelln.example" in out and token not in out
    tid = token_id(session, "amt@schmoelln.example")
    assert run("tokens", "revoke", str(tid)) == 0
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert run("tokens", "list", "--email", "amt@schmoelln.example") == 0
    assert "revoked" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["999999", "9999999999"])
def test_cli_revoke_unknown_token(run, capsys, bad):
    assert run("tokens", "revoke", bad) == 2
    assert "no API token" in capsys.readouterr().err


def test_cli_users_disable(run, users, client, capsys):
    token = users.token("working_group", email="ag@example.org")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert run("users", "disable", "--email", "ag@example.org") == 0
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert run("users", "disable", "--email", "nobody@example.org") == 2


def test_admin_lists_and_revokes_any_token(client, users, session):
    admin = bearer(users.token("admin", email="admin@example.org"))
    staff_token = users.token("staff", SCHMOELLN, email="amt@schmoelln.example")
    uid = user_id(session, "amt@schmoelln.example")
    listed = client.get(f"/api/v1/tokens?user={uid}", headers=admin)
    assert listed.status_code == 200 and [t["user_id"] for t in listed.json()] == [uid]
    assert staff_token not in listed.text and "token_hash" not in listed.text
    assert len(client.get("/api/v1/tokens", headers=admin).json()) == 2
    tid = listed.json()[0]["id"]
    revoked = client.delete(f"/api/v1/tokens/{tid}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get("/api/v1/me", headers=bearer(staff_token)).status_code == 401


def test_staff_revoke_only_their_own_tokens(client, users, session):
    own = users.token("staff", SCHMOELLN, email="amt@schmoelln.example")
    other = users.token("staff", JENA, email="amt@jena.example")
    mine = client.get("/api/v1/tokens", headers=bearer(own)).json()
    assert [t["user_id"] for t in mine] == [user_id(session, "amt@schmoelln.example")]
    other_uid = user_id(session, "amt@jena.example")
    assert client.get(f"/api/v1/tokens?user={other_uid}", headers=bearer(own)).status_code == 403
    other_id = token_id(session, "amt@jena.example")
    assert client.delete(f"/api/v1/tokens/{other_id}", headers=bearer(own)).status_code == 404
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200
    assert client.delete(f"/api/v1/tokens/{mine[0]['id']}", headers=bearer(own)).status_code == 200
    assert client.get("/api/v1/me", headers=bearer(own)).status_code == 401


def test_only_admins_disable_users(client, users, session):
    admin = bearer(users.token("admin", email="admin@example.org"))
    staff_token = users.token("staff", SCHMOELLN, email="amt@schmoelln.example")
    uid = user_id(session, "amt@schmoelln.example")
    assert client.post(f"/api/v1/users/{uid}/disable", headers=bearer(staff_token)).status_code == 403
    disabled = client.post(f"/api/v1/users/{uid}/disable", headers=admin)
    assert disabled.status_code == 200 and disabled.json() == {"id": uid, "is_active": False}
    assert client.get("/api/v1/me", headers=bearer(staff_token)).status_code == 401


@pytest.mark.parametrize("url", ["/api/v1/users/9999999999/disable", "/api/v1/users/0/disable",
                                 "/api/v1/users/4242/disable"])
def test_disable_bad_ids_are_4xx(client, users, url):
    admin = bearer(users.token("admin", email="admin@example.org"))
    assert client.post(url, headers=admin).status_code in (404, 422)
    assert client.delete("/api/v1/tokens/9999999999", headers=admin).status_code in (404, 422)


def test_anonymous_gets_401(client):
    assert client.get("/api/v1/tokens").status_code == 401
    assert client.delete("/api/v1/tokens/1").status_code == 401
    assert client.post("/api/v1/users/1/disable").status_code == 401
