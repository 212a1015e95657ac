"""The API viewers /docs (Swagger UI) and /redoc (ReDoc) in headless Chromium: they render from
this server's own files alone (every other host is aborted and fails the test) and run under
the enforced Content-Security-Policy without a violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _enforced(response) -> None:
    policy = response.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in policy and "unsafe" not in policy, policy
    assert "default-src 'self'" in policy and "style-src 'self'" in policy, policy
    assert "content-security-policy-report-only" not in response.headers


def test_swagger_ui_lists_the_operations_offline(live_server, page, guard):
    _enforced(page.goto(f"{live_server.url}/docs"))
    expect(page.locator(".opblock-summary-path").first).to_be_visible(timeout=60_000)
    expect(page.locator("#swagger-ui")).to_contain_text("/api/v1/vacancies")
    page.locator(".opblock-summary-path", has_text="/api/v1/labels").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert guard.tiles == []
    guard.assert_clean()


def test_redoc_renders_offline(live_server, page, guard):
    _enforced(page.goto(f"{live_server.url}/redoc"))
    # ReDoc renders the whole OpenAPI document first: well over 5 s on a busy machine
    expect(page.locator("redoc")).to_contain_text("Leerstand API", timeout=60_000)
    expect(page.locator("redoc")).to_contain_text("/api/v1/vacancies")
    assert guard.tiles == []
    guard.assert_clean()
