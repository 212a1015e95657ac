"""Scores follow imports: a real import rescores the town in its transaction, a dry run does not."""

from __future__ import annotations

import json

from sqlalchemy import text

from tests.exchange.test_import import URL, fc, feat
from tests.helpers.towns import SCHMOELLN


def upload(client, staff, features: list[dict], **params):
    body = json.dumps(fc(features)).encode()
    return client.post(URL, params={"municipality": SCHMOELLN, **params},
                       files={"file": ("liste.geojson", body)}, headers=staff)


def stored_scores(session) -> dict[str, int]:
    session.expire_all()
    return dict(session.execute(text(
        "SELECT v.external_id, s.interim FROM vacancy_score s JOIN vacancy v ON v.id = s.vacancy_id"
    )).all())


def listed(client, staff, session) -> dict[str, dict]:
    response = client.get("/api/v1/vacancies", params={"municipality": SCHMOELLN}, headers=staff)
    assert response.status_code == 200, response.text
    external = dict(session.execute(text("SELECT id, external_id FROM vacancy")).all())
    return {external[f["id"]]: f["properties"] for f in response.json()["features"]}


def test_dry_run_scores_nothing(client, staff, session):
    response = upload(client, staff, [feat(i) for i in range(3)], dry_run="true")
    assert response.status_code == 200 and response.json()["created"] == 3
    assert response.json()["rescored"] == 0
    assert stored_scores(session) == {}


def test_imported_vacancies_carry_scores(client, staff, session):
    response = upload(client, staff, [feat(i, floor="ground", has_wc=True) for i in range(3)])
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 3 and response.json()["rescored"] == 3
    assert set(stored_scores(session)) == {"E-0", "E-1", "E-2"}
    for props in listed(client, staff, session).values():
        scores = props["scores"]
        assert scores is not None
        assert 0 <= scores["interim"] <= 100 and 0 <= scores["permanent"] <= 100
        assert scores["recommendation"]


def test_reimport_rescores_changes_and_clears_unscored_statuses(client, staff, session):
    assert upload(client, staff, [feat(i) for i in range(3)]).status_code == 200
    before = stored_scores(session)
    # E-0 is let again (no score any more); E-1 turns out to be a poor fit for interim use
    again = upload(client, staff, [feat(0, status="reused"),
                                   feat(1, floor="basement", condition="major_renovation",
                                        has_wc=False, has_heating=False, step_free=False,
                                        owner_interim_willing="no"), feat(2)])
    assert again.status_code == 200 and again.json()["updated"] == 2
    after = stored_scores(session)
    assert "E-0" not in after and after["E-2"] == before["E-2"]
    assert after["E-1"] < before["E-1"]
    assert listed(client, staff, session)["E-0"]["scores"] is None


def test_rejected_import_scores_nothing(client, staff, session):
    response = upload(client, staff, [feat(0), feat(1, floor_area_m2=-1)])
    assert response.status_code == 422
    assert stored_scores(session) == {}
