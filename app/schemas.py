"""Shared API types: the strict request and response base models, the AGS, the e-mail address,
an instant of time, the legacy CRS member.

Every schema builds on these, so a rule (what an AGS looks like, that unknown keys are refused)
is written once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

# Amtlicher Gemeindeschlüssel: 8 digits (Land, Regierungsbezirk, Kreis, Gemeinde)
AGS_PATTERN = r"^[0-9]{8}$"
# deliberately loose: one @, a dot in the domain, no spaces or angle brackets
# no control characters (NUL, CR, LF …): the address goes into mail headers
EMAIL_PATTERN = r"^[^@\s<>\x00-\x1f\x7f]+@[^@\s<>\x00-\x1f\x7f]+\.[^@\s<>\x00-\x1f\x7f]+$"

AGS = Annotated[str, Field(pattern=AGS_PATTERN, description="AGS (8 digits)")]
Email = Annotated[str, Field(max_length=320, pattern=EMAIL_PATTERN), AfterValidator(str.lower)]
# a path id beyond PostgreSQL's integer is refused before it reaches a query
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
# no time zone is further from UTC (ISO 8601 practice, java.time's limit); Python allows <24h,
# PostgreSQL's timestamptz input only ±15:59, hence instants go to the database in UTC
MAX_UTC_OFFSET = timedelta(hours=18)


def utc_instant(moment: datetime) -> datetime:
    """``moment`` in UTC (without an offset it is taken as UTC); an offset beyond ±18:00, or a
    time that falls outside years 1–9999 once in UTC, is refused."""
    offset = moment.utcoffset()
    if offset is None:
        return moment.replace(tzinfo=UTC)
    if abs(offset) > MAX_UTC_OFFSET:
        sign, minutes = "-" if offset < timedelta(0) else "+", int(abs(offset).total_seconds()) // 60
        raise ValueError(f"UTC offset {sign}{minutes // 60:02d}:{minutes % 60:02d} is outside ±18:00")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("not representable in UTC (before year 1 or after 9999)") from None


# a query parameter like updated_since: an ISO 8601 time, normalised to UTC
Instant = Annotated[datetime, AfterValidator(utc_instant)]
# the deepest legitimate body, a Feature with a MultiPolygon, nests 7 levels; far deeper ones
# would exhaust the stack in the geometry code (RecursionError)
MAX_DEPTH = 32


def check_raw(value: Any) -> None:
    """Refuses, anywhere in a decoded JSON body: a NUL character (PostgreSQL text cannot hold
    one), nesting deeper than MAX_DEPTH, and coordinates that are not plain numbers (pydantic
    would read "12.35" as 12.35). Iterative, so a deep body cannot exhaust the stack here."""
    stack: list[tuple[Any, int, bool]] = [(value, 0, False)]
    while stack:
        item, depth, in_coordinates = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, str):
            if "\x00" in item:
                raise ValueError("text must not contain NUL characters (\\u0000)")
            if in_coordinates:
                raise ValueError("coordinates must be numbers, not text")
        elif isinstance(item, bool) and in_coordinates:
            raise ValueError("coordinates must be numbers, not true/false")
        elif isinstance(item, dict):
            for key, child in item.items():
                stack.append((key, depth + 1, False))
                stack.append((child, depth + 1, in_coordinates or key == "coordinates"))
        elif isinstance(item, list | tuple):
            stack.extend((child, depth + 1, in_coordinates) for child in item)


class Strict(BaseModel):
    """Request bodies: unknown keys, NaN and infinity are refused; text is stripped; NUL
    characters, absurd nesting and text coordinates are refused (check_raw)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _check_raw(cls, data: Any) -> Any:
        check_raw(data)
        return data


class Out(BaseModel):
    """Response bodies: exactly the keys the service gave. A key the model does not declare is an
    error, not silently dropped, and no field has a default, so the model never adds a key (a
    private one as ``null``, say) that the service left out; text passes unchanged."""

    model_config = ConfigDict(extra="forbid")


class CRSMember(BaseModel):
    """The legacy GeoJSON (2008) ``crs`` member; RFC 7946 dropped it, GIS exports still write it."""

    type: Literal["name"]
    properties: dict[str, Any]
