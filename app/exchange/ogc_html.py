"""The OGC API's HTML pages in German: titles, link texts, a label per field, values as a person
reads them (Ja/Nein, German numbers and dates, the German label of an enum value). The JSON
documents stay as they are; only what ogc.html shows is translated here."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from app import formats
from app.proposals.models import CATEGORY_LABELS, DURATION_LABELS
from app.scoring.rules import RECOMMENDATION_LABELS
from app.vacancies.lifecycle import STATUS_LABELS
from app.vacancies.properties import CONDITION_LABELS, FLOOR_LABELS, WILLINGNESS_LABELS

COLLECTION_TEXTS = {
    "vacancies": ("Leerstände", "Leerstehende und bald leerstehende Ladenlokale; ohne Anmeldung nur "
                  "die veröffentlichten, ohne Eigentümerdaten."),
    "municipalities": ("Gemeinden", "Thüringer Gemeinden (Verwaltungsgrenzen des BKG) mit ihrem "
                       "Amtlichen Gemeindeschlüssel."),
    "proposals": ("Nutzungsideen", "Veröffentlichte Ideen aus der Bürgerschaft mit ihrem Gebiet, "
                  "Ort oder Laden; nie die E-Mail-Adresse."),
}
FIELD_LABELS = {
    # vacancies (app.vacancies.columns)
    "id": "Nr.", "external_id": "Kennung der Stadt", "municipality": "Gemeindeschlüssel (AGS)",
    "municipality_name": "Gemeinde", "street": "Straße", "house_number": "Hausnummer",
    "postcode": "Postleitzahl", "floor_area_m2": "Fläche (m²)", "floor": "Lage im Haus",
    "shop_window_m": "Schaufenster (m)", "condition": "Zustand", "has_wc": "WC",
    "has_heating": "Heizung", "step_free": "Stufenlos erreichbar", "former_use": "Frühere Nutzung",
    "vacant_since": "Leer seit", "status": "Status",
    "owner_interim_willing": "Zwischennutzung möglich", "asking_rent_eur_m2": "Miete (€/m², kalt)",
    "description": "Beschreibung", "owner_contact": "Kontakt Eigentümer",
    "internal_notes": "Interne Notizen", "owner_consent": "Zustimmung Eigentümer",
    "next_follow_up": "Nächste Nachfrage", "score_interim": "Eignung Zwischennutzung",
    "score_permanent": "Eignung Nachnutzung", "score_recommendation": "Empfehlung",
    "score_profile_version": "Bewertungsprofil (Version)", "verified_at": "Zuletzt geprüft",
    "stale": "Länger nicht geprüft", "created_at": "Angelegt", "updated_at": "Geändert",
    "version": "Version", "photo_urls": "Fotos (Adressen)", "cover_photo_url": "Titelfoto (Adresse)",
    # municipalities
    "ags": "Gemeindeschlüssel (AGS)", "name": "Name", "population": "Einwohner",
    "has_core_area": "Innenstadtbereich gezeichnet", "stale_after_days": "Prüfen nach (Tagen)",
    # proposals
    "title": "Titel", "category": "Art der Nutzung", "min_area_m2": "Fläche mindestens (m²)",
    "max_area_m2": "Fläche höchstens (m²)", "needs_ground_floor": "braucht Erdgeschoss",
    "needs_shop_window": "braucht Schaufenster", "needs_step_free": "braucht stufenlosen Zugang",
    "duration": "Zeitraum", "max_rent_eur_m2": "Miete höchstens (€/m²)", "vacancy_id": "Laden (Nr.)",
    "radius_m": "Umkreis (m)", "display_name": "Vorgeschlagen von",
    "support_count": "Unterstützungen", "published_at": "Veröffentlicht",
}
# the fields whose values are enum values: their German label
_ENUMS: dict[str, dict[Any, str]] = {
    "status": STATUS_LABELS, "floor": FLOOR_LABELS, "condition": CONDITION_LABELS,
    "owner_interim_willing": WILLINGNESS_LABELS, "score_recommendation": RECOMMENDATION_LABELS,
    "category": CATEGORY_LABELS, "duration": DURATION_LABELS,
}
ENUM_LABELS = {field: {str(getattr(k, "value", k)): v for k, v in table.items()}
               for field, table in _ENUMS.items()}
# numbers that name something rather than count it: shown as they are, without separators
IDENTIFIERS = {"id", "vacancy_id", "version", "score_profile_version"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")

_LINK_TEXTS = {
    "service-desc": "API-Beschreibung (OpenAPI)", "service-doc": "API-Dokumentation",
    "conformance": "Konformitätsklassen", "data": "Sammlungen", "next": "nächste Seite",
    "prev": "vorherige Seite",
}
_FORMATS = {"application/geo+json": "GeoJSON", "application/json": "JSON", "text/html": "HTML"}


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name)


def value_text(name: str, value: Any) -> str:
    """A property's value as a person reads it."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return formats.yes_no(value)
    if isinstance(value, list):  # photo_urls
        return " ".join(str(item) for item in value)
    if name in ENUM_LABELS:
        return ENUM_LABELS[name].get(str(value), str(value))
    if name in IDENTIFIERS or not isinstance(value, int | float):
        return _text(value)
    return formats.number(value)


def _text(value: Any) -> str:
    text = str(value)
    if _DATE.match(text):
        return formats.date(dt.date.fromisoformat(text))
    if _DATE_TIME.match(text):
        return formats.date_time(dt.datetime.fromisoformat(text))
    return text


def link_text(link: dict[str, str]) -> str:
    """What a link leads to, in German; the format named when it matters ("Objekte (GeoJSON)")."""
    rel, kind = link.get("rel", ""), _FORMATS.get(link.get("type", ""), link.get("type", ""))
    if rel == "self":
        return f"diese Seite ({kind})"
    if rel == "alternate":
        return f"diese Seite als {kind}"
    if rel == "items":
        return f"Objekte ({kind})"
    return _LINK_TEXTS.get(rel, rel)


def table(features: list[dict[str, Any]]) -> dict[str, Any]:
    """Column heads and rows of German text for a list of features."""
    names = list(features[0]["properties"]) if features else []
    return {
        "heads": [FIELD_LABELS["id"]] + [field_label(n) for n in names],
        "rows": [[str(f.get("id", ""))] + [value_text(n, f["properties"].get(n)) for n in names]
                 for f in features],
    }


def fields(feature: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) of one feature, for its own page."""
    return [(FIELD_LABELS["id"], str(feature.get("id", "")))] + [
        (field_label(n), value_text(n, v)) for n, v in feature["properties"].items()]


def count_text(returned: int, matched: int) -> str:
    """"100 von 1.234 Objekten", "1 von 1 Objekt"."""
    return f"{formats.number(returned)} von {formats.count(matched, 'Objekt', 'Objekten')}"
