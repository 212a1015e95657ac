"""GET /api/v1/statistics/timeseries.csv and durations.csv: the JSON endpoints' figures, one row
per town and month (or town and breakdown), read back with Python's csv module."""

from __future__ import annotations

import csv
import io
import json

import pytest

from app.statistics import downloads, trends
from tests.helpers.towns import JENA, SCHMOELLN
from tests.helpers.users import bearer
from tests.helpers.vacancies import feature

BASE = "/api/v1/statistics"
MONTH = trends.month_label(trends.current_month())


@pytest.fixture
def register(client, users):
    """Schmölln: 2 vacant, 1 interim use, 1 reused, 1 withdrawn; Jena: 1 vacant named with a
    formula (a town name is text like any other)."""
    staff = bearer(users.token("staff", SCHMOELLN))
    created = []
    for status in ("vacant", "vacant", "interim_use", "vacant", "vacant"):
        response = client.post("/api/v1/vacancies", headers=staff, json=feature(
            SCHMOELLN, status=status, former_use="Bäckerei", owner_contact="o@private.de"))
        assert response.status_code == 201, response.text
        created.append(response.json())
    for vacancy, status in ((created[3], "reused"), (created[4], "withdrawn")):
        response = client.patch(f"/api/v1/vacancies/{vacancy['id']}",
                                headers={**staff, "If-Match": '"1"'},
                                json={"properties": {"status": status}})
        assert response.status_code == 200, response.text
    response = client.post("/api/v1/vacancies", headers=bearer(users.token("staff", JENA)),
                           json=feature(JENA))
    assert response.status_code == 201
    return created


def rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="leerstand-')
    assert not response.content.startswith(b"\xef\xbb\xbf")  # as the exchange: no BOM
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"), newline="")))


def _number(cell: str) -> float | None:
    return None if cell == "" else float(cell)


def test_timeseries_rows_equal_the_json_for_the_public(client, register):
    params = {"municipality": f"{SCHMOELLN},{JENA}", "to": MONTH}
    table = rows(client.get(f"{BASE}/timeseries.csv", params=params))
    body = client.get(f"{BASE}/timeseries", params=params).json()
    expected = [(t["ags"], m) for t in body["municipalities"] for m in t["months"]]
    assert len(table) == len(expected) == 2 * 24
    for row, (ags, month) in zip(table, expected, strict=True):
        assert (row["ags"], row["month"]) == (ags, month["month"])
        for status in body["statuses"]:
            assert _number(row[f"count_{status}"]) == month["counts"].get(status), status
        for key in ("active", "per_10000", "new", "reused", "interim_started", "interim_ended"):
            assert _number(row[key]) == month[key], key
    last = next(r for r in table if r["ags"] == SCHMOELLN and r["month"] == MONTH)
    assert (last["name"], last["published_only"]) == ("Schmölln", "true")
    assert (last["count_vacant"], last["count_interim_use"], last["count_reused"]) == ("2", "1", "1")
    assert last["count_withdrawn"] == "" and last["active"] == "3"  # anonymous: published only
    assert "private" not in table.__repr__()


def test_the_working_group_gets_every_status(client, register, users):
    params = {"municipality": SCHMOELLN, "from": MONTH, "to": MONTH}
    headers = bearer(users.token("working_group"))
    (row,) = rows(client.get(f"{BASE}/timeseries.csv", params=params, headers=headers))
    assert (row["count_withdrawn"], row["published_only"]) == ("1", "false")
    (month,) = client.get(f"{BASE}/timeseries", params=params,
                          headers=headers).json()["municipalities"][0]["months"]
    assert _number(row["count_withdrawn"]) == month["counts"]["withdrawn"]


def test_durations_rows_equal_the_json(client, register):
    params = {"municipality": f"{SCHMOELLN},{JENA}"}
    table = rows(client.get(f"{BASE}/durations.csv", params=params))
    body = client.get(f"{BASE}/durations", params=params).json()
    towns = [r for r in table if r["breakdown"] == "all"]
    assert [r["ags"] for r in towns] == [t["ags"] for t in body["municipalities"]]
    for row, town in zip(towns, body["municipalities"], strict=True):
        for spell in ("current", "ended"):
            for key in ("count", "q1_days", "median_days", "q3_days"):
                assert _number(row[f"{spell}_{key}"]) == town[spell][key], (spell, key)
        assert _number(row["vacant_to_reused_count"]) == town["vacant_to_reused"]["count"]
        assert _number(row["interim_ended"]) == town["interim"]["ended"]
        assert _number(row["interim_share_permanent"]) == town["interim"]["share_permanent"]
    schmoelln = next(t for t in body["municipalities"] if t["ags"] == SCHMOELLN)
    uses = [r for r in table if r["ags"] == SCHMOELLN and r["breakdown"] == "former_use"]
    assert [r["group"] for r in uses] == [g["former_use"] or "" for g in schmoelln["by_former_use"]]
    assert uses[0]["current_count"] == "3" and uses[0]["interim_ended"] == ""
    bands = [r["group"] for r in table if r["ags"] == SCHMOELLN and r["breakdown"] == "floor_area"]
    assert bands == ["50-100"]


def test_a_town_name_that_looks_like_a_formula_is_guarded():
    town = {"ags": JENA, "name": "=HYPERLINK(1)", "population": 1, "published_only": True,
            "months": [{"month": "2026-01", "counts": {"vacant": 1}, "active": 1,
                        "per_10000": 1.0, "new": 0, "reused": 0, "interim_started": 0,
                        "interim_ended": 0}]}
    body = downloads.timeseries_csv(json.dumps({"municipalities": [town]})).decode()
    (row,) = csv.DictReader(io.StringIO(body, newline=""))
    assert (row["name"], row["count_vacant"], row["count_reported"]) == ("'=HYPERLINK(1)", "1", "")


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2026-05", "to": "2026-04"}, "from"),
    ({"from": "2026-13"}, "from"),
    ({"to": "2026-1"}, "to"),
    ({"from": "2000-01", "to": "2026-01"}, "from"),
    ({"municipality": ",".join(f"{16000000 + i:08d}" for i in range(1000))}, "municipality"),
    ({"municipality": "99999999"}, "municipality"),
    ({"municipality": "1605300"}, "municipality"),
])
def test_bad_parameters_are_the_json_endpoints_422(client, params, field):
    for path in ("timeseries", "durations"):
        if path == "durations" and "municipality" not in params:
            continue
        response = client.get(f"{BASE}/{path}.csv", params=params)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field
        assert response.json() == client.get(f"{BASE}/{path}", params=params).json()
