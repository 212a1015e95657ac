"""The exposé of a vacancy: an A4 PDF in German for interested parties (HTML and CSS rendered by
WeasyPrint), with the cover photo (approved photos only), a location map drawn from the
register's own geometries, key facts, both
scores with their main reasons, the town's contact for interested parties and a QR code of the
vacancy's link.

What it shows comes from the one read model: the caller must be able to read the vacancy
(``get_readable``), and of its fields only the public ones (``PUBLIC_FIELDS``) are used. The
owner's contact never appears; internal notes only in the internal version, for staff of the
town. The renderer fetches nothing: every image is inlined, every other URL is refused.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import segno
from babel.dates import format_date
from babel.numbers import format_decimal
from shapely import wkb
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.accounts import policy
from app.accounts.principal import Principal
from app.errors import Forbidden
from app.expose import mapsvg
from app.pdf import render_pdf
from app.photos import service as photo_service
from app.scoring import service as scoring_service
from app.scoring.service import SCORED_STATUSES
from app.templating import templates
from app.vacancies import query as vacancy_query
from app.vacancies.lifecycle import STATUS_LABELS
from app.vacancies.properties import CONDITION_LABELS, FLOOR_LABELS, WILLINGNESS_LABELS
from app.vacancies.schemas import PUBLIC_FIELDS

BERLIN = ZoneInfo("Europe/Berlin")
MAIN_REASONS = 3  # criteria named per score: the ones that gave the most points


@dataclass(frozen=True)
class Expose:
    pdf: bytes
    filename: str
    version: int


def _number(value: Any, unit: str, digits: int = 1) -> str | None:
    if value is None:
        return None
    return format_decimal(float(value), format=f"#,##0.{'#' * digits}", locale="de_DE") + unit


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("ja" if value else "nein")


def _day(value: str | date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(BERLIN).date()
    return format_date(value, format="long", locale="de_DE")


def _label(table: dict[Any, str], value: Any) -> str | None:
    """The German label of an enum value (the tables are keyed by str enums)."""
    return None if value is None else table.get(value)


def facts(p: dict[str, Any]) -> list[tuple[str, str]]:
    """The key facts as (label, German text), the ones not known left out."""
    equipment = ", ".join(name for name, key in (("WC", "has_wc"), ("Heizung", "has_heating"))
                          if p.get(key)) or None
    rows = [
        ("Stand", _label(STATUS_LABELS, p.get("status"))),
        ("Fläche", _number(p.get("floor_area_m2"), " m²")),
        ("Lage im Haus", _label(FLOOR_LABELS, p.get("floor"))),
        ("Schaufenster", _number(p.get("shop_window_m"), " m Breite")),
        ("Zustand", _label(CONDITION_LABELS, p.get("condition"))),
        ("Ausstattung", equipment),
        ("Stufenlos erreichbar", _yes_no(p.get("step_free"))),
        ("Miete (kalt)", _number(p.get("asking_rent_eur_m2"), " € je m² im Monat", 2)),
        ("Zwischennutzung", _label(WILLINGNESS_LABELS, p.get("owner_interim_willing"))),
        ("Frühere Nutzung", p.get("former_use")),
        ("Leer seit", _day(p.get("vacant_since"))),
    ]
    return [(label, value) for label, value in rows if value]


def main_reasons(score: dict[str, Any], which: str) -> list[str]:
    """The criteria that gave a score the most points, as "Fläche 90 m²"."""
    lines = [c for c in score["criteria"] if not c["missing"] and c.get(which)]
    lines.sort(key=lambda c: c[which]["points"] * c[which]["weight"], reverse=True)
    return [c["label"] + (f": {c['display']}" if c.get("display") not in (None, "") else "")
            for c in lines[:MAIN_REASONS]]


def _town(session: Session, municipality_id: int) -> dict[str, Any]:
    return dict(session.execute(text("""
        SELECT name, ags, public_contact,
               ST_AsBinary(ST_Transform(boundary, 25832)) AS boundary,
               ST_AsBinary(ST_Transform(core_area, 25832)) AS core
        FROM municipality WHERE id = :id
    """), {"id": municipality_id}).mappings().one())


def _shop_point(session: Session, vacancy_id: int):
    raw = session.execute(text("SELECT ST_AsBinary(ST_Transform(location, 25832)) FROM vacancy "
                               "WHERE id = :id"), {"id": vacancy_id}).scalar_one()
    return wkb.loads(bytes(raw))


def _data_uri(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64," + base64.b64encode(data).decode("ascii")


def town_ags(*, session: Session, vacancy_id: int) -> str | None:
    """The AGS of a vacancy's town (for its link); None where there is no such vacancy (the read
    check that follows answers 404 then)."""
    if not 0 < vacancy_id < 2**31:
        return None
    return session.execute(text("SELECT m.ags FROM vacancy v JOIN municipality m ON "
                                "m.id = v.municipality_id WHERE v.id = :id"),
                           {"id": vacancy_id}).scalar()


def render_expose(*, session: Session, principal: Principal, vacancy_id: int, internal: bool,
                  link: str) -> Expose:
    """The PDF of one vacancy the caller may read; ``internal`` adds the internal notes (staff of
    the town only). ``link`` is the vacancy's public page (for the QR code)."""
    # a basic consent of the owner (location and status only) gives no exposé
    vacancy = vacancy_query.get_readable(session=session, principal=principal,
                                         vacancy_id=vacancy_id, details=True)
    if internal and not policy.sees_private(principal, vacancy.municipality_id):
        raise Forbidden("only staff of the town get the exposé with internal notes",
                        field="internal")
    feature_json, version = vacancy_query.get_geojson(session=session, principal=principal,
                                                      vacancy_id=vacancy_id)
    properties = json.loads(feature_json)["properties"]
    public = {key: properties.get(key) for key in PUBLIC_FIELDS}
    town = _town(session, vacancy.municipality_id)
    score = (scoring_service.breakdown(session=session, principal=principal, vacancy_id=vacancy_id)
             if vacancy.status in SCORED_STATUSES else None)
    address = " ".join(filter(None, [public["street"], public["house_number"]])) or "Ohne Adresse"
    shop = _shop_point(session, vacancy_id)
    boundary = wkb.loads(bytes(town["boundary"])) if town["boundary"] else None
    core = wkb.loads(bytes(town["core"])) if town["core"] else None
    location = mapsvg.location_map(shop=shop, boundary=boundary, core=core,
                                   title=f"Lage von {address} in {town['name']}")
    qr = segno.make(link, error="m")
    cover = photo_service.cover_image(session=session, vacancy_id=vacancy_id)
    html = templates.get_template("expose.html").render(
        address=address, town=town, postcode=public.get("postcode"), facts=facts(public),
        description=public.get("description"), score=score,
        reasons={which: main_reasons(score, which) for which in ("interim", "permanent")}
        if score else None,
        internal_notes=properties.get("internal_notes") if internal else None, internal=internal,
        map_uri=_data_uri("image/svg+xml", location.encode()),
        cover_uri=_data_uri("image/jpeg", cover) if cover else None,
        qr_uri=qr.svg_data_uri(scale=4, border=2), link=link,
        data_date=_day(properties.get("verified_at") or properties.get("updated_at")),
        printed=_day(datetime.now(BERLIN)),
        number=lambda value: format_decimal(value, locale="de_DE"))
    pdf = render_pdf(html)
    suffix = "-intern" if internal else ""
    return Expose(pdf=pdf, filename=f"expose-leerstand-{vacancy_id}{suffix}.pdf", version=version)
