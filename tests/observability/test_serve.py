"""``leerstand serve`` as a real process: JSON log lines carrying the request id of the answer,
no status token in any line, and Prometheus multiprocess mode."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import text

from app.database import make_engine
from tests.helpers.server import leerstand_serve
from tests.helpers.towns import SCHMOELLN
from tests.helpers.users import bearer
from tests.helpers.vacancies import VACANCIES, feature

STATUS_TOKEN = "geheim-status-token-91c2"
CONTACT = "Geheimkontakt-4d2b"
REJECT = """
CREATE FUNCTION reject_for_test() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'rejected: %', NEW.owner_contact; END $$;
CREATE TRIGGER reject_for_test BEFORE INSERT ON vacancy
FOR EACH ROW EXECUTE FUNCTION reject_for_test();
"""
FIELDS = {"time", "level", "logger", "message", "request_id"}


def test_json_log_lines_carry_the_request_id(database_url, users, tmp_path):
    token = users.token("staff", SCHMOELLN)
    with make_engine(database_url).begin() as conn:  # a failing write: an error line of the app
        conn.execute(text(REJECT))
    env = {"LEERSTAND_LOG_FORMAT": "json", "LEERSTAND_LOG_LEVEL": "INFO"}
    with leerstand_serve(database_url, tmp_path, **env) as url, \
            httpx.Client(base_url=url, timeout=30) as http:
        answers = [
            http.get("/api/v1/labels", headers={"X-Request-ID": "lb-7f3a.1"}),
            http.get("/api/v1/labels", headers={"X-Request-ID": "not safe\\n{}"}),
            http.get(f"/api/v1/proposals/status/{STATUS_TOKEN}"),
            http.post(VACANCIES, headers=bearer(token), json=feature(owner_contact=CONTACT)),
        ]
    assert [a.status_code for a in answers] == [200, 200, 404, 500]
    ids = [a.headers["x-request-id"] for a in answers]
    assert ids[0] == "lb-7f3a.1"
    assert ids[1] != "not safe\\n{}" and len(set(ids)) == 4

    log = (tmp_path / "serve.log").read_text()
    assert STATUS_TOKEN not in log and CONTACT not in log
    lines = [json.loads(line) for line in log.splitlines()]  # every line is one JSON object
    assert all(FIELDS <= line.keys() for line in lines), lines
    by_id = {rid: [line for line in lines if line["request_id"] == rid] for rid in ids}
    for rid, answer in zip(ids, answers, strict=True):
        access = [line for line in by_id[rid] if line["logger"] == "uvicorn.access"]
        assert [(a["method"], a["status"]) for a in access] == [
            (answer.request.method, answer.status_code)], by_id[rid]
    assert access_path(by_id[ids[2]]) == "/api/v1/proposals/status/[redacted]"
    # the app's own error line, logged in the request's worker thread, has the id too
    errors = [line for line in by_id[ids[3]] if line["logger"] == "app.main"]
    assert len(errors) == 1 and errors[0]["level"] == "ERROR"
    assert "(SQLSTATE P0001)" in errors[0]["message"]
    assert any("Leerstand läuft auf" in line["message"] for line in lines)


def access_path(lines: list[dict]) -> str:
    return next(line["path"] for line in lines if line["logger"] == "uvicorn.access")


def test_multiprocess_mode_keeps_metrics_in_the_folder(database_url, tmp_path):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_999999.db").write_bytes(b"left over from an earlier run")
    env = {"PROMETHEUS_MULTIPROC_DIR": str(folder)}
    with leerstand_serve(database_url, tmp_path, **env) as url, \
            httpx.Client(base_url=url, timeout=30) as http:
        for _ in range(3):
            assert http.get(f"/api/v1/municipalities/{SCHMOELLN}").status_code == 200
        metrics = http.get("/metrics").text
        files = sorted(path.name for path in folder.glob("*.db"))
    assert "counter_999999.db" not in files and files
    assert ('leerstand_http_requests_total{method="GET",route="/api/v1/municipalities/{ags}",'
            'status="2xx"} 3.0') in metrics
    assert 'leerstand_db_pool_size{pid="' in metrics
