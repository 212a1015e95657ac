"""The staff review queue and erasing a person's data by e-mail."""

import logging

from sqlalchemy import text

from tests.helpers.participation import SECRET_EMAIL, point, published, report_body, submit
from tests.helpers.towns import JENA, SCHMOELLN
from tests.helpers.users import bearer


def _queue(client, token, ags=SCHMOELLN):
    return client.get("/api/v1/review", params={"municipality": ags}, headers=bearer(token))


def test_queue_lists_reports_pending_and_flagged_oldest_first(client, users, app):
    staff = users.token("staff", SCHMOELLN)
    reports = [client.post("/api/v1/reports", json=report_body(dlon=0.001 * i)).json()["id"]
               for i in range(1, 3)]
    pending = [submit(client, location=point(), radius_m=300, title=f"Idee {i}")["id"]
               for i in range(2)]
    flagged = published(client, staff, location=point(), radius_m=300)
    client.post(f"/api/v1/proposals/{flagged['id']}/flags", json={"reason": "spam"})
    client.post("/api/v1/reports", json=report_body(JENA))  # another town's
    queue = _queue(client, staff).json()
    assert queue["municipality"] == SCHMOELLN
    assert [r["id"] for r in queue["reports"]] == reports
    assert [p["id"] for p in queue["pending_proposals"]] == pending
    assert [p["id"] for p in queue["flagged_proposals"]] == [flagged["id"]]
    assert queue["flagged_proposals"][0]["hidden"] is False  # 1 flag < threshold 3
    report = queue["reports"][0]
    assert {"id", "location", "address", "description", "hint", "contactable",
            "created_at", "version", "duplicates", "photos"} == set(report)


def test_queue_is_for_staff_of_the_town(client, users):
    assert client.get("/api/v1/review", params={"municipality": SCHMOELLN}).status_code == 401
    assert _queue(client, users.token("staff", JENA)).status_code == 403
    assert _queue(client, users.token("working_group")).status_code == 403
    assert _queue(client, users.token("admin")).status_code == 200
    assert _queue(client, users.token("admin"), "16999999").status_code == 404
    assert _queue(client, users.token("admin"), "1234").status_code == 422


def test_erase_by_email(client, users, session, caplog):
    caplog.set_level(logging.DEBUG)
    staff = users.token("staff", SCHMOELLN)
    client.post("/api/v1/reports", json=report_body(email=SECRET_EMAIL, consent=True))
    client.post("/api/v1/reports", json=report_body(JENA, email=SECRET_EMAIL, consent=True))
    proposal = submit(client, location=point(), radius_m=300, email=SECRET_EMAIL,
                      display_name="Erika M.")
    keep = submit(client, location=point(), radius_m=300, email="someone@example.org",
                  display_name="Max")
    assert client.post("/api/v1/privacy/erase", json={"email": SECRET_EMAIL}).status_code == 401
    assert client.post("/api/v1/privacy/erase", json={"email": "nope"},
                       headers=bearer(staff)).status_code == 422
    assert client.post("/api/v1/privacy/erase", json={"email": SECRET_EMAIL},
                       headers=bearer(users.token("working_group"))).status_code == 403
    erased = client.post("/api/v1/privacy/erase", json={"email": SECRET_EMAIL.upper()},
                         headers=bearer(staff))
    assert erased.status_code == 200
    # staff erase within their own town: Jena's report keeps its contact
    # … and so the mail address too (it is Jena's reporter's address as well)
    assert erased.json() == {"report_contacts_deleted": 1, "report_photos_deleted": 0,
                             "proposal_contacts_deleted": 1, "display_names_cleared": 1,
                             "mail_addresses_deleted": 0}
    session.rollback()
    left = session.execute(text("SELECT email FROM report_contact UNION ALL "
                                "SELECT email FROM proposal_contact")).scalars().all()
    assert sorted(left) == [SECRET_EMAIL, "someone@example.org"]
    names = dict(session.execute(text("SELECT id, display_name FROM proposal")).all())
    assert names == {proposal["id"]: None, keep["id"]: "Max"}
    admin = client.post("/api/v1/privacy/erase", json={"email": SECRET_EMAIL},
                        headers=bearer(users.token("admin")))
    assert admin.json()["report_contacts_deleted"] == 1
    assert SECRET_EMAIL not in caplog.text
