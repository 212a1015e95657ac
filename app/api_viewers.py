"""FastAPI's API viewers, /docs (Swagger UI) and /redoc (ReDoc), from this server's own
``static/vendor/`` instead of a CDN, under the enforced Content-Security-Policy: the inline
scripts (Swagger UI's set-up, the OAuth2 redirect page) and ReDoc's generated <style> elements
carry the response's nonce; no favicon or web font from outside."""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse

from app.static_assets import static_url

SWAGGER_JS = static_url("vendor/swagger-ui/swagger-ui-bundle.js")
SWAGGER_CSS = static_url("vendor/swagger-ui/swagger-ui.css")
REDOC_JS = static_url("vendor/redoc/redoc.standalone.js")
DOCS_URL, REDOC_URL, OAUTH2_REDIRECT_URL = "/docs", "/redoc", "/docs/oauth2-redirect"
_INLINE_SCRIPT = re.compile(r"<script>")
_INLINE_STYLE = re.compile(r"<style>")
_REDOC = re.compile(r"<redoc spec-url=")
_REDOC_SCRIPT = re.compile(r"<script src=\"[^\"]*/redoc\.standalone\.[0-9a-f]+\.js\"> ?</script>")
REDOC_INIT = ("\n    <script>const el = document.querySelector(\"redoc\"); Redoc.init(el.dataset.specUrl, "
              "{nonce: document.currentScript.nonce}, el);</script>")
_FAVICON = re.compile(r"[ \t]*<link rel=\"shortcut icon\"[^>]*>\n?")


def _own(request: Request, response: HTMLResponse) -> HTMLResponse:
    """The helper's page with the nonce on its inline scripts, a language, and without the
    favicon link (FastAPI's points to its own web site)."""
    nonce = getattr(request.state, "csp_nonce", "")
    html = _FAVICON.sub("", bytes(response.body).decode())
    html = html.replace("<html>", '<html lang="en">', 1)  # the API and its texts speak English
    # ReDoc starts itself from <redoc spec-url>; started here instead, it gets the nonce for the
    # <style> elements it writes (a nonce attribute on <redoc> would read empty: browsers hide it)
    html = _REDOC.sub(r'<redoc data-spec-url=', html)
    html = _REDOC_SCRIPT.sub(lambda m: m.group(0) + REDOC_INIT, html)
    html = _INLINE_SCRIPT.sub(f'<script nonce="{nonce}">', html)
    html = _INLINE_STYLE.sub(f'<style nonce="{nonce}">', html)  # ReDoc's page: body margin
    return HTMLResponse(html, status_code=response.status_code)


def install_api_viewers(app: FastAPI) -> None:
    """Adds /docs, /docs/oauth2-redirect and /redoc; the app is created with ``docs_url=None``
    and ``redoc_url=None``. None of them is part of the OpenAPI document."""
    schema_url = app.openapi_url
    assert schema_url, "the viewers show the app's OpenAPI document"

    def root(request: Request) -> str:
        return request.scope.get("root_path", "").rstrip("/")

    async def swagger_ui(request: Request) -> HTMLResponse:
        base = root(request)
        return _own(request, get_swagger_ui_html(
            openapi_url=base + schema_url, title=f"{app.title} - Swagger UI",
            swagger_js_url=base + SWAGGER_JS, swagger_css_url=base + SWAGGER_CSS,
            oauth2_redirect_url=base + OAUTH2_REDIRECT_URL, init_oauth=app.swagger_ui_init_oauth,
            swagger_ui_parameters=app.swagger_ui_parameters))

    async def oauth2_redirect(request: Request) -> HTMLResponse:
        return _own(request, get_swagger_ui_oauth2_redirect_html())

    async def redoc(request: Request) -> HTMLResponse:
        base = root(request)
        return _own(request, get_redoc_html(
            openapi_url=base + schema_url, title=f"{app.title} - ReDoc",
            redoc_js_url=base + REDOC_JS, with_google_fonts=False))

    app.add_route(DOCS_URL, swagger_ui, include_in_schema=False)
    app.add_route(OAUTH2_REDIRECT_URL, oauth2_redirect, include_in_schema=False)
    app.add_route(REDOC_URL, redoc, include_in_schema=False)
