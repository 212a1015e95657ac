"""The GeoJSON the address routes answer with (open data: no personal fields exist)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.schemas import Out


class PointGeometry(Out):
    type: Literal["Point"]
    coordinates: list[float] = Field(description="[lon, lat] in WGS84")


class AddressProperties(Out):
    street: str
    house_number: str
    postcode: str | None
    municipality: str = Field(description="AGS (8 digits)")
    municipality_name: str
    label: str = Field(description='"Musterstraße 3, 07639 Musterstadt", for display')


class NearestProperties(AddressProperties):
    distance_m: float = Field(description="metres from the point asked for")


class AddressFeature(Out):
    type: Literal["Feature"]
    id: int
    geometry: PointGeometry
    properties: AddressProperties


class NearestFeature(AddressFeature):
    properties: NearestProperties


class AddressCollection(Out):
    type: Literal["FeatureCollection"]
    features: list[AddressFeature] = Field(description="best match first")
