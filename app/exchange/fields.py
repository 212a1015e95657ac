"""The exchange field schema: the versioned list of columns every export format and the OGC
API share (``app.vacancies.columns``), and the free-text columns CSV guards against formulas.

EXCHANGE_SCHEMA_VERSION changes whenever a column is added, renamed or retyped.
"""

from __future__ import annotations

from app.vacancies.columns import PRIVATE_COLUMNS, columns
from app.vacancies.schemas import PRIVATE_FIELDS, SCHEMA_VERSION

# 1.1: score_interim, score_permanent, score_recommendation, score_profile_version added
EXCHANGE_SCHEMA_VERSION = f"{SCHEMA_VERSION}.1"

# free-text columns a spreadsheet could take for a formula; exports neutralise a leading
# = + - @ with an apostrophe (OWASP "CSV injection") and imports strip it again
TEXT_COLUMNS = frozenset({"street", "former_use", "description", "owner_contact", "internal_notes",
                          "external_id", "house_number"})


def schema_document() -> dict:
    """The documented, versioned field schema (served at /api/v1/export/schema)."""
    return {
        "schema_version": EXCHANGE_SCHEMA_VERSION,
        "geometry": "Point, WGS84 lon/lat (GeoJSON, CSV lon/lat/wkt); GeoPackage EPSG:4326",
        "fields": [
            {"name": c.name, "type": c.kind, "description": c.description,
             "private": c.name in PRIVATE_COLUMNS}
            for c in columns(tuple(PRIVATE_FIELDS))
        ],
        "csv_extra_columns": ["lon", "lat", "wkt"],
    }
