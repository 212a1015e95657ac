"""Response classes and body helpers shared by the routers, and what the OpenAPI document says
about answers: the error bodies, each error status once, the media types besides JSON.

The routers declare the errors that depend on what a route does (``responses=errors(401, 404)``);
``document_errors`` adds the ones that every route of a kind gets from the machinery in
app.main and app.middleware (validation, malformed JSON, body size and type), and replaces
FastAPI's default validation-error schema with the body the handlers really send.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from app.database import error_class
from app.middleware import WRITE_METHODS

GEOJSON_MEDIA_TYPE = "application/geo+json"
HTML_MEDIA_TYPE = "text/html"
log = logging.getLogger(__name__)


class GeoJSONResponse(JSONResponse):
    media_type = GEOJSON_MEDIA_TYPE


def raw_geojson(body: str, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A GeoJSON document PostgreSQL already serialised: passed through untouched."""
    return Response(body, status_code=status_code, media_type=GEOJSON_MEDIA_TYPE, headers=headers)


class StreamAborted(Exception):
    """A streamed body failed after its status line was sent. Raised out of the body iterator,
    so that the server closes the connection without the chunked body's terminating empty chunk:
    the client sees a cut transfer (curl: exit 18, GDAL: an error), never a short file that looks
    complete. It carries no detail: the cause is logged by ``started_stream``."""


def started_stream(chunks: Iterator[bytes], *, what: str) -> Iterator[bytes]:
    """``chunks`` with the first one already read, so that a database that is down or a query
    that fails raises here, in the route, and gets its error status from the one error table.
    A failure after that aborts the response (``StreamAborted``)."""
    first = next(chunks, b"")
    return _continued(first, chunks, what)


def _continued(first: bytes, chunks: Iterator[bytes], what: str) -> Iterator[bytes]:
    yield first
    try:
        yield from chunks
    except Exception as exc:
        name, sqlstate = error_class(exc)
        frames = "".join(traceback.format_tb(exc.__traceback__))
        log.error("stream of %s aborted: %s (SQLSTATE %s)\n%s", what, name, sqlstate, frames)
        raise StreamAborted(f"stream of {what} aborted") from None


# --- error bodies --------------------------------------------------------------------------------

class ValidationIssue(BaseModel):
    """One refused input; the request's own value is not echoed back."""

    loc: list[str | int] = Field(description="where: body, query, path or header, then the keys")
    msg: str
    type: str


class Error(BaseModel):
    """The body of every error answer of /api (app.errors.DomainError.body and the handlers in
    app.main). Some errors add keys of their own, e.g. ``retry_after`` (429)."""

    model_config = ConfigDict(extra="allow")

    detail: str = Field(description="what was wrong, in English")
    code: str = Field(description="the kind of error, e.g. not_found, validation_error")
    field: str | None = Field(None, description="the offending input, where there is one")
    errors: list[ValidationIssue] | None = Field(None, description="each refused input (422, 400)")


class OgcException(BaseModel):
    """OGC API's exception body (/ogc, 400 and 404)."""

    code: str = Field(description="InvalidParameterValue or NotFound")
    description: str
    parameter: str | None = Field(None, description="the offending query parameter")


ERROR_MODELS: tuple[type[BaseModel], ...] = (Error, OgcException)
# why each status is sent; a route's own reasons are in its description
ERROR_DESCRIPTIONS = {
    400: "Malformed request (e.g. the body is not valid JSON, a malformed header)",
    401: "No valid API token or login: the Authorization header is malformed, or the token "
         "invalid or revoked",
    403: "Authenticated, but not allowed to do this",
    404: "No such resource (or not one the caller may see)",
    409: "Conflicts with the stored data (e.g. a stale version)",
    413: "The request body is too large",
    415: "The request body is not JSON (Content-Type application/json or application/geo+json)",
    422: "Invalid input: a value is missing, out of range or not valid for the resource",
    428: "A precondition is required (If-Match)",
    429: "Too many requests from this client; try again after Retry-After seconds",
    503: "The database is not available",
    504: "The export took longer than LEERSTAND_EXPORT_TIMEOUT_S and was stopped; narrow it "
         "down (municipality, status, updated_since) or try again later",
}
ERROR_HEADERS = {
    401: {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"},
                               "required": True}},
    429: {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"},
                          "required": True}},
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def errors(*statuses: int, body: type[BaseModel] = Error) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for the routes: each status with its description and error body."""
    return {status: {"description": ERROR_DESCRIPTIONS[status],
                     "content": {"application/json": {"schema": _ref(body)}},
                     **({"headers": ERROR_HEADERS[status]} if status in ERROR_HEADERS else {})}
            for status in statuses}


def content(media_type: str, schema: dict[str, Any] | None = None, *,
            headers: dict[str, str] | None = None) -> dict[str, Any]:
    """One success response in a media type FastAPI does not infer (GeoJSON built by PostgreSQL,
    CSV, GeoPackage, HTML), with the headers it always carries (name → description)."""
    response: dict[str, Any] = {"content": {media_type: {"schema": schema or {}}}}
    if headers:
        response["headers"] = {name: {"description": text, "schema": {"type": "string"},
                                      "required": True} for name, text in headers.items()}
    return response


_FEATURE = {"type": "object", "required": ["type", "geometry", "properties"],
            "properties": {"type": {"const": "Feature"},
                           "geometry": {"type": ["object", "null"]},
                           "properties": {"type": ["object", "null"]}}}
GEOJSON_FEATURE: dict[str, Any] = {**_FEATURE, "description": "GeoJSON Feature (RFC 7946)"}
GEOJSON_COLLECTION: dict[str, Any] = {
    "type": "object", "description": "GeoJSON FeatureCollection (RFC 7946)",
    "required": ["type", "features"],
    "properties": {"type": {"const": "FeatureCollection"},
                   "features": {"type": "array", "items": _FEATURE}},
}
HTML_PAGE: dict[str, Any] = {"type": "string", "description": "an HTML page"}


# --- the document --------------------------------------------------------------------------------

def _common_errors(method: str, path: str, operation: dict[str, Any]) -> list[int]:
    """The statuses the shared machinery can send for an operation: the validation handler
    (where FastAPI validates parameters or a body, it declared its default 422), a body that
    cannot be parsed (malformed JSON or multipart), BodyGuardMiddleware (writes under /api/:
    size, and the media type unless the route takes a file)."""
    body = operation.get("requestBody", {}).get("content", {})
    statuses = []
    if "HTTPValidationError" in str(operation["responses"].get("422")):
        statuses.append(422)
    if body:
        statuses.append(400)
    if method.upper() in WRITE_METHODS and path.startswith("/api/"):
        statuses.append(413)
        if "multipart/form-data" not in body:
            statuses.append(415)
    return statuses


def document_errors(document: dict[str, Any]) -> dict[str, Any]:
    """The error bodies as components, and the shared statuses on each operation (in place)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in ERROR_MODELS:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    # FastAPI's default 422 body ({"detail": [...]}) is not what the validation handler sends
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            common = errors(*_common_errors(method, path, operation))
            responses = operation["responses"]
            if "HTTPValidationError" in str(responses.get("422")):
                del responses["422"]
            for status, response in common.items():
                responses.setdefault(str(status), response)
            operation["responses"] = dict(sorted(responses.items()))
    return document


def install_openapi(app: FastAPI) -> None:
    """Makes ``app.openapi()`` (and /openapi.json) the document with the error responses."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
