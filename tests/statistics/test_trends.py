"""The SQL figures (app.statistics.trends) against the reference loops (app.statistics.timeline)
over generated histories in the real PostGIS: statuses back and forth along the allowed
transitions, citizen reports, imports (no creation entry, several changes at one instant),
vacancies that were empty before the register knew them (``vacant_since``), deleted records,
erased personal data and other fields' history entries, and changes just before and after
midnight at the turn of a month in Europe/Berlin (also at the clock changes)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from app.accounts.principal import ANONYMOUS, Principal, Role
from app.statistics import timeline as tl
from app.statistics import trends
from app.vacancies.lifecycle import ALLOWED_TRANSITIONS, VacancyStatus
from tests.helpers.towns import CENTRES, JENA, SCHMOELLN
from tests.helpers.users import bearer

TOWNS = (SCHMOELLN, JENA)
NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)
FIRST, LAST = "2023-11", "2026-12"
START = datetime(2024, 1, 1, tzinfo=UTC)
# month turns in Berlin, some at the clock changes (last Sunday of March/October)
TURNS = [datetime(2024, m, 1, tzinfo=tl.BERLIN) for m in (2, 4, 11)] + [
    datetime(2025, m, 1, tzinfo=tl.BERLIN) for m in (1, 3, 4, 10, 11)] + [
    datetime(2026, m, 1, tzinfo=tl.BERLIN) for m in (4, 7)]
USES = (None, "Bäckerei", "Mode", "Café")
AREAS = (None, 30, 49.9, 50, 120, 200, 499.9, 500, 900)


def moment() -> st.SearchStrategy[datetime]:
    """Anywhere in three years, or within two hours of a month's turn in Berlin."""
    anywhere = st.integers(0, 2 * 365 * 24 * 60).map(lambda m: START + timedelta(minutes=m))
    near_turn = st.tuples(st.sampled_from(TURNS), st.integers(-120, 120)).map(
        lambda tm: tm[0].astimezone(UTC) + timedelta(minutes=tm[1]))
    return st.one_of(anywhere, near_turn)


@st.composite
def vacancy(draw: st.DrawFn) -> dict:
    source = draw(st.sampled_from(["staff", "import", "report"]))
    first = (VacancyStatus.reported if source == "report"
             else draw(st.sampled_from(sorted({VacancyStatus.threatened, VacancyStatus.vacant,
                                               VacancyStatus.interim_use}))))
    created = draw(moment())
    since = draw(st.one_of(st.none(), st.integers(-900, 40).map(
        lambda d: (created + timedelta(days=d)).date())))
    status, when, changes = first, created, []
    for _ in range(draw(st.integers(0, 6))):
        targets = sorted(ALLOWED_TRANSITIONS[status])
        if not targets:
            break
        target = draw(st.sampled_from(targets))
        # 0: an import or a quick correction at the same instant
        when = when + timedelta(minutes=draw(st.sampled_from([0, 1, 90, 2000, 40000, 200000])))
        if when > NOW:
            break
        changes.append((when, status.value, target.value))
        status = target
    return {"town": draw(st.sampled_from(TOWNS)), "source": source, "created": created,
            "vacant_since": since, "first": first.value, "status": status.value,
            "changes": changes, "deleted": draw(st.integers(0, 5)) == 0,
            "former_use": draw(st.sampled_from(USES)),
            "area": draw(st.sampled_from(AREAS)), "noise": draw(st.booleans())}


def write(session, vacancies: list[dict]) -> None:
    """Straight into the real tables, with the times the history needs."""
    session.execute(text("DELETE FROM vacancy"))
    for v in vacancies:
        lon, lat = CENTRES[v["town"]]
        vid = session.execute(text("""
            INSERT INTO vacancy (municipality_id, location, status, source, created_at, updated_at,
                                 vacant_since, former_use, floor_area_m2, owner_contact, version)
            SELECT id, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :status, :source, :created,
                   :created, :since, :use, :area, 'Frau Muster', :version
            FROM municipality WHERE ags = :ags RETURNING id
        """), {"lon": lon, "lat": lat, "status": v["status"], "source": v["source"],
               "created": v["created"], "since": v["vacant_since"], "use": v["former_use"],
               "area": v["area"], "version": len(v["changes"]) + 1, "ags": v["town"]}).scalar_one()
        for version, (when, old, new) in enumerate(v["changes"], 2):
            rows = [("status", json.dumps(old), json.dumps(new))]
            if v["noise"]:  # another field changed in the same edit, and erased personal data
                rows.append(("owner_contact", json.dumps("Frau Muster"), "null"))
            for name, old_json, new_json in rows:
                session.execute(text("""
                    INSERT INTO vacancy_history (vacancy_id, version, changed_at, field,
                                                 old_value, new_value)
                    VALUES (:vid, :version, :when, :field, CAST(:old AS jsonb), CAST(:new AS jsonb))
                """), {"vid": vid, "version": version, "when": when, "field": name,
                       "old": old_json, "new": new_json})
        if v["deleted"]:
            session.execute(text("DELETE FROM vacancy WHERE id = :id"), {"id": vid})
    session.execute(text("UPDATE vacancy SET owner_contact = NULL WHERE id % 2 = 0"))  # erased
    session.commit()


def timelines(session) -> dict[str, list[tl.Timeline]]:
    """The reference's input, read back from the tables (ids decide the order of equal times)."""
    changes: dict[int, list[tl.Change]] = {}
    for row in session.execute(text("""SELECT vacancy_id, changed_at, id, old_value #>> '{}',
            new_value #>> '{}' FROM vacancy_history WHERE field = 'status'""")):
        changes.setdefault(row[0], []).append(tl.Change(row[1], row[2], row[3], row[4]))
    out: dict[str, list[tl.Timeline]] = {ags: [] for ags in TOWNS}
    for row in session.execute(text("""SELECT v.id, m.ags, v.created_at, v.vacant_since,
            v.status, v.former_use, v.floor_area_m2 FROM vacancy v
            JOIN municipality m ON m.id = v.municipality_id""")):
        out[row[1]].append(tl.timeline(
            vacancy_id=row[0], ags=row[1], created_at=row[2], vacant_since=row[3], status=row[4],
            changes=changes.get(row[0], []), former_use=row[5], floor_area_m2=row[6]))
    return out


def populations(session) -> dict[str, int | None]:
    return dict(session.execute(text("SELECT ags, population FROM municipality "
                                     "WHERE ags = ANY(:a)"), {"a": list(TOWNS)}).all())


def expected_months(lines, population, public_only):
    months = tl.monthly(lines, tl.months_between(FIRST, LAST), public_only=public_only,
                        population=population)
    for m in months:
        if m["per_10000"] is not None:
            m["per_10000"] = float(Decimal(m["active"] * 10000 / Decimal(population))
                                   .quantize(Decimal("0.01"), ROUND_HALF_UP))
    return months


HISTORIES = st.lists(vacancy(), min_size=1, max_size=14)
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@pytest.fixture
def callers(users) -> dict[str, dict[str, str]]:
    return {"anonymous": {}, "working_group": bearer(users.token("working_group")),
            "staff_schmoelln": bearer(users.token("staff", SCHMOELLN))}


@SETTINGS
@given(HISTORIES)
def test_timeseries_equals_the_reference(client, session, callers, histories) -> None:
    write(session, histories)
    lines, population = timelines(session), populations(session)
    for caller, headers in callers.items():
        response = client.get("/api/v1/statistics/timeseries",
                              params={"municipality": ",".join(TOWNS), "from": FIRST, "to": LAST},
                              headers=headers)
        assert response.status_code == 200, response.text
        got = {t["ags"]: t for t in response.json()["municipalities"]}
        assert set(got) == set(TOWNS)
        for ags in TOWNS:
            public_only = caller == "anonymous" or (caller == "staff_schmoelln" and ags == JENA)
            assert got[ags]["published_only"] is public_only
            want = expected_months(lines[ags], population[ags], public_only)
            assert got[ags]["months"] == want, (caller, ags)


@SETTINGS
@given(HISTORIES)
def test_durations_equal_the_reference(session, histories) -> None:
    write(session, histories)
    lines = timelines(session)
    got = {t["ags"]: t for t in trends.durations(
        session=session, principal=ANONYMOUS, agss=list(TOWNS), now=NOW)["municipalities"]}
    group = trends.durations(session=session, principal=Principal(user_id=1, role=Role.working_group),
                             agss=list(TOWNS), now=NOW)
    assert {t["ags"]: t for t in group["municipalities"]} == got  # active statuses are public
    for ags in TOWNS:
        want = rounded(tl.durations(lines[ags], now=NOW))
        have = {k: v for k, v in got[ags].items() if k not in ("ags", "name", "population")}
        assert sort_groups(have) == pytest.approx(sort_groups(want), abs=0.011), ags


def rounded(value):
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value


def sort_groups(result: dict) -> dict:
    """Breakdowns in a fixed order, as flat comparable entries."""
    out = {k: v for k, v in result.items() if not k.startswith("by_")}
    for key, name in (("by_former_use", "former_use"), ("by_floor_area", "band")):
        for entry in result[key]:
            for part in ("current", "ended"):
                for stat, number in entry[part].items():
                    out[f"{key}:{entry[name]}:{part}:{stat}"] = number
    flat = {}
    for k, v in out.items():
        if isinstance(v, dict):
            flat.update({f"{k}:{kk}": vv for kk, vv in v.items()})
        else:
            flat[k] = v
    return flat


def test_a_change_at_2330_utc_on_31_march_counts_in_april(client, session) -> None:
    write(session, [{"town": JENA, "source": "staff", "created": datetime(2026, 3, 2, tzinfo=UTC),
                     "vacant_since": None, "first": "vacant", "status": "reused",
                     "changes": [(datetime(2026, 3, 31, 23, 30, tzinfo=UTC), "vacant", "reused")],
                     "deleted": False, "former_use": None, "area": None, "noise": False}])
    body = client.get("/api/v1/statistics/timeseries",
                      params={"municipality": JENA, "from": "2026-03", "to": "2026-04"}).json()
    march, april = body["municipalities"][0]["months"]
    assert (march["month"], march["counts"]["vacant"], march["reused"]) == ("2026-03", 1, 0)
    assert (april["counts"]["vacant"], april["counts"]["reused"], april["reused"]) == (0, 1, 1)
    assert "withdrawn" not in april["counts"]  # anonymous: published statuses only


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2026-05", "to": "2026-04"}, "from"),
    ({"from": "2026-13"}, "from"),
    ({"to": "2026-1"}, "to"),
    ({"from": "2000-01", "to": "2026-01"}, "from"),
    ({"municipality": ",".join(f"{16000000 + i:08d}" for i in range(1000))}, "municipality"),
    ({"municipality": "99999999"}, "municipality"),
    ({"municipality": "1605300"}, "municipality"),
    ({"to": "2026-03\x00"}, "to"),
])
def test_bad_parameters_are_a_422_naming_the_field(client, params, field) -> None:
    for path in ("timeseries", "durations"):
        if path == "durations" and "municipality" not in params:
            continue
        response = client.get(f"/api/v1/statistics/{path}", params=params)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field


def test_default_period_is_the_last_24_months(client) -> None:
    body = client.get("/api/v1/statistics/timeseries", params={"municipality": JENA}).json()
    months = body["municipalities"][0]["months"]
    assert len(months) == 24 and months[-1]["month"] == body["to"]
    assert body["to"] == trends.month_label(trends.current_month())
    assert body["from"] == trends.month_label(trends.current_month() - 23)
