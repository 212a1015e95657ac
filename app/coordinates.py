"""HTTP for converting a typed coordinate pair (e.g. Rechtswert/Hochwert in ETRS89 / UTM 32N
from the town's GIS) to WGS84, so the staff editor can place a vacancy by coordinates and show
the spot before saving. No database: app.geo does the work with pyproj."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from app import geo
from app.responses import errors
from app.schemas import Out

router = APIRouter(prefix="/api/v1/coordinates", tags=["coordinates"], responses=errors(503))


class Position(Out):
    lon: float = Field(description="longitude (WGS84)")
    lat: float = Field(description="latitude (WGS84)")
    x: float = Field(description="the x (east) value asked for")
    y: float = Field(description="the y (north) value asked for")
    crs: str = Field(description="the CRS of x and y, e.g. EPSG:25832")


@router.get("/wgs84", response_model=Position, summary="A coordinate pair converted to WGS84",
            responses=errors(422))
def to_wgs84(
    x: Annotated[float, Query(allow_inf_nan=False, description="east value (Rechtswert)")],
    y: Annotated[float, Query(allow_inf_nan=False, description="north value (Hochwert)")],
    crs: Annotated[str, Query(description="CRS of x and y (EPSG:25832, 31467, 31468, 3857, "
                                          "4326)")] = "EPSG:25832",
) -> Position:
    """422 for an unknown CRS, values out of the zone's range, swapped values, or a point
    outside Thuringia."""
    epsg = geo.parse_crs(crs)
    lon, lat = geo.point_to_wgs84(x, y, epsg)
    return Position(lon=round(lon, 7), lat=round(lat, 7), x=x, y=y, crs=f"EPSG:{epsg}")
