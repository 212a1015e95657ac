"""`leerstand serve` runs the mail worker in a thread: a report's confirmation mail reaches a
real SMTP server, and the server's JSON log names no citizen's address."""

from __future__ import annotations

import time

import httpx

from tests.helpers.participation import SECRET_EMAIL, report_body
from tests.helpers.server import serve_process


def test_serve_sends_and_logs_no_address(database_url, smtp, tmp_path):
    sink, port = smtp
    with serve_process(database_url, tmp_path, LEERSTAND_SMTP_URL=f"smtp://127.0.0.1:{port}",
                       LEERSTAND_LOG_FORMAT="json", LEERSTAND_LOG_LEVEL="INFO") as (url, _):
        response = httpx.post(f"{url}/api/v1/reports",
                              json=report_body(email=SECRET_EMAIL, consent=True), timeout=30)
        assert response.status_code == 201, response.text
        deadline = time.monotonic() + 30
        while not sink.messages and time.monotonic() < deadline:
            time.sleep(0.1)
    assert [to for _, to in sink.envelopes] == [[SECRET_EMAIL]]
    log = (tmp_path / "serve.log").read_text()
    assert '"logger": "app.mail.worker"' in log.replace('":"', '": "')  # the worker logged
    assert "mail worker stopped" in log  # and stopped with the server
    assert SECRET_EMAIL not in log
