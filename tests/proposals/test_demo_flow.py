"""The participation demo: on the demo data, a citizen's proposal pinned to an empty shop goes
pending -> published by staff -> shows its matches with reasons; review queue and erase work."""

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app import demo
from app.accounts import service as accounts
from app.accounts.models import User
from app.database import make_engine
from tests.helpers.participation import SECRET_EMAIL
from tests.helpers.towns import SCHMOELLN
from tests.helpers.users import bearer


def test_demo_flow(client, database_url):
    with Session(make_engine(database_url)) as session, session.begin():
        demo.load(session=session, password="demo-passwort-123")
        staff = session.scalar(select(User).where(User.email == "schmoelln@demo.invalid"))
        token = accounts.create_token(session=session, user=staff)
        vacancy_id = session.execute(text("""
            SELECT v.id FROM vacancy v JOIN municipality m ON m.id = v.municipality_id
            WHERE m.ags = :ags AND v.status = 'vacant' AND v.owner_interim_willing <> 'no'
            ORDER BY v.id LIMIT 1"""), {"ags": SCHMOELLN}).scalar_one()
    proposal = client.post("/api/v1/proposals", json={
        "title": "Offenes Atelier", "description": "Malen und Ausstellen im Leerstand",
        "category": "creative", "duration": "interim", "vacancy_id": vacancy_id,
        "display_name": "Erika", "email": SECRET_EMAIL,
    }).json()
    assert proposal["status"] == "pending"
    queue = client.get("/api/v1/review", params={"municipality": SCHMOELLN},
                       headers=bearer(token)).json()
    assert [p["id"] for p in queue["pending_proposals"]] == [proposal["id"]]
    assert len(queue["reports"]) == 3  # the demo's unconfirmed reports
    client.post(f"/api/v1/proposals/{proposal['id']}/publish", headers=bearer(token))
    assert client.get(proposal["status_url"]).json()["status"] == "published"
    public = client.get(f"/api/v1/proposals/{proposal['id']}/matches").json()
    assert public["fits"] >= 1 and "matches" not in public
    staff_view = client.get(f"/api/v1/proposals/{proposal['id']}/matches",
                            headers=bearer(token)).json()
    top = staff_view["matches"][0]
    assert top["vacancy_id"] == vacancy_id and top["pinned"]
    assert top["reasons"][0]["de"] == "im Vorschlag ausgewählt"
    confirmed = client.post(f"/api/v1/reports/{queue['reports'][0]['id']}/confirm",
                            headers=bearer(token))
    assert confirmed.status_code == 200
    erased = client.post("/api/v1/privacy/erase", json={"email": SECRET_EMAIL},
                         headers=bearer(token)).json()
    assert erased["proposal_contacts_deleted"] == 1
