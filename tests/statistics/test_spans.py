"""The status spans and their monthly marks kept by triggers (tables ``vacancy_span`` and
``vacancy_month``, migration 0012) against the
reference loops (app.statistics.timeline) after every kind of write: vacancies and history rows
inserted one by one and many in one statement, status, creation time, ``vacant_since`` and town
changed without a history row, history rows moved in time, turned into another field or deleted,
vacancies deleted — and through the API, and the backfill of the migration."""

from __future__ import annotations

from datetime import date, timedelta

import psycopg
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from app import migrate
from app.statistics import timeline as tl
from app.statistics import trends
from app.vacancies.lifecycle import VacancyStatus
from tests.helpers.towns import JENA, SCHMOELLN
from tests.helpers.vacancies import feature
from tests.statistics.test_trends import HISTORIES, SETTINGS, moment, timelines, write

STATUSES = sorted(s.value for s in VacancyStatus)
OPS = st.lists(st.tuples(
    st.sampled_from(["status", "append", "append_many", "since", "created", "move", "retime",
                     "refield", "drop_change", "delete", "other"]),
    st.integers(0, 1000), st.sampled_from(STATUSES), moment()), max_size=8)


def expected(session) -> dict[int, list[tuple]]:
    """Per vacancy: (start, end, status, previous, next, start month, end month) of every span."""
    out = {}
    for lines in timelines(session).values():
        for line in lines:
            spans = line.spans
            out[line.vacancy_id] = [(
                s.start, s.end, s.status, spans[i - 1].status if i else None,
                spans[i + 1].status if i + 1 < len(spans) else None, month(s.start),
                None if s.end is None else month(s.end)) for i, s in enumerate(spans)]
    return out


def month(moment) -> int:
    return trends.month_index(tl.month_of(moment), "month")


def kept(session) -> dict[int, list[tuple]]:
    out: dict[int, list[tuple]] = {}
    for row in session.execute(text("""
            SELECT sp.vacancy_id, sp.starts_at, sp.ends_at, sp.status, sp.prev_status,
                   sp.next_status, sp.start_month, sp.end_month, sp.municipality_id = v.municipality_id
            FROM vacancy_span sp LEFT JOIN vacancy v ON v.id = sp.vacancy_id
            ORDER BY sp.vacancy_id, sp.starts_at, sp.seq""")):
        assert row[8], "the span's town is the vacancy's"
        out.setdefault(row[0], []).append(tuple(row[1:8]))
    return out


def expected_marks(session) -> dict[tuple, tuple]:
    """(town id, month, status) → (change, new, reused, interim started, interim ended) from the
    reference's spans and events, leaving out keys where everything is 0."""
    ids = dict(session.execute(text("SELECT ags, id FROM municipality")).all())
    marks: dict[tuple, list[int]] = {}
    for ags, lines in timelines(session).items():
        for line in lines:
            previous = None
            for span in line.spans:
                start = marks.setdefault((ids[ags], month(span.start), span.status), [0] * 5)
                start[0] += 1
                start[1] += span.status in tl.ACTIVE and previous not in tl.ACTIVE
                start[2] += span.status == tl.REUSED and previous != tl.REUSED
                start[3] += span.status == tl.INTERIM and previous != tl.INTERIM
                start[4] += previous == tl.INTERIM and span.status != tl.INTERIM
                if span.end is not None:
                    marks.setdefault((ids[ags], month(span.end), span.status), [0] * 5)[0] -= 1
                previous = span.status
    return {key: tuple(v) for key, v in marks.items() if any(v)}


def kept_marks(session) -> dict[tuple, tuple]:
    return {tuple(r[:3]): tuple(r[3:]) for r in session.execute(text("""
        SELECT municipality_id, month, status, change, new, reused, interim_started, interim_ended
        FROM vacancy_month WHERE (change, new, reused, interim_started, interim_ended)
                                 <> (0, 0, 0, 0, 0)"""))}


def apply(session, op: str, pick: int, status: str, when) -> None:
    """One write straight into the tables, as another code path (or a person with psql) would
    (status changes never before the creation, as everywhere in the app)."""
    ids = session.scalars(text("SELECT id FROM vacancy ORDER BY id")).all()
    changes = session.scalars(text("SELECT id FROM vacancy_history WHERE field = 'status' "
                                   "ORDER BY id")).all()
    vid = ids[pick % len(ids)] if ids else None
    hid = changes[pick % len(changes)] if changes else None
    p = {"vid": vid, "hid": hid, "status": status, "when": when}
    statements = {
        "status": "UPDATE vacancy SET status = :status WHERE id = :vid",
        "append": """INSERT INTO vacancy_history (vacancy_id, version, changed_at, field,
                         old_value, new_value)
                     SELECT id, version + 1, greatest(:when, created_at), 'status',
                            to_jsonb(status::text), to_jsonb(CAST(:status AS text))
                     FROM vacancy WHERE id = :vid""",
        "append_many": """INSERT INTO vacancy_history (vacancy_id, version, changed_at, field,
                              old_value, new_value)
                          SELECT id, version + 1, greatest(:when, created_at), 'status',
                                 to_jsonb(status::text), to_jsonb(CAST(:status AS text))
                          FROM vacancy""",
        "since": "UPDATE vacancy SET vacant_since = CAST(:when AS timestamptz)::date WHERE id = :vid",
        "created": """UPDATE vacancy v SET created_at = least(:when, (
                          SELECT min(changed_at) FROM vacancy_history h
                          WHERE h.vacancy_id = v.id AND h.field = 'status')) WHERE id = :vid""",
        "move": f"""UPDATE vacancy SET municipality_id = (SELECT id FROM municipality
                        WHERE ags = CASE WHEN municipality_id = (SELECT id FROM municipality
                        WHERE ags = '{JENA}') THEN '{SCHMOELLN}' ELSE '{JENA}' END)""",
        "retime": """UPDATE vacancy_history h SET changed_at = greatest(:when, (
                         SELECT created_at FROM vacancy v WHERE v.id = h.vacancy_id))
                     WHERE id = :hid""",
        "refield": "UPDATE vacancy_history SET field = 'description' WHERE id = :hid",
        "drop_change": "DELETE FROM vacancy_history WHERE id = :hid",
        "delete": "DELETE FROM vacancy WHERE id = :vid",
        "other": "UPDATE vacancy SET description = 'neu', owner_contact = NULL",
    }
    session.execute(text(statements[op]), p)


@SETTINGS
@given(HISTORIES, OPS)
def test_the_kept_spans_equal_the_reference_after_any_write(session, histories, ops) -> None:
    write(session, histories)
    assert kept(session) == expected(session)
    assert kept_marks(session) == expected_marks(session)
    for op in ops:
        apply(session, *op)
        session.flush()
        assert kept(session) == expected(session), op
        assert kept_marks(session) == expected_marks(session), op
    session.commit()


def test_status_changes_through_the_api_move_the_spans(client, staff, session) -> None:
    created = client.post("/api/v1/vacancies", json=feature(), headers=staff)
    assert created.status_code == 201, created.text
    vid = created.json()["id"]
    changed = client.patch(f"/api/v1/vacancies/{vid}",
                           json={"properties": {"version": 1, "status": "interim_use"}},
                           headers=staff)
    assert changed.status_code == 200, changed.text
    rows = session.execute(text("SELECT status, prev_status, next_status, ends_at IS NULL "
                                "FROM vacancy_span WHERE vacancy_id = :v ORDER BY starts_at, seq"),
                           {"v": vid}).all()
    assert [tuple(r) for r in rows] == [("vacant", None, "interim_use", False),
                                        ("interim_use", "vacant", None, True)]
    assert kept(session) == expected(session)
    assert kept_marks(session) == expected_marks(session)
    # the time series counts it as interim use this month
    now = trends.month_label(trends.current_month())
    body = client.get("/api/v1/statistics/timeseries",
                      params={"municipality": SCHMOELLN, "from": now, "to": now}).json()
    month_figures = body["municipalities"][0]["months"][0]
    assert month_figures["counts"]["interim_use"] == 1 and month_figures["interim_started"] == 1
    session.execute(text("DELETE FROM vacancy WHERE id = :v"), {"v": vid})
    assert session.scalar(text("SELECT count(*) FROM vacancy_span WHERE vacancy_id = :v"),
                          {"v": vid}) == 0
    assert kept_marks(session) == expected_marks(session) == {}


def test_0012_builds_the_spans_of_the_register_as_it_is(empty_database_url) -> None:
    migrate.upgrade(empty_database_url, "0011")
    dsn = empty_database_url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(dsn) as conn:
        conn.execute("INSERT INTO municipality (id, ags, name, boundary) VALUES (1, '16077043', "
                     "'Schmölln', ST_Multi(ST_MakeEnvelope(12.3, 50.8, 12.4, 50.9, 4326)))")
        conn.execute("""INSERT INTO vacancy (id, municipality_id, location, status, source,
                            created_at, updated_at, vacant_since, version) VALUES
            (1, 1, ST_SetSRID(ST_MakePoint(12.35, 50.85), 4326), 'reused', 'staff',
             '2025-03-31 23:30+00', '2025-03-31 23:30+00', '2025-01-15', 3),
            (2, 1, ST_SetSRID(ST_MakePoint(12.35, 50.85), 4326), 'vacant', 'staff',
             '2025-06-01 10:00+00', '2025-06-01 10:00+00', NULL, 1)""")
        conn.execute("""INSERT INTO vacancy_history (vacancy_id, version, changed_at, field,
                            old_value, new_value) VALUES
            (1, 2, '2025-10-26 00:30+00', 'status', '"vacant"', '"interim_use"'),
            (1, 2, '2025-10-26 00:30+00', 'description', 'null', '"x"'),
            (1, 3, '2026-02-28 23:00+00', 'status', '"interim_use"', '"reused"')""")
    migrate.upgrade(empty_database_url)
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("""SELECT vacancy_id, status, prev_status, next_status, start_month,
                                      end_month FROM vacancy_span ORDER BY vacancy_id, starts_at""")
        assert rows.fetchall() == [
            (1, "vacant", None, "interim_use", 2025 * 12 + 0, 2025 * 12 + 9),
            (1, "interim_use", "vacant", "reused", 2025 * 12 + 9, 2026 * 12 + 2),  # 1 March
            (1, "reused", "interim_use", None, 2026 * 12 + 2, None),
            (2, "vacant", None, None, 2025 * 12 + 5, None)]
        marks = conn.execute("""SELECT month, status, change, new, reused, interim_started,
                                       interim_ended FROM vacancy_month ORDER BY month, status""")
        assert marks.fetchall() == [
            (2025 * 12 + 0, "vacant", 1, 1, 0, 0, 0), (2025 * 12 + 5, "vacant", 1, 1, 0, 0, 0),
            (2025 * 12 + 9, "interim_use", 1, 0, 0, 1, 0), (2025 * 12 + 9, "vacant", -1, 0, 0, 0, 0),
            (2026 * 12 + 2, "interim_use", -1, 0, 0, 0, 0), (2026 * 12 + 2, "reused", 1, 0, 1, 0, 1)]
    migrate.downgrade(empty_database_url, "0011")
    migrate.upgrade(empty_database_url)


def test_spans_start_one_instant_apart_are_ordered_like_the_history(session) -> None:
    """Two changes at the same instant (an import): the later row decides."""
    vacancy = {"town": SCHMOELLN, "source": "import",
               "created": tl.midnight_berlin(date(2025, 5, 1)), "vacant_since": None, "first": "vacant",
        "status": "vacant", "former_use": None, "area": None, "noise": False, "deleted": False}
    when = vacancy["created"] + timedelta(days=3)
    vacancy["changes"] = [(when, "vacant", "interim_use"), (when, "interim_use", "vacant")]
    write(session, [vacancy])
    (spans,) = kept(session).values()
    assert [s[2] for s in spans] == ["vacant", "interim_use", "vacant"]
    assert kept(session) == expected(session)
