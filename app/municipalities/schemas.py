"""Municipality API schemas: the core-area body, and the GeoJSON the routes answer with.

The GeoJSON is built by PostGIS; the models document its properties and keep its geometries as
PostGIS wrote them (GeoJSON objects, WGS84).
"""

from __future__ import annotations

from typing import Any, Literal

from geojson_pydantic import MultiPolygon, Polygon
from pydantic import Field

from app.schemas import CRSMember, Out, Strict

GeoJSONGeometry = dict[str, Any]


class CoreAreaIn(Strict):
    """A GeoJSON Polygon/MultiPolygon, or a Feature with one; ``null`` geometry clears it."""

    type: Literal["Feature", "Polygon", "MultiPolygon"]
    geometry: Polygon | MultiPolygon | None = None
    coordinates: Any = None
    properties: dict[str, Any] | None = None
    crs: CRSMember | None = None


class MunicipalityProperties(Out):
    ags: str = Field(description="Amtlicher Gemeindeschlüssel (8 digits)")
    name: str
    population: int | None
    has_core_area: bool
    stale_after_days: int = Field(description="a vacancy not verified for this many days is stale")
    public_contact: str | None = Field(
        description="the town's contact for interested parties (printed on exposés)")
    require_owner_consent: bool = Field(
        description="citizens see only vacancies whose owner consented to publication")


class MunicipalitySettings(Strict):
    """The town's own settings; keys left out stay as they are."""

    public_contact: str | None = Field(
        None, max_length=1000,
        description="contact for interested parties, e.g. the Wirtschaftsförderung's name, "
                    "phone and e-mail; printed on exposés; public")
    stale_after_days: int | None = Field(None, ge=7, le=3650)
    require_owner_consent: bool | None = Field(
        None, description="on: citizens see only vacancies with the owner's consent, and only "
                          "what it covers (basic: location and status)")


class MunicipalityDetail(MunicipalityProperties):
    centre: GeoJSONGeometry | None = Field(description="GeoJSON Point")
    core_area: GeoJSONGeometry | None = Field(description="GeoJSON MultiPolygon; null: none drawn")


class MunicipalityListFeature(Out):
    type: Literal["Feature"]
    id: str = Field(description="AGS")
    geometry: GeoJSONGeometry | None = Field(description="centre point or simplified boundary")
    properties: MunicipalityProperties


class MunicipalityCollection(Out):
    type: Literal["FeatureCollection"]
    numberMatched: int  # OGC spells it so
    numberReturned: int  # OGC spells it so
    features: list[MunicipalityListFeature]


class MunicipalityFeature(Out):
    type: Literal["Feature"]
    id: str = Field(description="AGS")
    geometry: GeoJSONGeometry | None = Field(description="the boundary (MultiPolygon)")
    properties: MunicipalityDetail
