"""The demo data is scored: a demo vacancy has a breakdown to argue with."""

from sqlalchemy import text

from app import demo
from tests.helpers.towns import JENA, SCHMOELLN
from tests.helpers.users import bearer


def test_demo_vacancies_are_scored_with_context_layers(client, session):
    lines = demo.load(session=session, password="leerstand-demo")
    session.commit()
    assert any("fiktive Läden" in line for line in lines)
    scored = session.scalar(text("""
        SELECT count(*) FROM vacancy_score s JOIN vacancy v ON v.id = s.vacancy_id
        WHERE v.source = 'demo'"""))
    assert scored > 60  # every demo vacancy in a scored status
    assert session.scalar(text("SELECT count(*) FROM place WHERE source = 'demo'")) == 3 * 38
    vacancy_id = session.scalar(text("""
        SELECT v.id FROM vacancy v JOIN municipality m ON m.id = v.municipality_id
        WHERE m.ags = :ags AND v.status = 'vacant' ORDER BY v.id LIMIT 1"""), {"ags": JENA})
    body = client.get(f"/api/v1/vacancies/{vacancy_id}/score").json()
    facts = {c["fact"]: c for c in body["criteria"]}
    # Jena has tram stops, a core area and the fictional shops: the location facts are known
    for fact in ("distance_stop_m", "in_core_area", "active_uses_150m", "culture_300m"):
        assert not facts[fact]["missing"], fact
    assert body["reason"] and body["recommendation_label"]
    assert "demo.invalid" not in client.get(f"/api/v1/vacancies/{vacancy_id}/score").text


def test_demo_reload_keeps_one_set_of_places(session):
    demo.load(session=session, password="leerstand-demo")
    first = session.scalar(text("SELECT count(*) FROM place"))
    demo.load(session=session, password="leerstand-demo")
    assert session.scalar(text("SELECT count(*) FROM place")) == first


def test_weight_change_in_demo_town(client, session, users):
    demo.load(session=session, password="leerstand-demo")
    session.commit()
    staff = bearer(users.token("staff", SCHMOELLN))
    before = client.get("/api/v1/vacancies", params={"municipality": SCHMOELLN}).json()
    response = client.put(f"/api/v1/municipalities/{SCHMOELLN}/scoring-profile", headers=staff,
                          json={"weights": {"active_uses": {"permanent": 20}}})
    assert response.status_code == 200
    after = client.get("/api/v1/vacancies", params={"municipality": SCHMOELLN}).json()
    old = {f["id"]: f["properties"]["scores"] for f in before["features"]}
    new = {f["id"]: f["properties"]["scores"] for f in after["features"]}
    changed = [i for i in old if old[i] and new[i]["permanent"] != old[i]["permanent"]]
    assert changed
    assert {s["profile_version"] for s in new.values() if s} == {response.json()["version"]}
