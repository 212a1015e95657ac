"""Citizen reports: submit with duplicate check, abuse limits, confirm and reject by staff."""

import json
import logging

from sqlalchemy import text

from tests.helpers.participation import SECRET_EMAIL, new_vacancy, point, report_body
from tests.helpers.towns import CENTRES, JENA, SCHMOELLN
from tests.helpers.users import bearer


def _count(session, sql: str) -> int:
    session.rollback()  # a fresh snapshot of what the app committed
    return session.execute(text(sql)).scalar_one()


def test_report_lands_hidden_as_reported(client, users):
    response = client.post("/api/v1/reports", json=report_body(email=SECRET_EMAIL, consent=True))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "reported" and body["municipality"] == SCHMOELLN
    assert body["duplicates"] == [] and isinstance(body["id"], int)
    assert client.get(f"/api/v1/vacancies/{body['id']}").status_code == 404
    staff = users.token("staff", SCHMOELLN)
    seen = client.get(f"/api/v1/vacancies/{body['id']}", headers=bearer(staff)).json()
    assert seen["properties"]["status"] == "reported"
    assert seen["properties"]["street"] == "Markt 5"


def test_municipality_found_from_point_or_checked(client):
    named = client.post("/api/v1/reports", json=report_body(municipality=SCHMOELLN))
    assert named.status_code == 201
    wrong = client.post("/api/v1/reports", json=report_body(municipality=JENA))
    assert wrong.status_code == 422
    assert wrong.json()["field"] == "location" and "Schmölln" in wrong.json()["detail"]
    nowhere = client.post("/api/v1/reports", json={**report_body(),
                                                  "location": {"type": "Point",
                                                               "coordinates": [2.35, 48.85]}})
    assert nowhere.status_code == 422
    assert "outside every municipality" in nowhere.json()["detail"]
    unknown = client.post("/api/v1/reports", json=report_body(municipality="16999999"))
    assert unknown.status_code == 422 and unknown.json()["field"] == "municipality"


def test_duplicates_within_30_m(client, users):
    staff = users.token("staff", SCHMOELLN)
    lon, lat = CENTRES[SCHMOELLN]
    vacancy_id = new_vacancy(client, staff, dlon=0.001, dlat=0.0)
    # ~14 m east of the vacancy (1e-4° lon at 50.9° N ≈ 7 m)
    first = client.post("/api/v1/reports", json=report_body(dlon=0.0012)).json()
    assert [(d["id"], d["kind"]) for d in first["duplicates"]] == [(vacancy_id, "vacancy")]
    assert 10 < first["duplicates"][0]["distance_m"] < 20
    assert first["duplicates"][0]["street"] == "Musterstraße"
    second = client.post("/api/v1/reports", json=report_body(dlon=0.0011)).json()
    kinds = {d["kind"]: d for d in second["duplicates"]}
    assert set(kinds) == {"vacancy", "report"}
    # an open report's unverified text is not shown to the public
    assert kinds["report"]["street"] is None and kinds["report"]["id"] == first["id"]
    check = client.get("/api/v1/reports/duplicates",
                       params={"lon": lon + 0.001, "lat": lat}).json()
    assert check["radius_m"] == 30
    assert {d["id"] for d in check["duplicates"]} == {vacancy_id, first["id"], second["id"]}
    far = client.get("/api/v1/reports/duplicates", params={"lon": lon + 0.002, "lat": lat}).json()
    assert far["duplicates"] == []


def test_duplicate_check_refuses_bad_coordinates(client):
    for params in ({"lon": 200, "lat": 50}, {"lon": 12, "lat": "nan"}, {"lon": 12}):
        assert client.get("/api/v1/reports/duplicates", params=params).status_code == 422


def test_bad_reports_are_refused_and_store_nothing(client, session):
    bad = [
        {**report_body(), "location": {"type": "Polygon", "coordinates": [[[12, 50], [12.1, 50],
                                                                         [12, 50.1], [12, 50]]]}},
        {**report_body(), "location": {"type": "Point", "coordinates": [212.3, 50.9]}},
        # UTM 32N metres where WGS84 degrees are expected (the wrong CRS)
        {**report_body(), "location": {"type": "Point", "coordinates": [734000, 5642000]}},
        {**report_body(), "location": {"type": "Point", "coordinates": [12.3]}},
        report_body(address="x" * 201),
        report_body(address=""),
        report_body(description="x" * 2001),
        report_body(hint="x" * 501),
        report_body(email="not-an-email", consent=True),
        report_body(email=SECRET_EMAIL),  # no consent
        report_body(unknown_field=1),
        report_body(crs={"type": "name", "properties": {"name": "EPSG:25832"}}),
        {k: v for k, v in report_body().items() if k != "location"},
    ]
    for body in bad:
        response = client.post("/api/v1/reports", json=body)
        assert response.status_code == 422, (body, response.text)
        assert SECRET_EMAIL not in response.text
    assert client.post("/api/v1/reports", content=b"{not json",
                       headers={"Content-Type": "application/json"}).status_code == 400
    infinite = (b'{"location": {"type": "Point", "coordinates": [12.35, Infinity]},'
                b' "address": "Markt 5", "description": "leer"}')
    response = client.post("/api/v1/reports", content=infinite,
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["field"] == "location"
    assert _count(session, "SELECT count(*) FROM vacancy") == 0


def test_oversized_report_body_is_refused(client, session):
    body = report_body(description="x" * 1000, hint="y" * 20_000)
    response = client.post("/api/v1/reports", json=body)
    assert response.status_code == 413
    assert _count(session, "SELECT count(*) FROM vacancy") == 0


def test_script_tags_are_stored_raw(client, users):
    script = "<script>alert('x')</script>"
    created = client.post("/api/v1/reports", json=report_body(description=script, address=script))
    assert created.status_code == 201
    staff = users.token("staff", SCHMOELLN)
    queue = client.get("/api/v1/review", params={"municipality": SCHMOELLN},
                       headers=bearer(staff)).json()
    assert queue["reports"][0]["description"] == script
    assert queue["reports"][0]["address"] == script


def test_honeypot_is_answered_but_stores_nothing(client, session):
    response = client.post("/api/v1/reports", json=report_body(website="http://spam.example"))
    assert response.status_code == 202
    assert response.json() == {"id": None, "status": "received", "municipality": None,
                               "duplicates": []}
    assert _count(session, "SELECT count(*) FROM vacancy") == 0


def test_burst_of_reports_is_rate_limited(client, session, settings):
    statuses = [client.post("/api/v1/reports", json=report_body(dlon=0.0001 * i)).status_code
                for i in range(50)]
    limit = settings.public_posts_per_hour
    assert statuses[:limit] == [201] * limit
    assert set(statuses[limit:]) == {429}
    refused = client.post("/api/v1/reports", json=report_body())
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["code"] == "rate_limited"
    # the earlier reports are intact, and nothing of the refused ones was stored
    assert _count(session, "SELECT count(*) FROM vacancy WHERE status = 'reported'") == limit
    # another client has its own budget; no address is stored in clear
    with client.__class__(client.app, client=("203.0.113.9", 4000)) as other:
        assert other.post("/api/v1/reports", json=report_body()).status_code == 201
    hashes = session.execute(text("SELECT client_hash FROM rate_limit_window")).scalars().all()
    assert len(hashes) == 2 and all(len(h) == 64 and "203.0.113.9" not in h for h in hashes)


def test_staff_confirm_makes_report_public(client, users):
    report = client.post("/api/v1/reports", json=report_body()).json()
    staff = users.token("staff", SCHMOELLN)
    confirmed = client.post(f"/api/v1/reports/{report['id']}/confirm", json={"status": "threatened"},
                            headers=bearer(staff))
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json() == {"id": report["id"], "status": "threatened", "version": 2,
                                "rejection_reason": None}
    public = client.get(f"/api/v1/vacancies/{report['id']}").json()
    assert public["properties"]["status"] == "threatened"
    history = client.get(f"/api/v1/vacancies/{report['id']}/history", headers=bearer(staff)).json()
    assert [e["field"] for e in history["entries"]] == ["created", "status"]
    again = client.post(f"/api/v1/reports/{report['id']}/confirm", headers=bearer(staff))
    assert again.status_code == 409


def test_confirm_defaults_to_vacant_and_refuses_other_statuses(client, users):
    staff = users.token("staff", SCHMOELLN)
    report = client.post("/api/v1/reports", json=report_body()).json()
    wrong = client.post(f"/api/v1/reports/{report['id']}/confirm", json={"status": "reused"},
                        headers=bearer(staff))
    assert wrong.status_code == 422
    ok = client.post(f"/api/v1/reports/{report['id']}/confirm", headers=bearer(staff))
    assert ok.json()["status"] == "vacant"


def test_only_staff_of_the_town_decide(client, users):
    report = client.post("/api/v1/reports", json=report_body()).json()
    url = f"/api/v1/reports/{report['id']}/confirm"
    assert client.post(url).status_code == 401
    assert client.post(url, headers=bearer(users.token("staff", JENA))).status_code == 404
    assert client.post(url, headers=bearer(users.token("working_group"))).status_code == 403
    assert client.post(url, headers=bearer(users.token("admin"))).status_code == 200
    staff = users.token("staff", SCHMOELLN)
    vacancy_id = new_vacancy(client, staff)
    not_a_report = client.post(f"/api/v1/reports/{vacancy_id}/confirm", headers=bearer(staff))
    assert not_a_report.status_code == 404


def test_reject_needs_a_reason(client, users):
    staff = users.token("staff", SCHMOELLN)
    report = client.post("/api/v1/reports", json=report_body()).json()
    url = f"/api/v1/reports/{report['id']}/reject"
    assert client.post(url, json={}, headers=bearer(staff)).status_code == 422
    assert client.post(url, json={"reason": ""}, headers=bearer(staff)).status_code == 422
    rejected = client.post(url, json={"reason": "Laden ist vermietet"}, headers=bearer(staff))
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "Laden ist vermietet"
    assert client.get(f"/api/v1/vacancies/{report['id']}").status_code == 404


def test_reporter_email_never_leaves_staff_of_the_town(client, users, caplog):
    caplog.set_level(logging.DEBUG)
    staff = users.token("staff", SCHMOELLN)
    created = client.post("/api/v1/reports", json=report_body(email=SECRET_EMAIL.upper(),
                                                               consent=True))
    report_id = created.json()["id"]
    outputs = [created.text]
    outputs.append(client.get("/api/v1/reports/duplicates",
                              params={"lon": point()["coordinates"][0] + 0.001,
                                      "lat": point()["coordinates"][1]}).text)
    other = users.token("staff", JENA)
    outputs.append(client.get("/api/v1/review", params={"municipality": SCHMOELLN},
                              headers=bearer(other)).text)
    outputs.append(client.get("/api/v1/review", params={"municipality": JENA},
                              headers=bearer(other)).text)
    client.post(f"/api/v1/reports/{report_id}/confirm", headers=bearer(staff))
    for who in (None, users.token("working_group"), other):
        headers = bearer(who) if who else {}
        outputs.append(client.get(f"/api/v1/vacancies/{report_id}", headers=headers).text)
        outputs.append(client.get("/api/v1/vacancies", params={"municipality": SCHMOELLN},
                                  headers=headers).text)
    outputs.append(client.get(f"/api/v1/vacancies/{report_id}/history",
                              headers=bearer(users.token("working_group"))).text)
    for output in outputs:
        assert SECRET_EMAIL not in output.lower()
    assert SECRET_EMAIL not in caplog.text.lower()
    # staff of the town do see it (lower-cased), to answer the reporter
    report = client.post("/api/v1/reports", json=report_body(email=SECRET_EMAIL, consent=True))
    queue = client.get("/api/v1/review", params={"municipality": SCHMOELLN},
                       headers=bearer(staff)).json()
    # the address is shown to nobody: unconfirmed, the decision's mail cannot reach it yet
    assert [r["contactable"] for r in queue["reports"]] == [False]
    assert SECRET_EMAIL not in json.dumps(queue) and "email" not in queue["reports"][0]
    assert queue["reports"][0]["id"] == report.json()["id"]


def test_a_report_is_scored_and_counts_for_neighbours_once_confirmed(client, users):
    """Scores follow the register: a reported unit is scored at once; unverified it does not
    count as an empty neighbour, confirmed it does."""
    staff = users.token("staff", SCHMOELLN)
    neighbour = new_vacancy(client, staff, dlon=0.0010, dlat=0.0)

    def vacancies_nearby() -> int:
        score = client.get(f"/api/v1/vacancies/{neighbour}/score").json()
        return next(c["value"] for c in score["criteria"] if c["fact"] == "vacancies_150m")

    before = vacancies_nearby()
    report = client.post("/api/v1/reports", json=report_body(dlon=0.0011, dlat=0.0)).json()
    seen = client.get(f"/api/v1/vacancies/{report['id']}", headers=bearer(staff)).json()
    assert seen["properties"]["scores"] is not None
    assert vacancies_nearby() == before
    confirmed = client.post(f"/api/v1/reports/{report['id']}/confirm", json={"status": "vacant"},
                            headers=bearer(staff))
    assert confirmed.status_code == 200, confirmed.text
    assert vacancies_nearby() == before + 1
