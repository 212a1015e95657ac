"""Proposals: submit, moderate, status link, supports, flags, pages."""

import logging
import re

from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.helpers.german import english_numbers
from tests.helpers.participation import SECRET_EMAIL, new_vacancy, point, proposal_body, published, submit
from tests.helpers.towns import CENTRES, JENA, SCHMOELLN
from tests.helpers.users import bearer


def _public_ids(client, ags=SCHMOELLN) -> list[int]:
    body = client.get("/api/v1/proposals", params={"municipality": ags}).json()
    return [p["id"] for p in body["proposals"]]


def test_pinned_proposal_goes_pending_then_published(client, users):
    staff = users.token("staff", SCHMOELLN)
    vacancy_id = new_vacancy(client, staff)
    created = submit(client, vacancy_id=vacancy_id, email=SECRET_EMAIL, display_name="Erika")
    assert created["status"] == "pending" and created["municipality"] == SCHMOELLN
    assert created["vacancy_id"] == vacancy_id and "email" not in created
    assert created["status_url"] == "/api/v1/proposals/status/" + created["status_token"]
    assert _public_ids(client) == []
    assert client.get(f"/api/v1/proposals/{created['id']}").status_code == 404
    status = client.get(created["status_url"]).json()
    assert status["status"] == "pending" and status["rejection_reason"] is None

    publish = client.post(f"/api/v1/proposals/{created['id']}/publish", headers=bearer(staff))
    assert publish.status_code == 200 and publish.json()["status"] == "published"
    staff_view = publish.json()
    assert staff_view["vacancy_address"] == "Musterstraße 3"  # "Für Laden: Musterstraße 3"
    assert "vacancy_address" not in client.get(f"/api/v1/proposals/{created['id']}").json()
    assert _public_ids(client) == [created["id"]]
    public = client.get(f"/api/v1/proposals/{created['id']}").json()
    assert public["display_name"] == "Erika" and public["support_count"] == 0
    assert public["fits_count"] == 1
    assert "email" not in public and "open_flags" not in public
    assert client.get(created["status_url"]).json()["status"] == "published"


def test_area_and_radius_proposals(client):
    lon, lat = CENTRES[SCHMOELLN]
    square = [[lon - 0.01, lat - 0.01], [lon + 0.01, lat - 0.01], [lon + 0.01, lat + 0.01],
              [lon - 0.01, lat + 0.01], [lon - 0.01, lat - 0.01]]
    area = submit(client, area={"type": "Polygon", "coordinates": [square]})
    assert area["municipality"] == SCHMOELLN and area["area"]["type"] == "Polygon"
    near = submit(client, location=point(), radius_m=800, municipality=SCHMOELLN)
    assert near["radius_m"] == 800 and near["location"]["type"] == "Point"


def test_bad_proposals_are_refused(client, users, session):
    staff = users.token("staff", SCHMOELLN)
    reported = client.post("/api/v1/reports", json={
        "location": point(dlon=0.002), "address": "Markt 1", "description": "leer"}).json()["id"]
    hidden_vacancy = client.post(f"/api/v1/reports/{reported}/reject", json={"reason": "nein"},
                                 headers=bearer(staff))
    assert hidden_vacancy.status_code == 200
    lon, lat = CENTRES[SCHMOELLN]
    bowtie = [[lon, lat], [lon + 0.01, lat + 0.01], [lon + 0.01, lat], [lon, lat + 0.01], [lon, lat]]
    cases = {
        422: [
            proposal_body(location=point(), radius_m=500, min_area_m2=200, max_area_m2=100),
            proposal_body(location=point(), radius_m=500, max_rent_eur_m2=-1),
            proposal_body(location=point(), radius_m=10_001),
            proposal_body(location=point(), radius_m=0),
            proposal_body(location=point()),
            proposal_body(),
            proposal_body(location=point(), radius_m=500, vacancy_id=1),
            proposal_body(location=point(), radius_m=500, title="x" * 201),
            proposal_body(location=point(), radius_m=500, description="x" * 5001),
            proposal_body(location=point(), radius_m=500, display_name="x" * 101),
            proposal_body(location=point(), radius_m=500, category="casino"),
            proposal_body(location=point(), radius_m=500, duration="forever"),
            proposal_body(location=point(), radius_m=500, email="nope"),
            proposal_body(location=point(), radius_m=500, min_area_m2=1e9),
            proposal_body(location=point(), radius_m=500, max_rent_eur_m2=1e6),
            proposal_body(location=point(), radius_m=500, needs_ground_floor="maybe"),
            # UTM 32N metres where WGS84 degrees are expected (the wrong CRS)
            proposal_body(location={"type": "Point", "coordinates": [734000, 5642000]},
                          radius_m=500),
            proposal_body(area={"type": "Polygon", "coordinates": [[[734000, 5642000],
                                                                     [735000, 5642000],
                                                                     [735000, 5643000],
                                                                     [734000, 5642000]]]}),
            proposal_body(location=point(), radius_m=500,
                          crs={"type": "name", "properties": {"name": "EPSG:25832"}}),
            proposal_body(area={"type": "Polygon", "coordinates": [bowtie]}),
            proposal_body(location={"type": "Point", "coordinates": [2.35, 48.85]}, radius_m=500),
            proposal_body(location=point(), radius_m=500, municipality=JENA),
            proposal_body(location=point(), radius_m=500, municipality="16999999"),
        ],
        404: [proposal_body(vacancy_id=reported), proposal_body(vacancy_id=999_999)],
    }
    for status, bodies in cases.items():
        for body in bodies:
            response = client.post("/api/v1/proposals", json=body)
            assert response.status_code == status, (body, response.text)
    session.rollback()
    assert session.execute(text("SELECT count(*) FROM proposal")).scalar_one() == 0
    big = proposal_body(location=point(), radius_m=500, description="x" * 70_000)
    assert client.post("/api/v1/proposals", json=big).status_code == 413


def test_script_in_text_is_stored_raw_and_escaped_on_the_page(client, users):
    staff = users.token("staff", SCHMOELLN)
    script = "<script>alert(1)</script>"
    created = submit(client, location=point(), radius_m=500, title=script,
                     description=f"Beschreibung {script}", display_name=script)
    client.post(f"/api/v1/proposals/{created['id']}/reject", json={"reason": script},
                headers=bearer(staff))
    status_page = client.get(created["status_page"]).text
    assert "<script>alert" not in status_page and "&lt;script&gt;" in status_page
    proposal = published(client, staff, location=point(), radius_m=500, title=script,
                         description=f"Beschreibung {script}", display_name=script)
    assert client.get(f"/api/v1/proposals/{proposal['id']}").json()["title"] == script
    page = client.get(f"/vorschlaege/{proposal['id']}")
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert client.get("/vorschlaege/999999").status_code == 404


def test_rejection_reason_reaches_the_author_only_through_the_link(client, users):
    staff = users.token("staff", SCHMOELLN)
    created = submit(client, location=point(), radius_m=500, email=SECRET_EMAIL)
    assert client.post(f"/api/v1/proposals/{created['id']}/reject", json={},
                       headers=bearer(staff)).status_code == 422
    rejected = client.post(f"/api/v1/proposals/{created['id']}/reject",
                           json={"reason": "Bitte ohne Werbung"}, headers=bearer(staff))
    assert rejected.status_code == 200
    status = client.get(created["status_url"])
    assert status.json()["status"] == "rejected"
    assert status.json()["rejection_reason"] == "Bitte ohne Werbung"
    assert SECRET_EMAIL not in status.text
    assert client.get("/api/v1/proposals/status/" + "x" * 32).status_code == 404
    page = client.get(created["status_page"])
    assert page.status_code == 200 and "abgelehnt" in page.text
    assert "Bitte ohne Werbung" in page.text and SECRET_EMAIL not in page.text
    assert client.get("/vorschlaege/status/" + "x" * 32).status_code == 404
    assert client.get(f"/api/v1/proposals/{created['id']}").status_code == 404


def test_moderation_rights_and_transitions(client, users):
    staff = users.token("staff", SCHMOELLN)
    created = submit(client, location=point(), radius_m=500)
    url = f"/api/v1/proposals/{created['id']}"
    assert client.post(url + "/publish").status_code == 401
    assert client.post(url + "/publish", headers=bearer(users.token("staff", JENA))).status_code == 404
    assert client.post(url + "/publish",
                       headers=bearer(users.token("working_group"))).status_code == 403
    assert client.post(url + "/realise", headers=bearer(staff)).status_code == 422
    assert client.post(url + "/publish", headers=bearer(staff)).status_code == 200
    assert client.post(url + "/publish", headers=bearer(staff)).status_code == 409
    assert client.post(url + "/publish",
                       headers=bearer(users.token("staff", JENA))).status_code == 403
    assert client.post(url + "/realise", headers=bearer(staff)).json()["status"] == "realised"
    assert client.post(url + "/withdraw", headers=bearer(staff)).status_code == 422
    other = submit(client, location=point(), radius_m=500)
    withdrawn = client.post(f"/api/v1/proposals/{other['id']}/withdraw",
                            json={"reason": "doppelt"}, headers=bearer(staff))
    assert withdrawn.json()["status"] == "withdrawn"


def test_staff_list_shows_all_of_their_town_never_the_email(client, users):
    staff = users.token("staff", SCHMOELLN)
    pending = submit(client, location=point(), radius_m=500, email=SECRET_EMAIL)
    listing = client.get("/api/v1/proposals", params={"municipality": SCHMOELLN, "status": "pending"},
                         headers=bearer(staff))
    own = listing.json()["proposals"]
    # an unconfirmed address: not reachable through "Kontakt aufnehmen" yet, and never shown
    assert [(p["id"], p["contactable"], p["vacancy_address"]) for p in own] == [
        (pending["id"], False, None)]
    assert SECRET_EMAIL not in listing.text and "email" not in own[0]
    for who in (users.token("staff", JENA), users.token("working_group")):
        listing = client.get("/api/v1/proposals", params={"municipality": SCHMOELLN},
                             headers=bearer(who))
        assert SECRET_EMAIL not in listing.text
    assert client.get("/api/v1/proposals", params={"status": "bogus"}).status_code == 422
    assert client.get("/api/v1/proposals", params={"municipality": "123"}).status_code == 422


def test_support_once_per_client(client, users, app, session):
    staff = users.token("staff", SCHMOELLN)
    proposal = published(client, staff, location=point(), radius_m=500)
    url = f"/api/v1/proposals/{proposal['id']}/supports"
    first = client.post(url)
    assert first.status_code == 201 and first.json() == {"proposal_id": proposal["id"],
                                                         "support_count": 1}
    again = client.post(url, json={})
    assert again.status_code == 409 and again.json()["support_count"] == 1
    with TestClient(app, client=("198.51.100.7", 5000)) as other:
        assert other.post(url).json()["support_count"] == 2
    assert client.get(f"/api/v1/proposals/{proposal['id']}").json()["support_count"] == 2
    session.rollback()
    hashes = session.execute(text("SELECT client_hash FROM proposal_support")).scalars().all()
    assert len(hashes) == 2
    assert not any("198.51.100.7" in h or "testclient" in h for h in hashes)


def test_supports_of_unpublished_proposals_are_404(client, users):
    staff = users.token("staff", SCHMOELLN)
    pending = submit(client, location=point(), radius_m=500)
    assert client.post(f"/api/v1/proposals/{pending['id']}/supports").status_code == 404
    rejected = submit(client, location=point(), radius_m=500)
    client.post(f"/api/v1/proposals/{rejected['id']}/reject", json={"reason": "x"},
                headers=bearer(staff))
    assert client.post(f"/api/v1/proposals/{rejected['id']}/supports").status_code == 404
    assert client.post("/api/v1/proposals/999999/supports").status_code == 404
    assert client.post("/api/v1/proposals/0/supports").status_code == 422


def test_support_hashes_expire_but_the_count_stays(client, users, app, session):
    staff = users.token("staff", SCHMOELLN)
    proposal = published(client, staff, location=point(), radius_m=500)
    url = f"/api/v1/proposals/{proposal['id']}/supports"
    client.post(url)
    session.execute(text("UPDATE proposal_support SET created_at = now() - interval '31 days'"))
    session.commit()
    with TestClient(app, client=("198.51.100.8", 5000)) as other:
        assert other.post(url).json()["support_count"] == 2
    session.rollback()
    assert session.execute(text("SELECT count(*) FROM proposal_support")).scalar_one() == 1


def test_support_honeypot_and_rate_limit(client, users, app, settings):
    staff = users.token("staff", SCHMOELLN)
    proposals = [published(client, staff, location=point(), radius_m=500) for _ in range(3)]
    bot = client.post(f"/api/v1/proposals/{proposals[0]['id']}/supports",
                      json={"website": "x"})
    assert bot.status_code == 202
    assert client.get(f"/api/v1/proposals/{proposals[0]['id']}").json()["support_count"] == 0
    tight = settings.model_copy(update={"public_votes_per_hour": 2})
    from app.main import create_app

    with TestClient(create_app(tight), client=("192.0.2.1", 1)) as limited:
        codes = [limited.post(f"/api/v1/proposals/{p['id']}/supports").status_code
                 for p in proposals]
    assert codes == [201, 201, 429]


def test_flags_hide_after_threshold_until_staff_decide(client, users, app, settings):
    staff = users.token("staff", SCHMOELLN)
    proposal = published(client, staff, location=point(), radius_m=500)
    url = f"/api/v1/proposals/{proposal['id']}/flags"
    assert client.post(url, json={"reason": "rude"}).status_code == 422
    assert client.post(url, json={"reason": "spam", "comment": "x" * 1001}).status_code == 422
    first = client.post(url, json={"reason": "spam", "comment": "<b>Werbung</b>"})
    assert first.status_code == 201 and first.json() == {"proposal_id": proposal["id"],
                                                         "received": True}
    assert client.post(url, json={"reason": "offensive"}).status_code == 409
    for i, reason in enumerate(("offensive", "personal_data")):
        assert settings.flag_threshold == 3
        with TestClient(app, client=(f"192.0.2.{10 + i}", 1)) as other:
            assert other.post(url, json={"reason": reason}).status_code == 201
    assert client.get(f"/api/v1/proposals/{proposal['id']}").status_code == 404
    assert _public_ids(client) == []
    assert client.post(f"/api/v1/proposals/{proposal['id']}/supports").status_code == 404
    queue = client.get("/api/v1/review", params={"municipality": SCHMOELLN},
                       headers=bearer(staff)).json()
    flagged = queue["flagged_proposals"]
    assert [f["reason"] for f in flagged[0]["flags"]] == ["spam", "offensive", "personal_data"]
    assert flagged[0]["flags"][0]["comment"] == "<b>Werbung</b>" and flagged[0]["hidden"] is True
    restored = client.post(f"/api/v1/proposals/{proposal['id']}/publish", headers=bearer(staff))
    assert restored.json()["hidden"] is False and restored.json()["open_flags"] == 0
    assert _public_ids(client) == [proposal["id"]]


def test_below_threshold_stays_visible(client, users):
    staff = users.token("staff", SCHMOELLN)
    proposal = published(client, staff, location=point(), radius_m=500)
    client.post(f"/api/v1/proposals/{proposal['id']}/flags", json={"reason": "spam"})
    assert _public_ids(client) == [proposal["id"]]
    # staff keep it: publishing again dismisses the flag and empties the queue
    kept = client.post(f"/api/v1/proposals/{proposal['id']}/publish", headers=bearer(staff))
    assert kept.status_code == 200 and kept.json()["open_flags"] == 0
    queue = client.get("/api/v1/review", params={"municipality": SCHMOELLN},
                       headers=bearer(staff)).json()
    assert queue["flagged_proposals"] == []
    assert client.post("/api/v1/proposals/999999/flags", json={"reason": "spam"}).status_code == 404


def test_author_email_never_public_nor_logged(client, users, caplog):
    caplog.set_level(logging.DEBUG)
    staff = users.token("staff", SCHMOELLN)
    proposal = published(client, staff, location=point(), radius_m=500, email=SECRET_EMAIL)
    outputs = [
        client.get("/api/v1/proposals").text,
        client.get(f"/api/v1/proposals/{proposal['id']}").text,
        client.get(f"/vorschlaege/{proposal['id']}").text,
        client.get(proposal["status_url"]).text,
        client.get(f"/api/v1/proposals/{proposal['id']}/matches").text,
        client.get("/api/v1/review", params={"municipality": SCHMOELLN},
                   headers=bearer(users.token("staff", JENA))).text,
        client.get(f"/api/v1/proposals/{proposal['id']}",
                   headers=bearer(users.token("working_group"))).text,
    ]
    for output in outputs:
        assert SECRET_EMAIL not in output
    assert SECRET_EMAIL not in caplog.text


def test_purge_command_enforces_retention(client, users, database_url, session, monkeypatch,
                                          capsys):
    from app import cli
    from app.config import get_settings
    from tests.helpers.server import SECRET

    staff = users.token("staff", SCHMOELLN)
    proposal = published(client, staff, location=point(), radius_m=500)
    client.post(f"/api/v1/proposals/{proposal['id']}/supports")
    client.post(f"/api/v1/proposals/{proposal['id']}/flags", json={"reason": "spam"})
    session.execute(text("UPDATE proposal_support SET created_at = now() - interval '40 days'"))
    session.execute(text("UPDATE proposal_flag SET created_at = now() - interval '40 days'"))
    session.execute(text("UPDATE rate_limit_window SET window_start = now() - interval '2 days'"))
    session.commit()
    monkeypatch.setenv("LEERSTAND_DATABASE_URL", database_url)
    monkeypatch.setenv("LEERSTAND_SECRET_KEY", SECRET)
    get_settings.cache_clear()
    try:
        assert cli.main(["purge-client-hashes"]) == 0
    finally:
        get_settings.cache_clear()
    assert "2 Unterstützungs-/Meldungs-Hashes" in capsys.readouterr().out
    session.rollback()
    assert session.execute(text("SELECT count(*) FROM proposal_support")).scalar_one() == 0
    assert session.execute(text("SELECT count(client_hash) FROM proposal_flag")).scalar_one() == 0
    assert session.execute(text("SELECT count(*) FROM rate_limit_window")).scalar_one() == 0
    assert client.get(f"/api/v1/proposals/{proposal['id']}").json()["support_count"] == 1


def test_proposal_and_status_pages_write_numbers_in_german(client, users):
    staff = users.token("staff", SCHMOELLN)
    vacancy_id = new_vacancy(client, staff, asking_rent_eur_m2=12.25, floor_area_m2=1250.5)
    proposal = submit(client, vacancy_id=vacancy_id, min_area_m2=30.0, max_area_m2=2500.5,
                      max_rent_eur_m2=5.5)
    publish = client.post(f"/api/v1/proposals/{proposal['id']}/publish", headers=bearer(staff))
    assert publish.status_code == 200
    page = client.get(f"/vorschlaege/{proposal['id']}").text
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "30 bis 2.500,5 m²" in text and "5,5 €/m²" in text
    assert "1 leeren Ladenfläche" in text or "0 leeren Ladenflächen" in text
    # the shop's rent is above the idea's limit: the reason on the page, in German numbers
    assert "12,25 €/m²" in text
    assert english_numbers(text) == []
    status = " ".join(re.sub(r"<[^>]+>", " ", client.get(proposal["status_page"]).text).split())
    assert re.search(r"eingereicht am \d{2}\.\d{2}\.\d{4}", status) and "0 Unterstützungen" in status
    assert english_numbers(status) == []
