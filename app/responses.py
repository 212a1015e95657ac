"""Response classes and body helpers shared by the routers."""

from collections.abc import Generator, Iterator

from fastapi.responses import JSONResponse, Response

GEOJSON_MEDIA_TYPE = "application/geo+json"


class GeoJSONResponse(JSONResponse):
    media_type = GEOJSON_MEDIA_TYPE


def raw_geojson(body: str, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A GeoJSON document PostgreSQL already serialised: passed through untouched."""
    return Response(body, status_code=status_code, media_type=GEOJSON_MEDIA_TYPE, headers=headers)


def started(chunks: Generator[bytes, None, None]) -> Iterator[bytes]:
    """Runs a streamed body up to its first chunk now, in the route: connecting and starting the
    query fail there, where the error handlers answer 503 or 500. Once a StreamingResponse has
    sent its 200 an error can only cut the body off."""
    first = next(chunks, None)

    def rest() -> Generator[bytes, None, None]:
        try:
            if first is not None:
                yield first
            yield from chunks
        finally:
            chunks.close()  # a client that went away frees the connection now, not at GC

    return rest()
