"""Scoring API: breakdown, profiles, rescoring, list filters, and the bad inputs it refuses."""

import json

import pytest
from sqlalchemy import text

from tests.helpers.towns import CENTRES, JENA, SCHMOELLN
from tests.helpers.users import bearer
from tests.helpers.vacancies import VACANCIES, create, full_feature

PROFILE = f"/api/v1/municipalities/{SCHMOELLN}/scoring-profile"
DEFAULT_PROFILE = "/api/v1/scoring-profile/default"
RESCORE = f"/api/v1/municipalities/{SCHMOELLN}/rescore"


def score(client, vacancy_id, headers=None):
    response = client.get(f"{VACANCIES}/{vacancy_id}/score", headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


# --- scores on the vacancy Feature -----------------------------------------------------------

def test_created_vacancy_carries_current_scores(client, staff):
    body = create(client, staff, full_feature())
    scores = body["properties"]["scores"]
    assert set(scores) == {"interim", "permanent", "recommendation", "confidence", "profile_version"}
    assert 0 <= scores["interim"] <= 100 and 0 <= scores["permanent"] <= 100
    assert scores["recommendation"] in ("interim", "permanent", "conversion", "insufficient_data")
    assert scores["profile_version"] == 1
    # the list shows the same stored scores
    listed = client.get(VACANCIES).json()["features"][0]["properties"]["scores"]
    assert listed == scores


def test_patch_rescores_the_vacancy(client, staff):
    created = create(client, staff, full_feature(condition="ready"))
    before = created["properties"]["scores"]
    response = client.patch(f"{VACANCIES}/{created['id']}", headers={**staff, "If-Match": '"1"'},
                            json={"properties": {"condition": "major_renovation",
                                                 "has_heating": False}})
    assert response.status_code == 200, response.text
    after = response.json()["properties"]["scores"]
    assert after["interim"] < before["interim"]
    assert score(client, created["id"])["interim"] == after["interim"]


def test_a_new_neighbour_changes_the_scores_of_vacancies_nearby(client, staff):
    first = create(client, staff, full_feature())
    line = lambda: next(c for c in score(client, first["id"])["criteria"]  # noqa: E731
                        if c["criterion"] == "vacancies_near")
    assert line()["value"] == 0
    create(client, staff, full_feature(dx=0.0006))  # about 7 m away
    assert line()["value"] == 1
    stored = client.get(f"{VACANCIES}/{first['id']}").json()["properties"]["scores"]
    assert stored["permanent"] == score(client, first["id"])["permanent"]


def test_moving_a_vacancy_away_rescores_its_old_neighbours(client, staff):
    first = create(client, staff, full_feature())
    second = create(client, staff, full_feature(dx=0.0006))
    permanent_together = client.get(f"{VACANCIES}/{first['id']}").json()["properties"]["scores"]
    moved = client.patch(f"{VACANCIES}/{second['id']}", headers={**staff, "If-Match": '"1"'},
                         json={"geometry": {"type": "Point", "coordinates": [
                             CENTRES[SCHMOELLN][0] + 0.01, CENTRES[SCHMOELLN][1]]}})
    assert moved.status_code == 200, moved.text
    alone = client.get(f"{VACANCIES}/{first['id']}").json()["properties"]["scores"]
    assert alone["permanent"] > permanent_together["permanent"]


def test_status_reused_clears_the_score(client, staff):
    created = create(client, staff, full_feature())
    response = client.patch(f"{VACANCIES}/{created['id']}", headers={**staff, "If-Match": '"1"'},
                            json={"properties": {"status": "reused"}})
    assert response.json()["properties"]["scores"] is None
    assert client.get(f"{VACANCIES}/{created['id']}/score").status_code == 404


# --- breakdown -------------------------------------------------------------------------------

def test_breakdown_lists_every_criterion_with_fact_points_weight_contribution(client, staff):
    created = create(client, staff, full_feature())
    body = score(client, created["id"])
    assert body["vacancy_id"] == created["id"] and body["municipality"] == SCHMOELLN
    keys = [c["criterion"] for c in body["criteria"]]
    assert len(keys) == 16 and "floor_area" in keys and "distance_stop" in keys
    area = next(c for c in body["criteria"] if c["criterion"] == "floor_area")
    assert area["label"] == "Nutzfläche" and area["unit"] == "m²" and area["value"] == 90
    assert area["display"] == "90 m²" and area["group_label"] == "Objekt"
    assert set(area["interim"]) == {"points", "weight", "contribution"}
    owner = next(c for c in body["criteria"] if c["criterion"] == "owner_willing")
    assert owner["permanent"] is None  # feeds only the interim score
    total = sum(c["permanent"]["contribution"] for c in body["criteria"] if c["permanent"])
    assert abs(total - body["permanent"]) <= 1.5
    assert body["recommendation_label"] and body["reason"].endswith(".")
    assert body["profile_version"] == body["profile"]["version"] == 1


def test_missing_layers_are_listed_and_lower_confidence(client, staff):
    created = create(client, staff, full_feature())
    body = score(client, created["id"])
    missing = {m["fact"] for m in body["missing_facts"]}
    # Schmölln has no core area, no stops loaded and no shops/culture layer in a fresh database
    assert {"in_core_area", "distance_stop_m", "active_uses_150m", "culture_300m"} <= missing
    assert body["confidence"] < 1


def test_place_layers_fill_the_location_facts(client, staff, session):
    lon, lat = CENTRES[SCHMOELLN]
    session.execute(text("""
        INSERT INTO place (category, name, geom, source) VALUES
          ('retail', 'Laden', ST_SetSRID(ST_MakePoint(:lon + 0.0004, :lat), 4326), 't'),
          ('culture', 'Museum', ST_SetSRID(ST_MakePoint(:lon, :lat + 0.0025), 4326), 't'),
          ('station', 'Bahnhof', ST_SetSRID(ST_MakePoint(:lon + 0.01, :lat), 4326), 't')
    """), {"lon": lon, "lat": lat})
    session.commit()
    created = create(client, staff, full_feature())
    facts = {c["fact"]: c["value"] for c in score(client, created["id"])["criteria"]}
    assert facts["active_uses_150m"] == 1  # the shop (≈ 35 m), not the museum (≈ 250 m)
    assert facts["culture_300m"] == 1
    assert 600 < facts["distance_stop_m"] < 800


def test_breakdown_of_unknown_vacancy_is_404(client):
    assert client.get(f"{VACANCIES}/999999/score").status_code == 404


def test_breakdown_never_shows_private_data(client, staff, users):
    created = create(client, staff, full_feature())
    for headers in ({}, staff, bearer(users.token("working_group")), bearer(users.token("admin"))):
        raw = client.get(f"{VACANCIES}/{created['id']}/score", headers=headers).text
        assert "Geheim" not in raw and "Erbstreit" not in raw and "geheim@" not in raw
        assert "owner_contact" not in raw and "internal_notes" not in raw


def test_breakdown_of_a_hidden_vacancy_is_404_for_the_public(client, staff, session):
    created = create(client, staff, full_feature())
    session.execute(text("UPDATE vacancy SET status = 'reported' WHERE id = :id"),
                    {"id": created["id"]})
    session.commit()
    assert client.get(f"{VACANCIES}/{created['id']}/score").status_code == 404
    assert client.get(f"{VACANCIES}/{created['id']}/score", headers=staff).status_code == 200


def test_script_in_description_is_not_echoed(client, staff):
    created = create(client, staff, full_feature(description="<script>alert(1)</script>"))
    assert "<script>" not in client.get(f"{VACANCIES}/{created['id']}/score").text


# --- core area ---------------------------------------------------------------------------------

def test_core_area_change_rescores_the_town(client, staff):
    created = create(client, staff, full_feature())
    before = client.get(f"{VACANCIES}/{created['id']}").json()["properties"]["scores"]
    lon, lat = CENTRES[SCHMOELLN]
    square = [[lon - 0.003, lat - 0.002], [lon + 0.003, lat - 0.002], [lon + 0.003, lat + 0.002],
              [lon - 0.003, lat + 0.002], [lon - 0.003, lat - 0.002]]
    response = client.put(f"/api/v1/municipalities/{SCHMOELLN}/core-area", headers=staff,
                          json={"type": "Polygon", "coordinates": [square]})
    assert response.status_code == 200, response.text
    after = client.get(f"{VACANCIES}/{created['id']}").json()["properties"]["scores"]
    assert after["confidence"] > before["confidence"]  # in_core_area is known now
    fact = next(c for c in score(client, created["id"])["criteria"]
                if c["criterion"] == "in_core_area")
    assert fact["value"] is True and fact["display"] == "ja"


# --- profiles ----------------------------------------------------------------------------------

def test_town_inherits_the_default_profile(client):
    body = client.get(PROFILE).json()
    assert body["scope"] == "default" and body["inherits_default"] is True
    assert body["weights"]["owner_willing"] == {"interim": 4.0}
    assert body["thresholds"]["interim_max_area_m2"] == 300
    assert any(c["reason"] for c in body["criteria"])


def test_changing_a_weight_bumps_the_version_and_changes_scores(client, staff):
    created = create(client, staff, full_feature())
    before = client.get(f"{VACANCIES}/{created['id']}").json()["properties"]["scores"]
    old_version = client.get(PROFILE).json()["version"]
    response = client.put(PROFILE, headers=staff,
                          json={"weights": {"owner_willing": {"interim": 30}}})
    assert response.status_code == 200, response.text
    profile = response.json()
    assert profile["version"] == old_version + 1 and profile["scope"] == "municipality"
    assert profile["weights"]["owner_willing"]["interim"] == 30
    assert profile["weights"]["floor"] == {"interim": 2.0, "permanent": 3.0}  # kept
    after = client.get(f"{VACANCIES}/{created['id']}").json()["properties"]["scores"]
    assert after["interim"] > before["interim"]  # the willing owner now counts much more
    assert after["profile_version"] == profile["version"]
    again = client.put(PROFILE, headers=staff, json={"thresholds": {"near_stop_m": 500}})
    assert again.json()["version"] == profile["version"] + 1
    # the same values again change nothing, so no new version
    same = client.put(PROFILE, headers=staff, json={"thresholds": {"near_stop_m": 500}})
    assert same.json()["version"] == profile["version"] + 1


def test_town_profile_does_not_touch_other_towns(client, staff, users):
    client.put(PROFILE, headers=staff, json={"weights": {"floor": {"permanent": 9}}})
    assert client.get(f"/api/v1/municipalities/{JENA}/scoring-profile").json()["weights"][
        "floor"]["permanent"] == 3


@pytest.mark.parametrize(("body", "field"), [
    ({"weights": {"floor": {"interim": -1}}}, "weights.floor.interim"),
    ({"weights": {"floor": {"interim": "3"}}}, "weights.floor.interim"),
    ({"weights": {"floor": {"interim": True}}}, "weights.floor.interim"),
    ({"weights": {"floor": {"interim": 1e9}}}, "weights.floor.interim"),
    ({"weights": {"beauty": {"interim": 1}}}, "weights.beauty"),
    ({"weights": {"owner_willing": {"permanent": 1}}}, "weights.owner_willing.permanent"),
    ({"thresholds": {"interim_max_area_m2": -5}}, "thresholds.interim_max_area_m2"),
    ({"thresholds": {"magic": 5}}, "thresholds.magic"),
    ({"colour": "red"}, "colour"),
])
def test_bad_profile_input_is_422_naming_the_field(client, staff, body, field):
    response = client.put(PROFILE, headers=staff, json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["detail"]
    assert client.get(PROFILE).json()["scope"] == "default"  # nothing stored


def test_all_zero_weights_are_refused(client, staff):
    zero = {c["criterion"]: dict.fromkeys(c["scores"], 0)
            for c in client.get(PROFILE).json()["criteria"]}
    response = client.put(PROFILE, headers=staff, json={"weights": zero})
    assert response.status_code == 422
    assert response.json()["field"].startswith("weights")
    assert client.get(PROFILE).json()["scope"] == "default"


def test_contradicting_thresholds_are_refused(client, staff):
    response = client.put(PROFILE, headers=staff,
                          json={"thresholds": {"rent_low_eur_m2": 20, "rent_high_eur_m2": 10}})
    assert response.status_code == 422 and response.json()["field"] == "thresholds.rent_low_eur_m2"


def test_non_json_profile_body_is_400(client, staff):
    response = client.put(PROFILE, headers={**staff, "Content-Type": "application/json"},
                          content=b"{weights")
    assert response.status_code == 400


def test_profile_of_another_town_is_403_and_anonymous_401(client, staff):
    response = client.put(f"/api/v1/municipalities/{JENA}/scoring-profile", headers=staff,
                          json={"weights": {"floor": {"interim": 1}}})
    assert response.status_code == 403
    assert client.put(PROFILE, json={}).status_code == 401


def test_profile_of_unknown_town_is_404(client, staff, admin):
    assert client.get("/api/v1/municipalities/99999999/scoring-profile").status_code == 404
    assert client.put("/api/v1/municipalities/99999999/scoring-profile", headers=admin,
                      json={}).status_code == 404


def test_default_profile_only_for_admins_and_rescores_towns_using_it(client, staff, admin):
    created = create(client, staff, full_feature())
    before = client.get(f"{VACANCIES}/{created['id']}").json()["properties"]["scores"]
    body = {"weights": {"owner_willing": {"interim": 40}}}
    assert client.put(DEFAULT_PROFILE, headers=staff, json=body).status_code == 403
    response = client.put(DEFAULT_PROFILE, headers=admin, json=body)
    assert response.status_code == 200 and response.json()["version"] == 2
    assert response.json()["scope"] == "default"
    after = client.get(f"{VACANCIES}/{created['id']}").json()["properties"]["scores"]
    assert after["profile_version"] == 2 and after["interim"] > before["interim"]
    assert client.get(PROFILE).json()["version"] == 2  # inherited


# --- rescore -----------------------------------------------------------------------------------

def test_rescore_returns_counts_and_timing(client, staff):
    create(client, staff, full_feature())
    create(client, staff, full_feature(dx=0.002))
    response = client.post(RESCORE, headers=staff)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scored"] == 2 and body["municipalities"] == 1 and body["municipality"] == SCHMOELLN
    assert body["seconds"] >= body["seconds_python"] >= 0


def test_rescore_unknown_town_404_other_town_403_anonymous_401(client, staff, admin):
    assert client.post("/api/v1/municipalities/99999999/rescore", headers=admin).status_code == 404
    assert client.post(f"/api/v1/municipalities/{JENA}/rescore", headers=staff).status_code == 403
    assert client.post(RESCORE).status_code == 401
    assert client.post("/api/v1/municipalities/1234/rescore", headers=admin).status_code == 422


def test_rescore_picks_up_changes_made_behind_the_api(client, staff, session):
    created = create(client, staff, full_feature())
    session.execute(text("UPDATE vacancy SET floor = 'basement' WHERE id = :id"),
                    {"id": created["id"]})
    session.commit()
    before = client.get(f"{VACANCIES}/{created['id']}").json()["properties"]["scores"]
    client.post(RESCORE, headers=staff)
    after = client.get(f"{VACANCIES}/{created['id']}").json()["properties"]["scores"]
    assert after["permanent"] < before["permanent"]


# --- list filter and sort ----------------------------------------------------------------------

def _three(client, staff):
    good = create(client, staff, full_feature())
    poor = create(client, staff, full_feature(dx=0.004, floor="basement", shop_window_m=0,
                                              condition="major_renovation", has_wc=False))
    middle = create(client, staff, full_feature(dx=-0.004, floor="upper"))
    return good["id"], middle["id"], poor["id"]


def test_list_sort_and_filter_by_score(client, staff):
    good, middle, poor = _three(client, staff)
    ids = lambda **p: [f["id"] for f in client.get(VACANCIES, params=p).json()["features"]]  # noqa: E731
    assert ids(sort="-permanent") == [good, middle, poor]
    assert ids(sort="permanent") == [poor, middle, good]
    permanent = {f["id"]: f["properties"]["scores"]["permanent"]
                 for f in client.get(VACANCIES).json()["features"]}
    threshold = permanent[middle]
    assert set(ids(min_permanent=threshold)) == {good, middle}
    assert ids(min_interim=0, sort="-interim")[0] in (good, middle)
    page = client.get(VACANCIES, params={"sort": "-permanent", "limit": 1, "offset": 1}).json()
    assert [f["id"] for f in page["features"]] == [middle] and page["numberMatched"] == 3


def test_unscored_vacancies_sort_last(client, staff, session):
    good, middle, poor = _three(client, staff)
    session.execute(text("DELETE FROM vacancy_score WHERE vacancy_id = :id"), {"id": good})
    session.commit()
    features = client.get(VACANCIES, params={"sort": "-permanent"}).json()["features"]
    assert features[-1]["id"] == good and features[-1]["properties"]["scores"] is None


@pytest.mark.parametrize(("params", "field"), [
    ({"sort": "price"}, "sort"), ({"sort": "-id; DROP TABLE vacancy"}, "sort"),
    ({"min_interim": 101}, "min_interim"), ({"min_permanent": -1}, "min_permanent"),
    ({"min_interim": "high"}, "min_interim"),
])
def test_bad_list_parameters_are_422_naming_the_field(client, params, field):
    response = client.get(VACANCIES, params=params)
    assert response.status_code == 422, response.text
    assert field in json.dumps(response.json())


def test_an_empty_or_identical_put_creates_no_own_profile(client, staff):
    assert client.put(PROFILE, headers=staff, json={}).json()["scope"] == "default"
    same = client.put(PROFILE, headers=staff, json={"weights": {"floor": {"interim": 2}}})
    assert same.status_code == 200 and same.json()["scope"] == "default"
    assert same.json()["version"] == 1


def test_oversized_profile_body_is_refused(client, staff):
    body = {"weights": {"floor": {"interim": 1}}, "padding": "x" * 3_000_000}
    response = client.put(PROFILE, headers=staff, json=body)
    assert response.status_code == 413  # the body guard stops it before any parsing
    assert client.get(PROFILE).json()["scope"] == "default"


def test_profile_does_not_reveal_who_changed_it(client, users):
    email = "kaemmerer-geheim@example.org"
    headers = bearer(users.token("staff", SCHMOELLN, email=email))
    client.put(PROFILE, headers=headers, json={"weights": {"floor": {"interim": 5}}})
    for raw in (client.get(PROFILE).text, client.get(PROFILE, headers=headers).text):
        assert email not in raw and "updated_by" not in raw
