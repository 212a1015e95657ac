"""The links of one vacancy and one idea, /karte/{ags}/leerstand/{id} and /karte/{ags}/idee/{id},
over HTTP: the public map with the config naming the popup to open; anything the caller may not
see, an absurd id, or a record of another town is the German 404 page."""

from __future__ import annotations

import json
import re

import pytest

from tests.helpers.participation import new_vacancy, point, published
from tests.helpers.towns import JENA, SCHMOELLN
from tests.helpers.users import bearer

NOT_FOUND = "Seite nicht gefunden"
HTML = {"Accept": "text/html"}  # as a browser asks


def _config(html: str) -> dict:
    found = re.search(r'<script id="leerstand-page" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def _is_404(response) -> None:
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert NOT_FOUND in response.text and "Traceback" not in response.text


def test_a_vacancy_link_opens_the_public_map_with_its_popup(client, users):
    token = users.token("staff", SCHMOELLN)
    vacancy_id = new_vacancy(client, token, owner_contact="geheim-4711@example.org",
                             internal_notes="nur-intern-4711")
    response = client.get(f"/karte/{SCHMOELLN}/leerstand/{vacancy_id}")
    assert response.status_code == 200
    config = _config(response.text)
    assert config["page"] == "public" and config["ags"] == SCHMOELLN
    assert config["open"] == {"kind": "vacancy", "id": vacancy_id}
    assert "Alle Leerstände in Schmölln" in response.text
    assert "geheim-4711" not in response.text and "nur-intern-4711" not in response.text
    # the plain map opens nothing
    assert _config(client.get(f"/karte/{SCHMOELLN}").text)["open"] is None


def test_an_idea_link_opens_the_public_map_with_its_card(client, users):
    token = users.token("staff", SCHMOELLN)
    idea = published(client, token, municipality=SCHMOELLN, location=point(), radius_m=200)
    response = client.get(f"/karte/{SCHMOELLN}/idee/{idea['id']}")
    assert response.status_code == 200
    assert _config(response.text)["open"] == {"kind": "proposal", "id": idea["id"]}


def test_what_the_caller_may_not_see_is_a_404(client, users):
    token = users.token("staff", SCHMOELLN)
    withdrawn = new_vacancy(client, token, street="Geheimweg")
    patched = client.patch(f"/api/v1/vacancies/{withdrawn}", json={"properties": {"status": "withdrawn"}},
                           headers={**bearer(token), "If-Match": '"1"'})
    assert patched.status_code == 200, patched.text
    anonymous = client.get(f"/karte/{SCHMOELLN}/leerstand/{withdrawn}", headers=HTML)
    _is_404(anonymous)
    assert "Geheimweg" not in anonymous.text
    # staff of the town may read it: their link works
    staff = client.get(f"/karte/{SCHMOELLN}/leerstand/{withdrawn}", headers=bearer(token))
    assert staff.status_code == 200
    # a pending idea is nobody's public link
    pending = client.post("/api/v1/proposals", json={
        "title": "Noch geheim", "description": "x", "category": "social", "duration": "interim",
        "municipality": SCHMOELLN, "location": point(), "radius_m": 100})
    assert pending.status_code == 201, pending.text
    _is_404(client.get(f"/karte/{SCHMOELLN}/idee/{pending.json()['id']}", headers=HTML))


@pytest.mark.parametrize("tail", ["leerstand/0", "leerstand/-1", "leerstand/2147483648",
                                  "leerstand/99999999999999999999", "leerstand/abc",
                                  "leerstand/1%00", "leerstand/%EF%BC%91", "idee/2147483648",
                                  "idee/x", "idee/999999"])
def test_absurd_ids_are_a_404(client, tail):
    _is_404(client.get(f"/karte/{SCHMOELLN}/{tail}", headers=HTML))


def test_a_record_of_another_town_is_a_404(client, users):
    vacancy_id = new_vacancy(client, users.token("staff", JENA), ags=JENA)
    idea = published(client, users.token("staff", JENA), municipality=JENA, location=point(JENA),
                     radius_m=200)
    _is_404(client.get(f"/karte/{SCHMOELLN}/leerstand/{vacancy_id}", headers=HTML))
    _is_404(client.get(f"/karte/{SCHMOELLN}/idee/{idea['id']}", headers=HTML))
    assert client.get(f"/karte/{JENA}/leerstand/{vacancy_id}").status_code == 200
    _is_404(client.get(f"/karte/abc/leerstand/{vacancy_id}", headers=HTML))
