"""Exposés (issue 13, item 3): a real PDF rendered by WeasyPrint, read back with poppler
(pdfinfo, pdftotext): A4, at most two pages, the address, the key facts in German and the town's
contact; never the owner's contact; internal notes only in the internal version for staff of the
town; the same read rules as the map API."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.helpers.towns import JENA, SCHMOELLN
from tests.helpers.vacancies import full_feature

CONTACT = "Wirtschaftsförderung Schmölln\nFrau Beispiel, Telefon 034491 000-00"


def _pdf_text(pdf: bytes, tmp_path: Path) -> tuple[dict[str, str], str]:
    path = tmp_path / "expose.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return {k.strip(): v.strip() for k, v in fields.items()}, text


@pytest.fixture
def shop(client, staff) -> int:
    response = client.patch(f"/api/v1/municipalities/{SCHMOELLN}", headers=staff,
                            json={"public_contact": CONTACT})
    assert response.status_code == 200, response.text
    created = client.post("/api/v1/vacancies", headers=staff, json=full_feature(
        SCHMOELLN, description="Heller Laden mit <script>alert(1)</script> großem Fenster"))
    assert created.status_code == 201, created.text
    return created.json()["id"]


def test_the_public_expose_is_an_a4_pdf_in_german_without_private_data(client, shop, tmp_path):
    response = client.get(f"/api/v1/vacancies/{shop}/expose.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert f'filename="expose-leerstand-{shop}.pdf"' in response.headers["content-disposition"]
    info, text = _pdf_text(response.content, tmp_path)
    assert info["Page size"].startswith("595.") and "841.89" in info["Page size"]  # A4 in pt
    assert 1 <= int(info["Pages"]) <= 2
    flat = re.sub(r"\s+", " ", text)
    assert "Musterstraße 3" in flat and "Schmölln" in flat
    assert "90 m²" in flat and "7,5 € je m² im Monat" in flat and "6 m Breite" in flat
    assert "15. Januar 2025" in flat  # vacant since, German date
    assert "Frau Beispiel, Telefon 034491 000-00" in flat
    assert "Eignung für eine Zwischennutzung" in flat and "von 100" in flat
    assert "<script>alert(1)</script>" in flat  # user text printed as text
    assert f"/karte/{SCHMOELLN}/leerstand/{shop}" in flat
    for private in ("Geheim", "geheim@example.org", "Erbstreit", "Interne Notizen"):
        assert private not in flat


def test_the_internal_version_has_the_notes_but_never_the_owner(client, shop, staff, tmp_path):
    response = client.get(f"/api/v1/vacancies/{shop}/expose.pdf?internal=true", headers=staff)
    assert response.status_code == 200, response.text
    assert "no-store" in response.headers["cache-control"]
    _info, text = _pdf_text(response.content, tmp_path)
    flat = re.sub(r"\s+", " ", text)
    assert "intern: Erbstreit" in flat and "Nur für den internen Gebrauch" in flat
    assert "Geheim" not in flat and "geheim@example.org" not in flat


def test_the_internal_version_is_only_for_staff_of_the_town(client, shop, users):
    other = {"Authorization": f"Bearer {users.token('staff', JENA)}"}
    working_group = {"Authorization": f"Bearer {users.token('working_group', None)}"}
    for headers in ({}, other, working_group):
        response = client.get(f"/api/v1/vacancies/{shop}/expose.pdf?internal=true", headers=headers)
        assert response.status_code == 403, response.text
        assert b"Erbstreit" not in response.content


def test_a_vacancy_the_caller_may_not_read_has_no_expose(client, staff, shop):
    version = client.get(f"/api/v1/vacancies/{shop}", headers=staff).json()["properties"]["version"]
    withdrawn = client.patch(f"/api/v1/vacancies/{shop}", headers={**staff, "If-Match": f'"{version}"'},
                             json={"properties": {"status": "withdrawn"}})
    assert withdrawn.status_code == 200, withdrawn.text
    public = client.get(f"/api/v1/vacancies/{shop}/expose.pdf")
    assert public.status_code == 404
    assert "Erbstreit" not in public.text and "Musterstraße" not in public.text
    assert client.get(f"/api/v1/vacancies/{shop}/expose.pdf", headers=staff).status_code == 200


@pytest.mark.parametrize("path, status", [
    ("/api/v1/vacancies/2147483648/expose.pdf", 422), ("/api/v1/vacancies/0/expose.pdf", 422),
    ("/api/v1/vacancies/99999/expose.pdf", 404), ("/api/v1/vacancies/abc/expose.pdf", 422),
    ("/api/v1/vacancies/1/expose.pdf?internal=%00", 422),
    ("/api/v1/vacancies/1/expose.pdf?internal=vielleicht", 422),
])
def test_bad_requests_get_a_clear_error(client, path, status):
    response = client.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")


def test_the_town_contact_is_set_by_its_staff_and_shown_publicly(client, staff):
    response = client.patch(f"/api/v1/municipalities/{SCHMOELLN}", headers=staff,
                            json={"public_contact": "Rathaus, Markt 1"})
    assert response.status_code == 200, response.text
    public = client.get(f"/api/v1/municipalities/{SCHMOELLN}").json()["properties"]
    assert public["public_contact"] == "Rathaus, Markt 1"


@pytest.mark.parametrize("body, status", [
    ({"public_contact": "a\u0000b"}, 422), ({"public_contact": "x" * 1001}, 422),
    ({"stale_after_days": 0}, 422), ({"stale_after_days": 10**12}, 422), ({"owner": "x"}, 422),
    ({"public_contact": {"deep": [[[["x"]]]]}}, 422),
])
def test_bad_town_settings_change_nothing(client, staff, body, status):
    before = client.get(f"/api/v1/municipalities/{SCHMOELLN}").json()["properties"]
    response = client.patch(f"/api/v1/municipalities/{SCHMOELLN}", headers=staff, json=body)
    assert response.status_code == status, response.text
    assert client.get(f"/api/v1/municipalities/{SCHMOELLN}").json()["properties"] == before


def test_only_staff_of_the_town_change_its_settings(client, users):
    other = {"Authorization": f"Bearer {users.token('staff', JENA)}"}
    for headers, status in (({}, 401), (other, 403)):
        response = client.patch(f"/api/v1/municipalities/{SCHMOELLN}", headers=headers,
                                json={"public_contact": "gefälscht"})
        assert response.status_code == status, response.text
    assert client.get(f"/api/v1/municipalities/{SCHMOELLN}").json()["properties"]["public_contact"] is None
    assert client.patch("/api/v1/municipalities/99999999", headers=other,
                        json={"public_contact": "x"}).status_code == 404


def test_the_cover_photo_is_printed_and_an_unapproved_one_is_not(client, shop, staff, tmp_path):
    from tests.helpers import images

    def pictures() -> int:
        path = tmp_path / "with-photo.pdf"
        path.write_bytes(client.get(f"/api/v1/vacancies/{shop}/expose.pdf").content)
        listed = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True,
                                check=True).stdout.splitlines()
        return len([line for line in listed[2:] if " image " in line])  # header is two lines

    assert pictures() == 0
    uploaded = client.post(f"/api/v1/vacancies/{shop}/photos", headers=staff,
                           files={"file": ("laden.jpg", images.photo(), "image/jpeg")})
    assert uploaded.status_code == 201, uploaded.text
    assert pictures() == 1
    info, _text = _pdf_text((tmp_path / "with-photo.pdf").read_bytes(), tmp_path)
    assert int(info["Pages"]) <= 2
    # the same photo not (yet) approved, as a citizen's would be: not printed
    unapproved = client.patch(f"/api/v1/photos/{uploaded.json()['id']}", headers=staff,
                              json={"approved": False})
    assert unapproved.status_code == 200, unapproved.text
    assert pictures() == 0
