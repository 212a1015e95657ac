"""Secrets stay out of the access log: a real ``leerstand serve`` logs the authors' status links
with a placeholder for the token, and token-like query values and API tokens redacted."""

from __future__ import annotations

import httpx
import pytest

from app.access_log import Redactor
from app.accounts.service import TOKEN_PREFIX
from app.main import SECRET_LINKS
from tests.helpers.participation import point, proposal_body
from tests.helpers.server import leerstand_serve

REDACT = Redactor(SECRET_LINKS, (TOKEN_PREFIX,))
API_TOKEN = "lst_" + "S3cr3tApiT0ken" * 3


def test_a_real_server_logs_status_links_without_their_token(database_url, tmp_path):
    with leerstand_serve(database_url, tmp_path, LEERSTAND_LOG_LEVEL="INFO",
                         PYTHONUNBUFFERED="1") as url:
        created = httpx.post(f"{url}/api/v1/proposals", json=proposal_body(
            location=point(), radius_m=200)).json()
        token = created["status_token"]
        assert httpx.get(url + created["status_page"]).status_code == 200
        assert httpx.get(url + created["status_url"]).status_code == 200
        assert httpx.get(f"{url}/vorschlaege/%73tatus/{token}").status_code == 200  # %73 = s
        httpx.get(f"{url}/api/v1/me?token=geheim-eins&Access_Token=geheim-zwei&f=json")
        httpx.get(f"{url}/api/v1/labels?key={API_TOKEN}")
    log = (tmp_path / "serve.log").read_text()
    assert '"GET /vorschlaege/status/[redacted] HTTP/1.1" 200' in log, log
    assert '"GET /api/v1/proposals/status/[redacted] HTTP/1.1" 200' in log, log
    assert "/api/v1/me?token=[redacted]&Access_Token=[redacted]&f=json" in log, log
    assert "/api/v1/labels?key=[redacted]" in log, log
    for secret in (token, "geheim-eins", "geheim-zwei", API_TOKEN):
        assert secret not in log


@pytest.mark.parametrize(("target", "logged"), [
    ("/vorschlaege/status/abcDEF123_-xyz", "/vorschlaege/status/[redacted]"),
    ("/vorschlaege/status/abc/more?x=1", "/vorschlaege/status/[redacted]/[redacted]?x=1"),
    ("/api/v1/proposals/status/abc?token=t", "/api/v1/proposals/status/[redacted]?token=[redacted]"),
    ("/vorschlaege/17", "/vorschlaege/17"),
    ("/vorschlaege/status/", "/vorschlaege/status/"),
    ("/karte/16077043?f=html&token", "/karte/16077043?f=html&token"),
    ("/x?%74oken=abc&status_token=def", "/x?%74oken=[redacted]&status_token=[redacted]"),
    ("/api/v1/tokens/lst_abc-DEF_1", "/api/v1/tokens/[redacted]"),
    ("/api/v1/me", "/api/v1/me"),
])
def test_redactor(target, logged):
    assert REDACT(target) == logged
