"""The register's rules for an imported vacancy file. No database.

``read`` opens the file with the shared reader (``app.geofile.reader``) and names the columns an
import ignores; a ``Checker`` turns its records, chunk by chunk, into ``Row`` (row number,
validated properties, a WGS84 point) plus what is wrong, per row (row, field, reason). Problems
of the whole file raise ``ImportFileError`` (reported as row 0).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, TypeAdapter, ValidationError

from app.exchange.fields import FORMULA_START
from app.geofile import reader
from app.geofile.reader import Record
from app.geofile.report import Problem
from app.vacancies.lifecycle import VacancyStatus
from app.vacancies.schemas import VacancyFields

IMPORTABLE = tuple(name for name in VacancyFields.model_fields if name != "footprint")
# columns an export writes that an import ignores (so exported files import unchanged)
EXPORT_ONLY = {"id", "fid", "municipality", "municipality_name", "stale", "created_at",
               "updated_at", "version", "lon", "lat", "wkt", "x", "y", "geometry", "geom",
               "score_interim", "score_permanent", "score_recommendation", "score_profile_version",
               "scores", "photo_urls", "cover_photo_url", "photos"}
NOT_IMPORTABLE_STATUSES = {VacancyStatus.reported.value}  # reserved for citizen reports
_TRUE = {"true", "t", "yes", "y", "1", "ja", "j", "wahr", "x"}
_FALSE = {"false", "f", "no", "n", "0", "nein", "falsch"}
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
# the apostrophe CSV exports put before text that would be a formula (fields.FORMULA_START)
_FORMULA_GUARD = re.compile(f"^'(?=[{re.escape(FORMULA_START)}])")
_IMPORTABLE = frozenset(IMPORTABLE)
# names already in canonical form need no renaming (the common case: our own exports)
_KNOWN_KEYS = _IMPORTABLE | EXPORT_ONLY | {"external_id"}
# the names a Shapefile's dBase table may have cut to 10 characters
LONG_NAMES = (*IMPORTABLE, "external_id", "municipality", "municipality_name")


@dataclass
class Row:
    row: int
    values: dict[str, Any]  # validated, only the columns present in the file
    lon: float
    lat: float
    external_id: str | None


# --- validation -----------------------------------------------------------------------------

class ImportFields(VacancyFields):
    """The register's own field rules; enum values as plain strings, ready for COPY."""

    model_config = ConfigDict(**VacancyFields.model_config, use_enum_values=True)


def _kinds(word: str) -> frozenset[str]:
    return frozenset(name for name, info in VacancyFields.model_fields.items()
                     if word in str(info.annotation))


BOOL_FIELDS, FLOAT_FIELDS, DATE_FIELDS = _kinds("bool"), _kinds("float"), _kinds("date")


def _type_problem(name: str, value: Any) -> str | None:
    """What pydantic's lax mode would coerce but an import must not: true as the number 1.0, a
    number as a Unix time. (Lists and objects it refuses itself; 0/1 stay yes/no, as dBase and
    GeoPackage write booleans.)"""
    if type(value) is bool and name not in BOOL_FIELDS:
        return "must be a number or text, not true/false"
    if name in DATE_FIELDS and type(value) in (int, float, bool):
        return "must be a date as text (2024-03-01 or 01.03.2024), not a number"
    return None


def _clean(name: str, value: Any) -> Any:
    """Spreadsheet habits → JSON values: empty cells, German booleans, dates and decimals."""
    if not isinstance(value, str):
        return value
    return _CLEANERS.get(name, _clean_text)(value)


def _clean_text(value: str) -> str | None:
    value = value.strip()
    if value == "":
        return None
    return _FORMULA_GUARD.sub("", value) if value[0] == "'" else value


def _clean_bool(value: str) -> bool | str | None:
    lowered = value.strip().lower()
    if lowered == "":
        return None
    return lowered in _TRUE if lowered in _TRUE or lowered in _FALSE else value.strip()


def _clean_float(value: str) -> str | None:
    value = value.strip()
    if value == "":
        return None
    return value.replace(",", ".") if reader.DECIMAL_COMMA.match(value) else value


def _clean_date(value: str) -> str | None:
    value = value.strip()
    if value == "":
        return None
    match = _GERMAN_DATE.match(value)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return value
    return value


_CLEANERS = {**dict.fromkeys(BOOL_FIELDS, _clean_bool), **dict.fromkeys(FLOAT_FIELDS, _clean_float),
             **dict.fromkeys(DATE_FIELDS, _clean_date)}


@dataclass
class _Prepared:
    values: dict[str, Any]
    external_id: str | None
    problems: list[Problem]


_UNREAD = _Prepared({}, None, [])  # a row whose text cannot be stored: not looked at further


def _canonical(props: dict[str, Any]) -> dict[str, Any]:
    """Column names as the register spells them (trimmed, lower case)."""
    if _KNOWN_KEYS.issuperset(props):
        return props
    return {str(k).strip().lower(): v for k, v in props.items()}


def _external_id(value: Any) -> tuple[str | None, str | None]:
    """The external id as text, or why it is none: only text and whole numbers are ids (an
    object's or a list's str() is not the town's id)."""
    if value is None or type(value) is str:
        value = _FORMULA_GUARD.sub("", value.strip()) if value else None
        return value or None, None
    if type(value) is float and value.is_integer():
        value = int(value)  # spreadsheets turn "17" into 17.0
    if type(value) is int:
        return str(value), None
    kind = {bool: "true/false", float: "a decimal number", dict: "an object", list: "a list"}.get(
        type(value), type(value).__name__)
    return None, f"must be text or a whole number, got {kind}"


def external_ids(records: list[Record]) -> list[str]:
    """The external ids of a file's records, normalised as the checks do (to look them up
    before the rows are checked)."""
    found = (_external_id(_canonical(record.props).get("external_id"))[0] for record in records
             if record.text_problem is None)
    return [value for value in found if value is not None]


def _prepare(record: Record, expected_ags: str) -> _Prepared:
    """Column names and spreadsheet values normalised; the checks that need no model."""
    problems = []
    props = _canonical(record.props)
    ags = props.get("municipality")
    if type(ags) not in (str, int, type(None)):
        problems.append(Problem(record.row, "municipality", "must be the AGS as text"))
    elif ags not in (None, "") and str(ags).strip() != expected_ags:
        problems.append(Problem(record.row, "municipality",
                                f"belongs to AGS {ags}, this import is for {expected_ags}"))
    values = {}
    for name, value in props.items():
        if name not in _IMPORTABLE:
            continue
        wrong = None if type(value) is str else _type_problem(name, value)
        if wrong:
            problems.append(Problem(record.row, name, wrong))
        else:
            values[name] = _clean(name, value)
    external_id, wrong = _external_id(props.get("external_id"))
    if wrong:
        problems.append(Problem(record.row, "external_id", wrong))
    elif external_id is not None and len(external_id) > 100:
        problems.append(Problem(record.row, "external_id", "longer than 100 characters"))
    return _Prepared(values, external_id, problems)


def _validate_props(record: Record, prepared: _Prepared,
                    model: ImportFields | None = None) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The register's field rules for one row; ``model`` when the batch already validated it."""
    problems = prepared.problems
    if model is None:
        try:
            model = ImportFields.model_validate(prepared.values)
        except ValidationError as exc:
            for error in exc.errors():
                name = ".".join(str(p) for p in error["loc"]) or "properties"
                problems.append(Problem(record.row, name, error["msg"]))
            return None, problems
    fields = model.__dict__
    checked = {name: fields[name] for name in prepared.values}
    if checked.get("status") in NOT_IMPORTABLE_STATUSES:
        problems.append(Problem(record.row, "status", "'reported' is reserved for citizen reports"))
    if "status" in checked and checked["status"] is None:
        problems.append(Problem(record.row, "status", "status cannot be empty"))
    if "owner_interim_willing" in checked and checked["owner_interim_willing"] is None:
        checked["owner_interim_willing"] = "unknown"
    checked["external_id"] = prepared.external_id
    return (None if problems else checked), problems


_BATCH = TypeAdapter(list[ImportFields])


def _validate_batch(prepared: list[_Prepared]) -> list[ImportFields] | None:
    """All rows through the field rules in ONE call into pydantic-core (the per-call overhead
    of 100,000 separate calls was a third of the validation time). None if any row fails: then
    each row is validated alone, so that every problem is reported with its own row."""
    try:
        return _BATCH.validate_python([p.values for p in prepared])
    except ValidationError:
        return None


class Checker:
    """Checks a file's records chunk by chunk (so that writing can begin before the last row is
    read); an external id may appear only once in the whole file."""

    def __init__(self, epsg: int, expected_ags: str) -> None:
        self.epsg, self.expected_ags = epsg, expected_ags
        self.seen: dict[str, int] = {}

    def check(self, records: list[Record]) -> tuple[list[Row], list[Problem]]:
        """Rows that pass every check that needs no database, and the problems of the others."""
        problems: list[Problem] = []
        rows: list[Row] = []
        seen, epsg = self.seen, self.epsg
        prepared = [_UNREAD if record.text_problem else _prepare(record, self.expected_ags)
                    for record in records]
        models = _validate_batch(prepared)
        points = reader.to_wgs84(records, epsg)
        for i, (record, point) in enumerate(zip(records, points, strict=True)):
            if record.text_problem:  # the row as a whole: its values are not looked at
                problems.append(Problem(record.row, *record.text_problem))
                continue
            row_problems = []
            if record.geometry_problem:
                row_problems.append(Problem(record.row, "geometry", record.geometry_problem))
            elif not reader.in_range(point):
                row_problems.append(Problem(record.row, "geometry",
                                            f"coordinates [{record.x}, {record.y}] are out of "
                                            f"range for EPSG:{epsg}"))
            values, prop_problems = _validate_props(record, prepared[i],
                                                    models[i] if models else None)
            row_problems += prop_problems
            external_id = values.get("external_id") if values else None
            if external_id is not None:
                if external_id in seen:
                    row_problems.append(Problem(record.row, "external_id", f"{external_id!r} "
                                                f"already used in row {seen[external_id]}"))
                else:
                    seen[external_id] = record.row
            if row_problems:
                problems += row_problems
                continue
            # a missing point or failed field rules always come with a problem
            assert values is not None and point is not None
            values.pop("external_id")
            rows.append(Row(record.row, values, point[0], point[1], external_id))
        return rows, problems


def read(path: Path, *, filename: str | None = None,
         crs: str | None = None) -> reader.PointSource:
    """A vacancy file's records (not yet checked), its ``columns`` narrowed to the importable
    ones; file-level problems raise ImportFileError."""
    src = reader.read_points(path, filename=filename, crs=crs, layer="vacancies",
                             long_names=LONG_NAMES)
    ignored = sorted(set(src.columns) - _KNOWN_KEYS - set(reader.LON_NAMES)
                     - set(reader.LAT_NAMES) - set(reader.WKT_NAMES))
    warnings = list(src.warnings)
    if ignored:
        warnings.append(f"ignored columns: {', '.join(ignored)}")
    if "external_id" not in src.columns:
        warnings.append("no external_id column: importing this file again creates duplicates")
    present = [name for name in IMPORTABLE if name in src.columns]
    return dataclasses.replace(src, columns=present, warnings=warnings)
