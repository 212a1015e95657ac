"""ASGI guards in front of the API: body size limit and JSON content type on writes."""

from __future__ import annotations

import json

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


class BodyGuardMiddleware:
    """Refuses oversized bodies before they are read whole (413) and non-JSON API writes (415).

    ``limits`` maps a path prefix to its own byte limit (uploads); ``uploads`` are prefixes that
    take multipart/form-data or files instead of JSON.
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
            if path.startswith(prefix):
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
        if (has_body and path.startswith(self.api_prefixes) and not path.startswith(self.uploads)
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


class SecurityHeadersMiddleware:
    """Adds the security headers to every response that does not set them itself.

    Plain ASGI, not ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware passes every
    response body through an extra stream, which costs the map's ~1 MB viewport answers CPU.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in SECURITY_HEADERS if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
