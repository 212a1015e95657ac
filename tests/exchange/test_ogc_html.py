"""The OGC API's HTML pages speak German: headings, link texts, field labels, Ja/Nein, German
numbers and dates, enum values by their label; the JSON documents keep their English names."""

from __future__ import annotations

import re

from app.exchange import ogc_html
from app.vacancies.columns import PRIVATE_COLUMNS, columns
from tests.helpers.german import english_numbers, raw_booleans
from tests.helpers.towns import SCHMOELLN

ITEMS = "/ogc/collections/vacancies/items"


def _text(html: str) -> str:
    body = html.split("<main", 1)[1].split(">", 1)[1]
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def _html(client, url: str, **params) -> str:
    response = client.get(url, params={"f": "html", **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return _text(response.text)


def test_every_exchange_column_has_a_german_label():
    names = [c.name for c in columns(tuple(PRIVATE_COLUMNS))]
    assert [n for n in names if n not in ogc_html.FIELD_LABELS] == []


def test_landing_collections_and_collection_pages_are_german(client):
    landing = _html(client, "/ogc")
    assert "Leerstehende Ladenlokale" in landing and "Sammlungen" in landing
    assert "API-Dokumentation" in landing and "Konformitätsklassen" in landing
    assert "this document" not in landing and "the collections" not in landing
    collections = _html(client, "/ogc/collections")
    assert "Sammlungen" in collections and "Leerstände" in collections and "Nutzungsideen" in collections
    assert "(vacancies)" not in collections and "Vacant" not in collections
    one = _html(client, "/ogc/collections/vacancies")
    assert "Sammlung: Leerstände" in one and "Objekte (GeoJSON)" in one and "Objekte (HTML)" in one
    assert "as GeoJSON" not in one
    assert "Konformitätsklassen" in _html(client, "/ogc/conformance")


def test_items_page_has_labels_ja_nein_and_german_numbers(client, register):
    page = _html(client, ITEMS, municipality=SCHMOELLN, limit=1)
    assert page.startswith("Objekte: Leerstände")
    assert "1 von 2 Objekten" in page and "nächste Seite" in page
    page = _html(client, ITEMS, municipality=SCHMOELLN)
    assert "2 von 2 Objekten" in page
    for label in ("Straße", "Fläche (m²)", "Lage im Haus", "Status", "WC", "Zuletzt geprüft"):
        assert label in page
    assert "floor_area_m2" not in page and "owner_interim_willing" not in page
    assert "120,5" in page and "120.5" not in page
    assert "drohend" in page.lower() and "Erdgeschoss" in page and "Ja" in page
    assert "01.03.2024" in page and "2024-03-01" not in page
    assert raw_booleans(page) == []
    assert english_numbers(page, ungrouped=False) == []


def test_an_item_page_lists_its_fields_with_labels(client, register):
    threatened = register[1]
    page = _html(client, f"{ITEMS}/{threatened['id']}")
    assert f"Leerstände: Objekt {threatened['id']}" in page
    assert "Fläche (m²) 120,5" in page and "Leer seit 01.03.2024" in page
    assert re.search(r"Länger nicht geprüft (Ja|Nein)", page)
    assert raw_booleans(page) == [] and english_numbers(page, ungrouped=False) == []
    # the JSON keeps the field names and values of the exchange schema
    body = client.get(f"{ITEMS}/{threatened['id']}", headers={"Accept": "application/geo+json"}).json()
    assert body["properties"]["floor_area_m2"] == 120.5 and body["properties"]["status"] == "threatened"


def test_proposals_and_municipalities_pages_are_german(client, register):
    towns = _html(client, "/ogc/collections/municipalities/items", limit=3)
    assert "Einwohner" in towns and "Innenstadtbereich gezeichnet" in towns
    assert raw_booleans(towns) == [] and english_numbers(towns, ungrouped=False) == []
    ideas = _html(client, "/ogc/collections/proposals/items")
    assert ideas.startswith("Objekte: Nutzungsideen") and "0 von 0 Objekten" in ideas
