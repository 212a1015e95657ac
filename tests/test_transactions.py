"""The request's transaction is committed before the response starts, so a client that got a
2xx can rely on the write being visible (and never gets a 2xx for a commit that failed)."""

from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.helpers.users import bearer
from tests.helpers.vacancies import feature


def test_commit_happens_before_the_response_is_sent(app, users):
    order: list[str] = []

    def after_commit(session):
        order.append("commit")

    inner = app.build_middleware_stack()

    async def recording_app(scope, receive, send):
        async def recording_send(message):
            if message["type"] == "http.response.start":
                order.append("response")
            await send(message)

        await inner(scope, receive, recording_send)

    app.middleware_stack = recording_app
    event.listen(Session, "after_commit", after_commit)
    try:
        with TestClient(app) as client:
            token = users.token("staff", "16077043")
            order.clear()
            response = client.post("/api/v1/vacancies", json=feature(), headers=bearer(token))
    finally:
        event.remove(Session, "after_commit", after_commit)
    assert response.status_code == 201
    assert order and order[0] == "commit" and "response" in order
    assert order.index("commit") < order.index("response")
