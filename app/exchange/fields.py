"""The exchange field schema: the versioned list of columns every export format and the OGC
API share (``app.vacancies.columns``), and the guard CSV puts before text a spreadsheet would
take for a formula.

EXCHANGE_SCHEMA_VERSION changes whenever a column is added, renamed or retyped.
"""

from __future__ import annotations

from app.vacancies.columns import PRIVATE_COLUMNS, columns
from app.vacancies.schemas import PRIVATE_FIELDS, SCHEMA_VERSION

# 1.1: score_interim, score_permanent, score_recommendation, score_profile_version added
# 1.2: photo_urls, cover_photo_url added (export-only)
EXCHANGE_SCHEMA_VERSION = f"{SCHEMA_VERSION}.2"

# A spreadsheet runs a cell starting with = + - @ as a formula, and a leading tab or CR can hide
# one (OWASP "CSV injection"): CSV exports put an apostrophe before such text in EVERY text
# column (a municipality's name too), and imports strip it again. Text that itself starts with
# an apostrophe gets one more, so that every exported value imports back unchanged.
FORMULA_START = "=+-@\t\r'"


def _sql_char(char: str) -> str:
    if char == "'":
        return "''''"
    return f"'{char}'" if char.isprintable() else f"chr({ord(char)})"


def formula_guard_sql(expr: str) -> str:
    """SQL for the text ``expr`` with an apostrophe before a leading FORMULA_START character."""
    starts = ", ".join(_sql_char(char) for char in FORMULA_START)
    return f"CASE WHEN left({expr}, 1) IN ({starts}) THEN '''' || {expr} ELSE {expr} END"


def formula_guard(value: str) -> str:
    """The text ``value`` as formula_guard_sql writes it, for CSV built in Python."""
    return "'" + value if value[:1] and value[0] in FORMULA_START else value


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
