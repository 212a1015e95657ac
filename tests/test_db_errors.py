"""A statement PostgreSQL rejects: the client gets a plain error, and no log line carries the
statement's parameters (private contacts, notes, e-mails)."""

from __future__ import annotations

import logging

import httpx
from sqlalchemy import text

from app.database import make_engine
from tests.helpers.towns import SCHMOELLN
from tests.helpers.users import bearer
from tests.helpers.vacancies import VACANCIES, feature

MARKERS = ("Geheimkontakt-7f3a", "Geheimnotiz-91c2")
REJECT = """
CREATE FUNCTION reject_for_test() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'rejected by the test'; END $$;
CREATE TRIGGER reject_for_test BEFORE INSERT ON vacancy
FOR EACH ROW EXECUTE FUNCTION reject_for_test();
"""


def test_engines_hide_parameters(database_url):
    assert make_engine(database_url).hide_parameters


def test_rejected_statement_logs_no_parameters(live_server, users, caplog):
    token = users.token("staff", SCHMOELLN)
    with make_engine(live_server.settings.database_url).begin() as conn:
        conn.execute(text(REJECT))
    uvicorn_log = logging.getLogger("uvicorn.error")
    uvicorn_log.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.DEBUG):
            response = httpx.post(live_server.url + VACANCIES, headers=bearer(token), json=feature(
                owner_contact=MARKERS[0], internal_notes=MARKERS[1]))
    finally:
        uvicorn_log.removeHandler(caplog.handler)
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert not any(marker in response.text for marker in MARKERS)
    logged = "\n".join(caplog.handler.format(record) for record in caplog.records)
    assert "vacancy" in logged  # the error was logged ...
    for marker in MARKERS:  # ... without the statement's parameters
        assert marker not in logged

