"""What is known about the request being served: its id (log lines, the X-Request-ID header)
and its route template (metric labels, log lines without private path parameters).

Both middlewares here are plain ASGI, like app.middleware's: Starlette's BaseHTTPMiddleware
would pass every response body through an extra stream.
"""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from fastapi.routing import iter_route_contexts
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# an incoming id is kept only if it cannot smuggle anything into a log line or a header
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# path parameters that are secrets: a proposal's status link carries its author's token
PRIVATE_PATH_PARAMS = frozenset({"token"})
UNMATCHED = "unmatched"


@dataclass(frozen=True, slots=True)
class RequestContext:
    request_id: str
    scope: Scope


current: ContextVar[RequestContext | None] = ContextVar("leerstand_request", default=None)


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str:
    """The client's (or proxy's) X-Request-ID if it is a short safe token, else a new one."""
    for name, value in headers:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if SAFE_REQUEST_ID.fullmatch(candidate):
                return candidate
            break
    return secrets.token_hex(8)


def _endpoint_templates(app: Any) -> dict[int, str]:
    """Route templates by endpoint, for the routes that do not leave themselves in the scope
    (the API docs, the static files mount); built once per app."""
    templates: dict[int, str] | None = getattr(app.state, "endpoint_templates", None)
    if templates is None:
        templates = {}
        for context in iter_route_contexts(app.routes):
            route, path = context.original_route, str(context.path)
            if isinstance(route, Mount):
                templates[id(route.app)] = f"{path}/{{path}}"
            elif context.endpoint is not None:
                templates[id(context.endpoint)] = path
        app.state.endpoint_templates = templates
    return templates


def route_template(scope: Scope) -> str:
    """The path template the request was routed to (``/api/v1/vacancies/{vacancy_id}``), or
    ``unmatched``: never the raw path, whose ids and tokens are unbounded and may be secret."""
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str):
        return path
    endpoint, app = scope.get("endpoint"), scope.get("app")
    if endpoint is not None and app is not None and hasattr(app, "state"):
        return _endpoint_templates(app).get(id(endpoint), UNMATCHED)
    return UNMATCHED


def loggable_path(scope: Scope) -> str:
    """The request path, or its template where a path parameter is a secret."""
    if PRIVATE_PATH_PARAMS.intersection(scope.get("path_params", ())):
        return route_template(scope)
    return scope["path"]


class RequestContextMiddleware:
    """Gives every HTTP request an id (answered in X-Request-ID) and makes it and the scope
    available to log records through ``current``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope["headers"])
        header = (b"x-request-id", request_id.encode())
        # not reset afterwards: the server runs each request in a task of its own, so the value
        # ends with it, and uvicorn's "Exception in ASGI application" line still carries it
        current.set(RequestContext(request_id, scope))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), header]}
            await send(message)

        await self.app(scope, receive, send_with_id)
