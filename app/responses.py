"""Response classes and body helpers shared by the routers."""

from fastapi.responses import JSONResponse, Response

GEOJSON_MEDIA_TYPE = "application/geo+json"


class GeoJSONResponse(JSONResponse):
    media_type = GEOJSON_MEDIA_TYPE


def raw_geojson(body: str, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A GeoJSON document PostgreSQL already serialised: passed through untouched."""
    return Response(body, status_code=status_code, media_type=GEOJSON_MEDIA_TYPE, headers=headers)
