"""Edits of neighbouring vacancies at the same time: each rescores the other's neighbourhood
(app.scoring.service.rescore_near), so both lock overlapping score rows. Over real HTTP with
uvicorn's thread pool, so the requests really run side by side."""

from __future__ import annotations

import threading

import httpx

from app.database import make_engine
from tests.helpers.towns import CENTRES, SCHMOELLN
from tests.helpers.users import bearer
from tests.helpers.vacancies import feature, insert_many

ROUNDS = 30
EDITORS = 6


def test_neighbours_edited_at_once_all_succeed(live_server, database_url, users):
    headers = bearer(users.token("staff", SCHMOELLN))
    lon, lat = CENTRES[SCHMOELLN]
    # written straight into the table, so without scores yet: the first edits insert the score
    # rows of every neighbour, the case that deadlocked (rows inserted in different orders)
    insert_many(database_url, EDITORS * 2, ags=SCHMOELLN)
    with make_engine(database_url).connect() as conn:
        ids = list(conn.exec_driver_sql("SELECT id FROM vacancy ORDER BY id").scalars())
    answers: list[tuple[int, str]] = []

    def edit(vacancy_id: int, step: float) -> None:
        with httpx.Client(base_url=live_server.url, headers=headers, timeout=60) as http:
            for n in range(ROUNDS):
                version = http.get(f"/api/v1/vacancies/{vacancy_id}").json()["properties"]["version"]
                moved = feature(SCHMOELLN, lon + step * (n % 3), lat - step * (n % 2))
                answer = http.patch(f"/api/v1/vacancies/{vacancy_id}", headers={"If-Match": f'"{version}"'},
                                    json={"geometry": moved["geometry"],
                                          "properties": {"floor_area_m2": 50 + n}})
                answers.append((answer.status_code, answer.text[:200]))

    threads = [threading.Thread(target=edit, args=(vacancy_id, 0.0001 * (i + 1)))
               for i, vacancy_id in enumerate(ids[:EDITORS])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = [a for a in answers if a[0] != 200]
    assert len(answers) == ROUNDS * EDITORS and not failed, failed[:3]
