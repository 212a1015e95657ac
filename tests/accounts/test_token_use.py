"""Recording a token's last use never makes a request wait for another one holding the token."""

import threading
from datetime import timedelta

import psycopg
from sqlalchemy import select, text

from app.accounts.models import ApiToken
from tests.helpers.users import bearer


def _me_within(client, token: str, seconds: float):
    """GET /api/v1/me in a thread; its response, or None when it has not answered in time."""
    answers: list = []
    thread = threading.Thread(
        target=lambda: answers.append(client.get("/api/v1/me", headers=bearer(token))), daemon=True)
    thread.start()
    thread.join(seconds)
    return thread, (answers[0] if answers else None)


def test_request_does_not_wait_for_a_lock_on_the_token_row(client, users, database_url, session):
    token = users.token("working_group", email="ag@example.org")
    # another transaction (a long import with the same token, in the old code) holds the row
    with psycopg.connect(database_url.replace("+psycopg", "")) as holder:
        holder.execute("SELECT id FROM api_token FOR UPDATE")
        thread, answer = _me_within(client, token, 5)
        holder.rollback()
        thread.join(10)
    assert answer is not None, "the request waited for the lock on the token row"
    assert answer.status_code == 200 and answer.json()["email"] == "ag@example.org"


def test_last_use_is_recorded_at_most_once_a_minute(client, users, session):
    token = users.token("working_group", email="ag@example.org")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    first = session.scalar(select(ApiToken.last_used_at))
    assert first is not None  # committed in its own transaction
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    session.expire_all()
    assert session.scalar(select(ApiToken.last_used_at)) == first
    session.execute(text("UPDATE api_token SET last_used_at = last_used_at - interval '2 minutes'"))
    session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    session.expire_all()
    assert session.scalar(select(ApiToken.last_used_at)) > first - timedelta(seconds=1)
