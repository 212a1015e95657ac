"""The demo's fictional addresses: every demo vacancy is found by its address; reloading the
demo replaces them (same set, no duplicates); all inside their towns."""

from sqlalchemy import text

from app import demo


def _demo_addresses(session):
    return session.execute(text("""
        SELECT m.ags, a.street, a.house_number, round(ST_X(a.geom)::numeric, 7),
               round(ST_Y(a.geom)::numeric, 7), ST_Covers(m.boundary, a.geom)
        FROM address a JOIN municipality m ON m.id = a.municipality_id
        WHERE a.source = 'demo (fiktiv)' ORDER BY 1, 2, 3""")).all()


def test_demo_addresses_find_every_demo_vacancy(client, session):
    demo.load(session=session, password="leerstand-demo")
    session.commit()
    first = _demo_addresses(session)
    per_town = {ags: sum(1 for row in first if row[0] == ags) for ags in demo.DEMO_TOWNS}
    assert all(300 <= n <= 600 for n in per_town.values()), per_town
    assert all(row[5] for row in first)
    assert {row[1] for row in first} == set(demo.FICTIONAL_STREETS)

    vacancies = session.execute(text("""
        SELECT m.ags, v.street, v.house_number FROM vacancy v
        JOIN municipality m ON m.id = v.municipality_id WHERE v.source = 'demo'""")).all()
    assert len(vacancies) == 90
    for ags, street, number in vacancies:
        found = client.get("/api/v1/addresses", params={
            "q": f"{street} {number}", "municipality": ags, "limit": 1}).json()["features"]
        assert [(f["properties"]["street"], f["properties"]["house_number"]) for f in found] == [
            (street, number)], (ags, street, number)

    demo.load(session=session, password="leerstand-demo")
    session.commit()
    assert _demo_addresses(session) == first
