"""The columns of a vacancy as the register reads them flat (exports, OGC API, field schema).

Pure (no database): each column is a name, the SQL expression that reads it (over ``vacancy v``
joined to ``municipality m`` and the score ``s``) and a kind that decides its GeoPackage/CSV
type. The public part follows ``app.vacancies.schemas.PUBLIC_FIELDS``; a test fails when a field
is added there and not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.vacancies.schemas import PRIVATE_FIELDS, PUBLIC_FIELDS

# "urls": a list of URLs (a JSON array in GeoJSON/OGC items, one space-separated string in
# CSV and GeoPackage)
Kind = Literal["int", "str", "float", "bool", "date", "datetime", "urls"]


@dataclass(frozen=True)
class Column:
    name: str
    sql: str
    kind: Kind
    description: str = ""


FIELD_KINDS: dict[str, Kind] = {
    "street": "str", "house_number": "str", "postcode": "str", "floor_area_m2": "float",
    "floor": "str", "shop_window_m": "float", "condition": "str", "has_wc": "bool",
    "has_heating": "bool", "step_free": "bool", "former_use": "str", "vacant_since": "date",
    "status": "str", "owner_interim_willing": "str", "asking_rent_eur_m2": "float",
    "description": "str", "owner_contact": "str", "internal_notes": "str",
    "owner_consent": "str", "next_follow_up": "date",
}

# the one "stale" rule: not verified within the town's stale_after_days
STALE_SQL = ("(v.verified_at IS NULL OR v.verified_at < "
             "now() - make_interval(days => m.stale_after_days))")

HEAD_COLUMNS: tuple[Column, ...] = (
    Column("id", "v.id", "int", "register id (stable within this instance)"),
    Column("external_id", "v.external_id", "str", "the town's own id; re-imports match on it"),
    Column("municipality", "m.ags", "str", "AGS of the municipality"),
    Column("municipality_name", "m.name", "str", "name of the municipality"),
)
PUBLIC_COLUMNS: tuple[Column, ...] = tuple(
    Column(name, f"v.{name}", FIELD_KINDS[name]) for name in PUBLIC_FIELDS
)


def _milliseconds(sql: str) -> str:
    # exchange formats hold milliseconds: GeoPackage and GDAL keep no finer, and GDAL rounds
    # e.g. 10:00:00.9996 up to a second that some readers (pyogrio) reject
    return f"date_trunc('milliseconds', {sql})"


TAIL_COLUMNS: tuple[Column, ...] = (
    Column("verified_at", _milliseconds("v.verified_at"), "datetime",
           "last on-site or owner check"),
    Column("stale", STALE_SQL, "bool", "not verified within the town's stale_after_days"),
    Column("created_at", _milliseconds("v.created_at"), "datetime"),
    Column("updated_at", _milliseconds("v.updated_at"), "datetime"),
    Column("version", "v.version", "int", "edit version (optimistic locking)"),
)
PRIVATE_COLUMNS: dict[str, Column] = {
    name: Column(name, f"v.{name}", FIELD_KINDS[name], "private") for name in PRIVATE_FIELDS
}

# Scores (app.scoring) travel flat in every format: QGIS reads nested objects only as JSON text.
# Unscored vacancies (reused, withdrawn, …) have empty score columns.
SCORE_COLUMNS: tuple[Column, ...] = (
    Column("score_interim", "s.interim", "int", "suitability for an interim use, 0–100"),
    Column("score_permanent", "s.permanent", "int", "suitability for a permanent reuse, 0–100"),
    Column("score_recommendation", "s.recommendation", "str",
           "interim / permanent / conversion / insufficient_data"),
    Column("score_profile_version", "s.profile_version", "int",
           "version of the scoring profile that produced the scores"),
)

# Photos travel as URLs, never as bytes: the approved photos only (a citizen's is approved by staff
# first), URLs from the app's root. Export-only: an import ignores them.
_APPROVED = "FROM photo p WHERE p.vacancy_id = v.id AND p.approved"
PHOTO_COLUMNS: tuple[Column, ...] = (
    Column("photo_urls", f"ARRAY(SELECT '/api/v1/photos/' || p.id || '.jpg' {_APPROVED} "
                         "ORDER BY p.position, p.id)", "urls",
           "the approved photos' images in gallery order, root-relative URLs (CSV, GeoPackage: "
           "separated by spaces)"),
    Column("cover_photo_url", f"(SELECT '/api/v1/photos/' || p.id || '.jpg' {_APPROVED} "
                              "ORDER BY p.is_cover DESC, p.position, p.id LIMIT 1)", "str",
           "the cover photo's image (else the first approved photo), root-relative URL"),
)


def columns(private: tuple[str, ...] = ()) -> tuple[Column, ...]:
    """The exported columns, in order, with the private ones the caller may read."""
    unknown = set(private) - set(PRIVATE_COLUMNS)
    if unknown:
        raise ValueError(f"not a private field: {sorted(unknown)}")
    extra = tuple(PRIVATE_COLUMNS[name] for name in PRIVATE_FIELDS if name in private)
    return HEAD_COLUMNS + PUBLIC_COLUMNS + SCORE_COLUMNS + PHOTO_COLUMNS + TAIL_COLUMNS + extra
