"""Importing house coordinates: official Hauskoordinaten, an OpenStreetMap extract, any CSV,
GeoJSON or GeoPackage of points with street and house number.

Opened by the shared reader (CRS from the file; a CSV's from ``crs``), every row checked, the
common report (app.geofile.report) names each bad row. All rows or none: a row with a problem
(no street or number, text that cannot be stored, a point outside its town, the same address
twice in the file) means nothing is written, unless ``skip_invalid``. The rule for addresses
already stored: an address is its town, normalised street and normalised house number
(app.addresses.normalise); importing one that exists updates it (spelling, postcode, point,
source) instead of adding a second. ``replace`` first deletes the towns' addresses, in the same
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.addresses.normalise import house_number_key, search_text, street_key
from app.database import rowcount
from app.errors import NotFound
from app.geofile import reader
from app.geofile.report import ImportReport, Problem
from app.municipalities import service as municipalities
from app.municipalities.models import Municipality

MAX_FILE_BYTES = 200 * 1024 * 1024  # Thuringia's ~1 million house coordinates as CSV: ~150 MB
MAX_ROWS = 1_500_000
MAX_STREET, MAX_NUMBER = 200, 20
# column names, first match wins (lower case): ours, German, OpenStreetMap, Hauskoordinaten
STREET_FIELDS = ("street", "strasse", "straße", "addr:street", "stn")
NUMBER_FIELDS = ("house_number", "hausnummer", "hnr", "addr:housenumber")
SUFFIX_FIELDS = ("hausnummerzusatz", "suffix", "adz")
POSTCODE_FIELDS = ("postcode", "plz", "addr:postcode")
AGS_FIELDS = ("municipality", "ags")


@dataclass(kw_only=True)
class AddressReport(ImportReport):
    """The common import report; ``replaced``: addresses deleted first (``--replace``)."""

    municipality: str | None = None
    replaced: int = 0

    def context(self) -> dict[str, Any]:
        return {"municipality": self.municipality}

    def figures(self) -> dict[str, Any]:
        return {"replaced": self.replaced, **super().figures()}

    def lines(self) -> list[str]:
        """The report in German: headline, one line per problem, the summary."""
        town = f" für AGS {self.municipality}" if self.municipality else ""
        out = [f"{self.file}: {self.format}, {self.crs}, {self.rows} Zeilen{town}"]
        out += [f"Hinweis: {w}" for w in self.warnings]
        out += [f"{f'Zeile {p.row}' if p.row else 'Datei'}: {p.field}: {p.reason}"
                for p in self.problems]
        rows_with_problems = len({p.row for p in self.problems if p.row})
        if any(p.row == 0 for p in self.problems):
            out.append("Datei abgelehnt – nichts gespeichert")
        elif self.rejected:
            out.append(f"0 importiert, 0 aktualisiert, {rows_with_problems} Zeilen mit Fehlern "
                       "– nichts gespeichert")
        else:
            replaced = f", {self.replaced} bisherige gelöscht" if self.replaced else ""
            out.append(f"{self.created} importiert, {self.updated} aktualisiert, "
                       f"{rows_with_problems} Zeilen mit Fehlern{replaced}")
        return out


@dataclass(frozen=True)
class AddressRow:
    """A checked address, ready to store."""

    row: int
    municipality_id: int
    street: str
    house_number: str
    postcode: str | None
    lon: float
    lat: float
    search: str

    @property
    def key(self) -> tuple[int, str, str]:
        return self.municipality_id, street_key(self.street), house_number_key(self.house_number)


def address_row(*, row: int, town: Municipality, street: str, house_number: str,
                postcode: str | None, lon: float, lat: float) -> AddressRow:
    return AddressRow(row, town.id, street, house_number, postcode, lon, lat,
                      search_text(street, house_number, postcode, town.name))


# --- one record --------------------------------------------------------------------------------

def _value(props: dict[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = props.get(name)
        if value is not None and str(value).strip() != "":
            return value
    return None


def _as_text(value: Any) -> str | None:
    """A cell as text: numbers from a GeoPackage or GeoJSON without a trailing ".0"."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _postcode(value: Any) -> tuple[str | None, str | None]:
    """The postcode, or why not; 4 digits are a postcode whose leading 0 a spreadsheet lost."""
    code = _as_text(value)
    if code is None:
        return None, None
    if code.isdigit() and len(code) == 4:
        code = "0" + code
    if not (code.isdigit() and len(code) == 5):
        return None, f"eine Postleitzahl hat 5 Ziffern, nicht {code[:20]!r}"
    return code, None


def _text_fields(props: dict[str, Any]) -> tuple[str | None, str | None, str | None,
                                                list[tuple[str, str]]]:
    """Street, house number (with suffix) and postcode of a record, and the problems."""
    problems: list[tuple[str, str]] = []
    street = _as_text(_value(props, STREET_FIELDS))
    number = _as_text(_value(props, NUMBER_FIELDS))
    suffix = _as_text(_value(props, SUFFIX_FIELDS))
    if number and suffix:
        number = f"{number}{suffix}" if len(suffix) == 1 else f"{number} {suffix}"
    for name, value, longest in (("street", street, MAX_STREET),
                                 ("house_number", number, MAX_NUMBER)):
        if value is None:
            problems.append((name, "fehlt (Spalte " + " / ".join(
                STREET_FIELDS if name == "street" else NUMBER_FIELDS) + ")"))
        elif "\x00" in value:
            problems.append((name, "enthält ein NUL-Zeichen (\\u0000)"))
        elif len(value) > longest:
            problems.append((name, f"länger als {longest} Zeichen ({len(value)})"))
        elif not (street_key(value) if name == "street" else house_number_key(value)):
            problems.append((name, f"enthält weder Buchstaben noch Ziffern: {value[:40]!r}"))
    postcode, why = _postcode(_value(props, POSTCODE_FIELDS))
    if why:
        problems.append(("postcode", why))
    return street, number, postcode, problems


class _Towns:
    """The import's towns: the one named, or each row's ``municipality``/``ags``."""

    def __init__(self, session: Session, ags: str | None) -> None:
        self.session = session
        self.named = municipalities.get_by_ags(session=session, ags=ags) if ags else None
        self.by_ags: dict[str, Municipality | None] = {}

    def of(self, props: dict[str, Any]) -> tuple[Municipality | None, str | None]:
        stated = _as_text(_value(props, AGS_FIELDS))
        if stated is not None and stated.isdigit() and len(stated) == 7:
            stated = "0" + stated  # a spreadsheet's lost leading zero
        if self.named is not None:
            if stated is not None and stated != self.named.ags:
                return None, (f"die Zeile nennt AGS {stated[:20]}, importiert wird für AGS "
                              f"{self.named.ags}")
            return self.named, None
        if stated is None:
            return None, "fehlt: ohne --municipality braucht jede Zeile die AGS ihrer Gemeinde"
        if stated not in self.by_ags:
            try:
                self.by_ags[stated] = municipalities.get_by_ags(session=self.session, ags=stated)
            except NotFound:
                self.by_ags[stated] = None
        town = self.by_ags[stated]
        return (town, None) if town else (None, f"keine Gemeinde mit AGS {stated[:20]!r}")


def _checked(src: reader.PointSource, towns: _Towns, problems: list[Problem]) -> list[AddressRow]:
    rows: list[AddressRow] = []
    first_of: dict[tuple[int, str, str], int] = {}
    for record, point in zip(src.records, reader.to_wgs84(src.records, src.epsg), strict=True):
        if record.text_problem:
            problems.append(Problem(record.row, *record.text_problem))
            continue
        props = {str(k).lower(): v for k, v in record.props.items()}
        found = len(problems)
        if record.geometry_problem:
            problems.append(Problem(record.row, "geometry", record.geometry_problem))
        elif not reader.in_range(point):
            problems.append(Problem(record.row, "geometry", f"Koordinaten [{record.x}, "
                                    f"{record.y}] liegen außerhalb von EPSG:{src.epsg}"))
        street, number, postcode, text_problems = _text_fields(props)
        problems += [Problem(record.row, name, why) for name, why in text_problems]
        town, why = towns.of(props)
        if why:
            problems.append(Problem(record.row, "municipality", why))
        if len(problems) > found or town is None or point is None or street is None \
                or number is None:
            continue
        row = address_row(row=record.row, town=town, street=street, house_number=number,
                          postcode=postcode, lon=point[0], lat=point[1])
        if row.key in first_of:
            problems.append(Problem(record.row, "address", f"{row.street} {row.house_number} "
                                    f"steht schon in Zeile {first_of[row.key]}"))
            continue
        first_of[row.key] = record.row
        rows.append(row)
    return rows


def _outside(session: Session, rows: list[AddressRow]) -> list[Problem]:
    """The rows whose point is not in their town's boundary, with where it lies instead."""
    if not rows:
        return []
    found = session.execute(text(f"""
        SELECT t.n, t.x, t.y, m.id,
               ST_Covers(m.boundary, ST_SetSRID(ST_MakePoint(t.y, t.x), 4326)) AS swapped,
               {municipalities.containing_sql("ST_SetSRID(ST_MakePoint(t.x, t.y), 4326)")}
        FROM unnest(CAST(:ns AS int[]), CAST(:towns AS int[]), CAST(:xs AS float8[]),
                    CAST(:ys AS float8[])) AS t(n, town, x, y)
        JOIN municipality m ON m.id = t.town
        WHERE NOT ST_Covers(m.boundary, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326))
        ORDER BY t.n
    """), {"ns": [r.row for r in rows], "towns": [r.municipality_id for r in rows],
           "xs": [r.lon for r in rows], "ys": [r.lat for r in rows]}).all()
    ids = {town_id for _n, _x, _y, town_id, _s, _c in found}
    towns = {m.id: m for m in session.scalars(select(Municipality).where(Municipality.id.in_(ids)))}
    return [Problem(n, "geometry", municipalities.outside_message(
                lon=x, lat=y, town=towns[town_id], containing=containing, swapped=swapped))
            for n, x, y, town_id, swapped, containing in found]


# --- writing -----------------------------------------------------------------------------------

def store(*, session: Session, rows: list[AddressRow], source: str) -> tuple[int, int]:
    """Inserts the rows, updating an address already stored (same key); (created, updated)."""
    if not rows:
        return 0, 0
    inserted = session.execute(text("""
        INSERT INTO address (municipality_id, street, house_number, postcode, geom, street_key,
                             house_number_key, search, source)
        SELECT t.town, t.street, t.number, t.postcode, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326),
               t.street_key, t.number_key, t.search, :source
        FROM unnest(CAST(:towns AS int[]), CAST(:streets AS text[]), CAST(:numbers AS text[]),
                    CAST(:postcodes AS text[]), CAST(:xs AS float8[]), CAST(:ys AS float8[]),
                    CAST(:street_keys AS text[]), CAST(:number_keys AS text[]),
                    CAST(:searches AS text[]))
             AS t(town, street, number, postcode, x, y, street_key, number_key, search)
        ON CONFLICT (municipality_id, street_key, house_number_key) DO UPDATE SET
            street = EXCLUDED.street, house_number = EXCLUDED.house_number,
            postcode = EXCLUDED.postcode, geom = EXCLUDED.geom, search = EXCLUDED.search,
            source = EXCLUDED.source, imported_at = now()
        RETURNING xmax = 0
    """), {"source": source, "towns": [r.municipality_id for r in rows],
           "streets": [r.street for r in rows], "numbers": [r.house_number for r in rows],
           "postcodes": [r.postcode for r in rows], "xs": [r.lon for r in rows],
           "ys": [r.lat for r in rows], "street_keys": [r.key[1] for r in rows],
           "number_keys": [r.key[2] for r in rows],
           "searches": [r.search for r in rows]}).scalars().all()
    created = sum(1 for new in inserted if new)
    return created, len(inserted) - created


def delete_towns(*, session: Session, town_ids: set[int], source: str | None = None) -> int:
    """Deletes the towns' addresses (only those of ``source`` when given); how many."""
    return rowcount(session, text(
        "DELETE FROM address WHERE municipality_id = ANY(:ids)"
        " AND (CAST(:source AS text) IS NULL OR source = :source)"),
        {"ids": sorted(town_ids), "source": source})


def import_addresses(*, session: Session, path: Path, ags: str | None = None,
                     replace: bool = False, crs: str | None = None, skip_invalid: bool = False,
                     source: str | None = None) -> AddressReport:
    """Check every row, then (all valid, or ``skip_invalid``) store them. A problem of the whole
    file (broken, unknown CRS, empty, wrong type) writes nothing and is row 0 of the report."""
    towns = _Towns(session, ags)
    report = AddressReport(file=path.name, municipality=ags, skip_invalid=skip_invalid)
    try:
        src = reader.read_points(path, crs=crs, max_bytes=MAX_FILE_BYTES, max_rows=MAX_ROWS)
        if not src.records:
            raise reader.ImportFileError("the file holds no addresses", field="file")
    except reader.ImportFileError as exc:
        report.skip_invalid = False  # nothing of a broken file is written
        report.finish([Problem(0, exc.field or "file", exc.message)])
        return report
    report.format, report.crs, report.rows = src.format, f"EPSG:{src.epsg}", len(src.records)
    report.warnings = src.warnings
    problems: list[Problem] = []
    rows = _checked(src, towns, problems)
    outside = _outside(session, rows)
    problems += outside
    report.finish(problems)
    if report.rejected:
        return report
    bad = {p.row for p in outside}
    rows = [r for r in rows if r.row not in bad]
    town_ids = {towns.named.id} if towns.named else {r.municipality_id for r in rows}
    if replace:
        report.replaced = delete_towns(session=session, town_ids=town_ids)
    report.created, report.updated = store(session=session, rows=rows, source=source or path.name)
    return report
