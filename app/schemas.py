"""Shared API types: the strict request and response base models, the AGS, the e-mail address,
the legacy CRS member.

Every schema builds on these, so a rule (what an AGS looks like, that unknown keys are refused)
is written once.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

# Amtlicher Gemeindeschlüssel: 8 digits (Land, Regierungsbezirk, Kreis, Gemeinde)
AGS_PATTERN = r"^[0-9]{8}$"
# deliberately loose: one @, a dot in the domain, no spaces or angle brackets
EMAIL_PATTERN = r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$"

AGS = Annotated[str, Field(pattern=AGS_PATTERN, description="AGS (8 digits)")]
Email = Annotated[str, Field(max_length=320, pattern=EMAIL_PATTERN), AfterValidator(str.lower)]


class Strict(BaseModel):
    """Request bodies: unknown keys, NaN and infinity are refused; text is stripped."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


class Out(BaseModel):
    """Response bodies: exactly the keys the service gave. A key the model does not declare is an
    error, not silently dropped, and no field has a default, so the model never adds a key (a
    private one as ``null``, say) that the service left out; text passes unchanged."""

    model_config = ConfigDict(extra="forbid")


class CRSMember(BaseModel):
    """The legacy GeoJSON (2008) ``crs`` member; RFC 7946 dropped it, GIS exports still write it."""

    type: Literal["name"]
    properties: dict[str, Any]
