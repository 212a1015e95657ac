"""Absolute links to this service, from LEERSTAND_PUBLIC_URL and never from the Host header.

A client chooses its Host header freely; links built from it (``request.base_url``) point
wherever the client says, and a cache in front of the app may hand them on to everybody."""

from __future__ import annotations

from starlette.datastructures import URL
from starlette.requests import Request

DEFAULT_PORTS = {"http": 80, "https": 443}


def public_base(request: Request) -> str:
    """The service's base URL, without a trailing slash.

    ``LEERSTAND_PUBLIC_URL`` when set (production must set it). Unset, for development: the
    scheme and the address the server listens on (``scope["server"]``), which the client does
    not choose; behind a proxy that address is the wrong one, not a forged one."""
    configured: str | None = request.app.state.settings.public_url
    if configured:
        return configured
    server = request.scope.get("server")
    if not server:  # a Unix socket: links relative to the host the client used
        return ""
    host, port = server
    host = f"[{host}]" if ":" in host else host
    scheme = request.scope.get("scheme", "http")
    netloc = host if port is None or port == DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    return f"{scheme}://{netloc}{request.scope.get('root_path', '')}"


def route_path(request: Request) -> str:
    """The request's path inside the app (without a root path the server was given)."""
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def public_url(request: Request, path: str = "") -> str:
    """``path`` (from the app's root, e.g. ``/ogc``) under the public base."""
    return public_base(request) + path


def this_url(request: Request) -> URL:
    """The URL of this request, with its query, under the public base."""
    query = request.url.query
    return URL(public_url(request, route_path(request)) + (f"?{query}" if query else ""))
