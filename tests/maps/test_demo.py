"""The demo shows the whole participation flow: published proposals on the public maps, one
pending proposal and one citizen report in the review queue; loading twice replaces them."""

from sqlalchemy import text

from app import demo
from tests.helpers.towns import JENA, SCHMALKALDEN, SCHMOELLN
from tests.helpers.users import bearer


def _demo_proposals(session) -> list[tuple[str, str, str]]:
    return session.execute(text("""
        SELECT m.ags, p.title, p.status::text FROM proposal p
        JOIN municipality m ON m.id = p.municipality_id
        WHERE p.title LIKE '%(Demo)' ORDER BY p.id""")).all()


def test_demo_creates_fictional_proposals_and_a_report_and_replaces_them(client, session, users):
    demo.load(session=session, password="leerstand-demo")
    session.commit()
    first = _demo_proposals(session)
    assert {(ags, status) for ags, _, status in first} == {
        (SCHMOELLN, "published"), (SCHMALKALDEN, "published"), (JENA, "published"), (JENA, "pending")}
    assert len(first) == 5 and all(title.endswith("(Demo)") for _, title, _ in first)

    # the public map's proposals layer: published ones with geometry or a pinned shop, fitting shops
    listed = client.get("/api/v1/proposals", params={"municipality": SCHMOELLN}).json()["proposals"]
    assert len(listed) == 2
    assert any(p["vacancy_id"] for p in listed) and any(p["radius_m"] for p in listed)
    assert all(p["fits_count"] >= 1 for p in listed)
    area = client.get("/api/v1/proposals", params={"municipality": SCHMALKALDEN}).json()["proposals"]
    assert area[0]["area"]["type"] == "Polygon"

    staff = bearer(users.token("staff", JENA))
    queue = client.get("/api/v1/review", params={"municipality": JENA}, headers=staff).json()
    assert [p["title"] for p in queue["pending_proposals"]] == ["Lesecafé mit Tauschregal (Demo)"]
    citizen = [r for r in queue["reports"] if r["address"].endswith("(Demo)")]
    assert len(citizen) == 1 and "Fiktiver Beispieldatensatz" in citizen[0]["description"]

    demo.load(session=session, password="leerstand-demo")
    session.commit()
    again = _demo_proposals(session)
    assert [(a, t, s) for a, t, s in again] == first  # replaced, not doubled
    assert session.scalar(text("""SELECT count(*) FROM vacancy
        WHERE source = 'report' AND street LIKE '%(Demo)'""")) == 1
