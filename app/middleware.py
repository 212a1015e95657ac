"""ASGI guards in front of the app: body size limit and JSON content type on writes; the
security headers and the Content-Security-Policy on every answer, no-store on private ones."""

from __future__ import annotations

import json
import re
import secrets
from functools import lru_cache
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

JSON_MEDIA_TYPES = ("application/json", "application/geo+json", "application/merge-patch+json")
WRITE_METHODS = {"POST", "PUT", "PATCH"}


class _TooLarge(HTTPException):
    """An HTTPException, so FastAPI's body parsing re-raises it instead of answering 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"request body exceeds {limit} bytes")


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"detail": message, "code": code}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


@lru_cache(maxsize=64)
def _prefix_regex(prefix: str) -> re.Pattern[str]:
    return re.compile("".join("[^/]+" if part == "*" else re.escape(part)
                              for part in re.split(r"(\*)", prefix)))


def path_under(path: str, prefix: str) -> bool:
    """``path`` starts with ``prefix``, in which ``*`` stands for one path segment
    (``/api/v1/vacancies/*/photos``)."""
    if "*" not in prefix:
        return path.startswith(prefix)
    return _prefix_regex(prefix).match(path) is not None


class BodyGuardMiddleware:
    """Refuses oversized bodies before they are read whole (413) and non-JSON API writes (415).

    ``limits`` maps a path prefix to its own byte limit (uploads), the first that matches
    counting; ``uploads`` are prefixes that take multipart/form-data or files instead of JSON.
    A ``*`` in a prefix stands for one path segment.
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, limits: dict[str, int] | None = None,
        uploads: tuple[str, ...] = (), api_prefixes: tuple[str, ...] = ("/api/",),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.limits = limits or {}
        self.uploads = uploads
        self.api_prefixes = api_prefixes

    def _limit(self, path: str) -> int:
        for prefix, limit in self.limits.items():
            if path_under(path, prefix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope["headers"]}
        limit = self._limit(path)
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _send_error(send, 413, "payload_too_large", f"request body exceeds {limit} bytes")
            return
        has_body = (length is not None and length != "0") or "transfer-encoding" in headers
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        upload = any(path_under(path, prefix) for prefix in self.uploads)
        if (has_body and path.startswith(self.api_prefixes) and not upload
                and media_type not in JSON_MEDIA_TYPES):
            await _send_error(
                send, 415, "unsupported_media_type",
                f"Content-Type must be application/json or application/geo+json, got {media_type!r}",
            )
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(limit)
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _send_error(send, 413, "payload_too_large", f"request body exceeds {limit} bytes")


SECURITY_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"))
# every script is a file of this server; the inline scripts (folium's map set-up, Swagger UI's
# set-up at /docs) carry the response's nonce. No inline styles (Leaflet styles through the CSSOM,
# which CSP allows) except ReDoc's generated <style> elements, which carry the nonce on /redoc.
CSP = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'{style_nonce}; "
       "img-src 'self' data:{images}; object-src 'none'; base-uri 'self'; "
       "frame-ancestors 'none'; form-action 'self'")
# ReDoc 2.5.4's bundle writes one <style> element as it loads (style-loader), before it can know
# the nonce: admitted by its hash (and the empty element's); a new ReDoc may need new hashes
REDOC_STYLE_HASHES = " 'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='" \
                     " 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
REDOC_WORKERS = "; worker-src 'self' blob:"  # ReDoc's search index runs in a worker from a blob


def csp_source(url_template: str) -> str | None:
    """The CSP source that admits the hosts of a tile URL template, None for this server's own.

    ``{s}`` in the first label of the host (subdomains a/b/c) becomes ``*``; a placeholder
    anywhere else in the host leaves only the scheme."""
    parts = urlsplit(url_template)
    if not parts.scheme or not parts.netloc:
        return None
    host = parts.netloc
    first, dot, rest = host.partition(".")
    if "{" in first and dot and "{" not in rest:
        host = "*." + rest
    elif "{" in host:
        return f"{parts.scheme}:"
    return f"{parts.scheme}://{host}"


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)


class SecurityHeadersMiddleware:
    """Adds the security headers to every response that does not set them itself, the
    Content-Security-Policy with a fresh nonce (``request.state.csp_nonce`` for the templates),
    and ``Cache-Control: no-store`` to private answers.

    Private: anything under ``private_paths`` (login, logout, secret links) and every answer
    to a request with an ``Authorization`` header or a logged-in cookie session (the session
    holds ``session_login_key``), except static files. ``redoc_paths`` (ReDoc, whose
    styled-components write <style> elements and whose search runs in a worker made from a blob)
    admit styles with the response's nonce and ``blob:`` workers too.

    Plain ASGI, not ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware passes every
    response body through an extra stream, which costs the map's ~1 MB viewport answers CPU.
    """

    def __init__(
        self, app: ASGIApp, *, image_sources: tuple[str, ...] = (),
        private_paths: tuple[str, ...] = (), session_login_key: str | None = None,
        redoc_paths: tuple[str, ...] = (), static_prefix: str = "/static/",
    ) -> None:
        self.app = app
        self.csp = CSP.replace("{images}", "".join(f" {s}" for s in image_sources))
        self.private_paths = private_paths
        self.session_login_key = session_login_key
        self.redoc_paths = redoc_paths
        self.static_prefix = static_prefix

    def _private(self, scope: Scope) -> bool:
        path: str = scope["path"]
        if path.startswith(self.static_prefix):
            return False
        if _under(path, self.private_paths):
            return True
        if any(name.lower() == b"authorization" for name, _ in scope["headers"]):
            return True
        session = scope.get("session") or {}
        return bool(self.session_login_key and session.get(self.session_login_key))

    def _policy(self, scope: Scope, nonce: str) -> list[tuple[bytes, bytes]]:
        policy = self.csp
        if _under(scope["path"], self.redoc_paths):
            policy = policy.replace("{style_nonce}", " 'nonce-{nonce}'" + REDOC_STYLE_HASHES)
            policy += REDOC_WORKERS
        policy = policy.replace("{style_nonce}", "").replace("{nonce}", nonce)
        return [(b"content-security-policy", policy.encode())]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(18)
        scope.setdefault("state", {})["csp_nonce"] = nonce

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if self._private(scope):
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in
                            (*SECURITY_HEADERS, *self._policy(scope, nonce)) if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
