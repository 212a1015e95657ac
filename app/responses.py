"""Response classes and body helpers shared by the routers."""

import logging
import traceback
from collections.abc import Iterator

from fastapi.responses import JSONResponse, Response

from app.database import error_class

GEOJSON_MEDIA_TYPE = "application/geo+json"
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
