"""Today's tasks of town staff (GET /api/v1/tasks), "Noch aktuell" (POST …/verify) and the
landing after login."""

from sqlalchemy import text

from tests.helpers.participation import new_vacancy, point, published, report_body, submit
from tests.helpers.towns import JENA, SCHMOELLN
from tests.helpers.users import bearer

KEYS = ["reports", "pending_ideas", "flagged_ideas", "matches", "recheck", "follow_ups"]


def _tasks(client, token, ags=SCHMOELLN):
    params = {"municipality": ags} if ags else {}
    return client.get("/api/v1/tasks", params=params, headers=bearer(token))


def _by_key(body):
    return {task["key"]: task for task in body["tasks"]}


def make_stale(session, vacancy_id, days=400):
    """A record nobody checked or changed for ``days``: as if it were entered long ago."""
    session.execute(text("""UPDATE vacancy SET verified_at = now() - make_interval(days => :d),
                            updated_at = now() - make_interval(days => :d) WHERE id = :id"""),
                    {"d": days, "id": vacancy_id})
    session.commit()


def town_world(client, session, staff, ags):
    """One item of every task in the town; returns the ids per task."""
    report = client.post("/api/v1/reports", json=report_body(ags, dlon=0.002)).json()["id"]
    pending = submit(client, location=point(ags), radius_m=300, title=f"Ausstehend {ags}")["id"]
    flagged = published(client, staff, location=point(ags), radius_m=300, title=f"Gemeldet {ags}")
    client.post(f"/api/v1/proposals/{flagged['id']}/flags", json={"reason": "spam"})
    vacancy = new_vacancy(client, staff, ags, floor_area_m2=80)
    match = client.post("/api/v1/matches", headers=bearer(staff), json={
        "proposal_id": flagged["id"], "vacancy_id": vacancy, "state": "contacted"})
    assert match.status_code == 200, match.text
    stale = new_vacancy(client, staff, ags, dlon=0.001, street="Altstraße", house_number="1")
    make_stale(session, stale)
    # an owner follow-up due yesterday, and one next month that is not due yet
    due = new_vacancy(client, staff, ags, dlon=0.0005, street="Nachfassweg", house_number="2")
    later = new_vacancy(client, staff, ags, dlon=-0.0005)
    session.execute(text("""UPDATE vacancy SET next_follow_up = CASE id WHEN :due
                            THEN current_date - 1 ELSE current_date + 30 END
                            WHERE id IN (:due, :later)"""), {"due": due, "later": later})
    session.commit()
    return {"reports": [report], "pending_ideas": [pending], "flagged_ideas": [flagged["id"]],
            "matches": [match.json()["id"]], "recheck": [stale], "follow_ups": [due]}


def test_counts_and_items_are_the_towns_own(client, users, session):
    staff = users.token("staff", SCHMOELLN)
    jena_staff = users.token("staff", JENA)
    ours = town_world(client, session, staff, SCHMOELLN)
    theirs = town_world(client, session, jena_staff, JENA)
    # a record checked long ago but changed lately is not due; a fresh one neither
    changed = new_vacancy(client, staff, dlon=0.0015)
    session.execute(text("UPDATE vacancy SET verified_at = now() - interval '400 days' "
                         "WHERE id = :id"), {"id": changed})
    session.commit()

    body = _tasks(client, staff).json()
    assert body["municipality"] == SCHMOELLN
    tasks = _by_key(body)
    assert list(tasks) == KEYS
    for key in KEYS:
        assert tasks[key]["count"] == 1, (key, tasks[key])
        assert [item["id"] for item in tasks[key]["items"]] == ours[key], key
        assert tasks[key]["link"].startswith("/verwaltung")
        assert SCHMOELLN in tasks[key]["link"]
    stale = tasks["recheck"]["items"][0]
    assert stale["title"] == "Altstraße 1" and stale["version"] == 1
    # an item opens its record on the staff map (an unconfirmed report has no public page)
    assert stale["link"] == f"/verwaltung/{SCHMOELLN}#leerstand-{ours['recheck'][0]}"
    assert tasks["reports"]["items"][0]["link"] == f"/verwaltung/{SCHMOELLN}#leerstand-{ours['reports'][0]}"
    assert tasks["pending_ideas"]["items"][0]["link"] == (
        f"/verwaltung/{SCHMOELLN}#idee-{ours['pending_ideas'][0]}")
    # staff without a municipality get their own town
    assert _by_key(_tasks(client, staff, None).json())["recheck"]["items"][0]["id"] == ours["recheck"][0]
    jena = _by_key(_tasks(client, jena_staff, JENA).json())
    assert [i["id"] for i in jena["recheck"]["items"]] == theirs["recheck"]

    # the working group: counts only, across every town or of one
    group = users.token("working_group")
    everywhere = _tasks(client, group, None).json()
    assert everywhere["municipality"] is None
    assert {t["key"]: t["count"] for t in everywhere["tasks"]} == dict.fromkeys(KEYS, 2)
    assert all(t["items"] == [] and t["link"] is None for t in everywhere["tasks"])
    one = _tasks(client, group).json()
    assert all(t["count"] == 1 and t["items"] == [] for t in one["tasks"])
    assert "Ausstehend" not in str(everywhere) + str(one)
    # admins see items
    admin = _by_key(_tasks(client, users.token("admin")).json())
    assert admin["pending_ideas"]["items"][0]["title"] == f"Ausstehend {SCHMOELLN}"


def test_tasks_errors(client, users):
    staff = users.token("staff", SCHMOELLN)
    assert client.get("/api/v1/tasks").status_code == 401
    assert _tasks(client, users.token("staff", JENA)).status_code == 403
    assert _tasks(client, staff, "16999999").status_code == 404
    bad = _tasks(client, staff, "1234")
    assert bad.status_code == 422 and "detail" in bad.json()


def test_verify_sets_verified_at_writes_history_and_ends_the_task(client, users, session):
    staff = users.token("staff", SCHMOELLN)
    vid = new_vacancy(client, staff)
    make_stale(session, vid)
    url = f"/api/v1/vacancies/{vid}/verify"
    assert client.post(url, json={"version": 1}).status_code == 401
    assert client.post(url, json={"version": 1},
                       headers=bearer(users.token("staff", JENA))).status_code == 403
    assert client.post(url, headers=bearer(staff)).status_code == 428
    assert client.post(url, json={"version": 7}, headers=bearer(staff)).status_code == 409
    assert client.post(url, json={"version": "x"}, headers=bearer(staff)).status_code == 422
    before = session.execute(text("SELECT verified_at FROM vacancy WHERE id = :id"),
                             {"id": vid}).scalar_one()
    response = client.post(url, json={"version": 1}, headers=bearer(staff))
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == '"2"'
    session.expire_all()
    after = session.execute(text("SELECT verified_at FROM vacancy WHERE id = :id"),
                            {"id": vid}).scalar_one()
    assert after > before
    history = client.get(f"/api/v1/vacancies/{vid}/history", headers=bearer(staff)).json()
    assert history["entries"][-1]["field"] == "verified_at"
    assert _by_key(_tasks(client, staff).json())["recheck"]["count"] == 0
    # the same version again is stale now: nothing changes
    assert client.post(url, json={"version": 1}, headers=bearer(staff)).status_code == 409
    assert client.post(url, headers={**bearer(staff), "If-Match": '"2"'}).status_code == 200


def test_a_change_ends_the_recheck_task_too(client, users, session):
    staff = users.token("staff", SCHMOELLN)
    vid = new_vacancy(client, staff)
    make_stale(session, vid)
    assert _by_key(_tasks(client, staff).json())["recheck"]["count"] == 1
    changed = client.patch(f"/api/v1/vacancies/{vid}", headers={**bearer(staff), "If-Match": '"1"'},
                           json={"properties": {"description": "Neue Schaufenster"}})
    assert changed.status_code == 200, changed.text
    assert _by_key(_tasks(client, staff).json())["recheck"]["count"] == 0
