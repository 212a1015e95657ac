"""Request ids: a safe incoming X-Request-ID is kept, anything else replaced; every answer
carries one, and log records of the request get it through the logging filter."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.observability.logs import RequestIdFilter, log_config
from tests.helpers.server import SECRET, free_port


@pytest.mark.parametrize("incoming", ["lb-7f3a.1", "A" * 64, "0", "x_y"])
def test_a_safe_incoming_id_is_kept(client, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert response.headers["x-request-id"] == incoming


@pytest.mark.parametrize("incoming", [b"A" * 65, b"", b"a b", b"a/b", b'a"b', "ä".encode(),
                                      b"{x}", b"a\\nb"])
def test_an_unsafe_incoming_id_is_replaced(client, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert response.headers["x-request-id"].encode() != incoming
    assert len(response.headers["x-request-id"]) == 16


def test_every_answer_has_its_own_id(client):
    answers = [client.get("/healthz"), client.get("/no-such-page"),
               client.post("/api/v1/reports", content=b"x" * 20_000,
                           headers={"content-type": "application/json"})]
    assert [a.status_code for a in answers] == [200, 404, 413]  # 413: the body guard, inside
    ids = [a.headers["x-request-id"] for a in answers]
    assert len(set(ids)) == 3
    assert all(len(a.headers.get_list("x-request-id")) == 1 for a in answers)


def test_log_records_of_a_request_carry_its_id(caplog):
    settings = Settings(_env_file=None, database_url=f"postgresql+psycopg://x:y@127.0.0.1:"
                        f"{free_port()}/x", secret_key=SECRET, cookie_secure=False)
    caplog.handler.addFilter(RequestIdFilter())
    with TestClient(create_app(settings)) as client, \
            caplog.at_level(logging.WARNING, logger="app.observability.readiness"):
        response = client.get("/readyz")  # the failed check is logged within the request
    assert response.status_code == 503
    [record] = [r for r in caplog.records if r.name == "app.observability.readiness"]
    assert record.request_id == response.headers["x-request-id"]


def test_text_lines_show_the_request_id():
    config = log_config(level="info", log_format="text")
    assert config["root"]["level"] == "INFO"
    formatter = logging.Formatter(config["formatters"]["default"]["format"])
    record = logging.LogRecord("app.main", logging.INFO, __file__, 1, "hello %s", ("x",), None)
    RequestIdFilter().filter(record)
    assert formatter.format(record).endswith("INFO app.main [-] hello x")
