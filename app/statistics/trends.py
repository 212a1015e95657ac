"""Trends from the history, built in PostgreSQL: monthly figures per town and vacancy durations.

The figures are those of ``app.statistics.timeline`` (the reference, and the definitions: see
docs/statistics.md), computed for many towns and months in one statement each: the status spans
come from the vacancy rows and their status history with window functions (``lead``/``lag``) —
for the time series kept ready by triggers (migration 0012) in ``vacancy_span`` with their +1/−1
marks per town, month and status in ``vacancy_month``, for the durations built per request —,
the counts at every month's end from the marks summed along the months, and the events are
counted at the month of the span that begins with them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.accounts import policy
from app.accounts.policy import ReadScope
from app.accounts.principal import Principal
from app.errors import InvalidInput
from app.statistics.timeline import ACTIVE, BERLIN, FLOOR_BANDS, INTERIM, PUBLIC, REUSED, STATUSES
from app.vacancies import query

MAX_MONTHS = 240  # 20 years
MAX_TOWNS = 100
DEFAULT_MONTHS = 24
WORK_MEM = "64MB"
_MONTH = re.compile(r"(\d{4})-(\d{2})")


# --- parameters ---------------------------------------------------------------------------------

def month_index(value: str, field: str) -> int:
    """``2026-03`` → months since year 0 (year × 12 + month − 1)."""
    match = _MONTH.fullmatch(value)
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1900:
        raise InvalidInput(f"{field} must be a month YYYY-MM (from 1900-01), e.g. 2026-03",
                           field=field)
    return int(match[1]) * 12 + int(match[2]) - 1


def month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def current_month(now: datetime | None = None) -> int:
    local = (now or datetime.now(BERLIN)).astimezone(BERLIN)
    return local.year * 12 + local.month - 1


def parse_period(first: str | None, last: str | None, *,
                 now: datetime | None = None) -> tuple[int, int]:
    """(from, to) month indexes; default: the 24 months up to the current one (Europe/Berlin)."""
    hi = month_index(last, "to") if last is not None else current_month(now)
    lo = month_index(first, "from") if first is not None else hi - DEFAULT_MONTHS + 1
    if lo > hi:
        raise InvalidInput("from is after to", field="from")
    if hi - lo + 1 > MAX_MONTHS:
        raise InvalidInput(f"at most {MAX_MONTHS} months (20 years) at once", field="from")
    return lo, hi


def parse_towns(value: str | None) -> list[str] | None:
    """``municipality=AGS[,AGS…]``, at most 100; None: every municipality."""
    if value is not None and value.count(",") >= MAX_TOWNS:
        raise InvalidInput(f"at most {MAX_TOWNS} municipalities at once", field="municipality")
    agss = query.parse_municipalities(value)
    if agss is not None and len(set(agss)) > MAX_TOWNS:
        raise InvalidInput(f"at most {MAX_TOWNS} municipalities at once", field="municipality")
    return agss


# --- SQL pieces ---------------------------------------------------------------------------------

def _in(values: frozenset[str]) -> str:
    return "(" + ", ".join(repr(v) for v in sorted(values)) + ")"


def _full_view(scope: ReadScope) -> str:
    """SQL over ``municipality m``: does the caller read every status of this town?"""
    if scope.all_rows:
        return "TRUE"
    return "m.id = :scope_own_town" if scope.own_town is not None else "FALSE"


def _towns_sql(scope: ReadScope) -> str:
    return f"""towns AS (
        SELECT m.id, m.ags, m.name, m.population, {_full_view(scope)} AS full_view
        FROM municipality m WHERE CAST(:agss AS text[]) IS NULL OR m.ags = ANY(:agss)
    )"""


# the status spans of every vacancy of the towns (see timeline.timeline): one row per span with
# its start s, end e (NULL: in force), status, the status before it (prev) and after it (next),
# in one window pass (the creation's status is the old value of the first change)
SPANS_SQL = """
    born AS (
        SELECT v.id AS vid, v.municipality_id AS mid, v.status::text AS cur, v.former_use,
               v.floor_area_m2,
               LEAST(v.created_at, v.vacant_since::timestamp AT TIME ZONE 'Europe/Berlin') AS t
        FROM vacancy v JOIN towns ON towns.id = v.municipality_id
    ), entries AS (
        SELECT vid, mid, t, 0::bigint AS seq, NULL::text AS old, NULL::text AS new, cur FROM born
        UNION ALL
        SELECT h.vacancy_id, b.mid, h.changed_at, h.id, h.old_value #>> '{}',
               h.new_value #>> '{}', NULL
        FROM vacancy_history h JOIN born b ON b.vid = h.vacancy_id WHERE h.field = 'status'
    ), spans AS (
        SELECT vid, mid, seq, t AS s, lead(t) OVER w AS e,
               CASE WHEN seq = 0 THEN coalesce(lead(old) OVER w, cur) ELSE new END AS status,
               CASE WHEN seq = 0 THEN NULL WHEN lag(seq) OVER w = 0 THEN old
                    ELSE lag(new) OVER w END AS prev,
               lead(new) OVER w AS next
        FROM entries WINDOW w AS (PARTITION BY vid ORDER BY t, seq)
    )"""


# --- time series --------------------------------------------------------------------------------

def timeseries_json(*, session: Session, principal: Principal, agss: list[str] | None,
                    lo: int, hi: int) -> str:
    """The monthly figures per town (JSON text, see docs/statistics.md)."""
    scope = policy.read_scope(principal)
    check_known(session, agss)
    _, params = query.count_where(scope)
    params.update(agss=agss, lo=lo, hi=hi, first=month_label(lo), last=month_label(hi))
    # the sorts and aggregates of a whole Land's history fit in memory
    session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
    session.execute(text("SET LOCAL jit = off"))  # compiling costs more than it saves here
    return session.execute(text(timeseries_sql(scope)), params).scalar_one()


def timeseries_sql(scope: ReadScope) -> str:
    """One statement over the monthly marks kept in ``vacancy_month`` (migration 0012: per town,
    month and status the spans that start minus those that end, and the events of the spans that
    start): parameters agss, lo, hi (month indexes), first, last (their labels)."""
    marks = ", ".join(f"sum(change) FILTER (WHERE status = '{s}') AS c_{s}" for s in STATUSES)
    running = ", ".join(f"sum(coalesce(d.c_{s}, 0)) OVER w AS n_{s}" for s in STATUSES)
    counts = ", ".join(
        f"'{s}', n_{s}" if s in PUBLIC else f"'{s}', CASE WHEN full_view THEN n_{s} END"
        for s in STATUSES)
    active_sum = " + ".join(f"n_{s}" for s in sorted(ACTIVE))
    return f"""
    WITH {_towns_sql(scope)},
    marks AS (
        SELECT vm.* FROM vacancy_month vm JOIN towns ON towns.id = vm.municipality_id
        WHERE vm.month <= :hi
    ), deltas AS (
        SELECT municipality_id AS mid, greatest(month, CAST(:lo AS int)) AS idx, {marks}
        FROM marks GROUP BY 1, 2
    ), happened AS (
        SELECT municipality_id AS mid, month AS idx, sum(new) AS new, sum(reused) AS reused,
               sum(interim_started) AS interim_started, sum(interim_ended) AS interim_ended
        FROM marks WHERE month >= :lo GROUP BY 1, 2
    ), grid AS (
        SELECT t.id AS mid, g.idx, {running}
        FROM towns t CROSS JOIN generate_series(CAST(:lo AS int), CAST(:hi AS int)) g(idx)
        LEFT JOIN deltas d ON d.mid = t.id AND d.idx = g.idx
        WINDOW w AS (PARTITION BY t.id ORDER BY g.idx)
    ), months AS (
        SELECT g.mid, json_agg(json_build_object(
            'month', to_char(g.idx / 12, 'FM0000') || '-' || to_char(g.idx % 12 + 1, 'FM00'),
            'counts', json_strip_nulls(json_build_object({counts})),
            'active', {active_sum},
            'per_10000', CASE WHEN t.population > 0
                THEN round(({active_sum}) * 10000.0 / t.population, 2) END,
            'new', coalesce(h.new, 0), 'reused', coalesce(h.reused, 0),
            'interim_started', coalesce(h.interim_started, 0),
            'interim_ended', coalesce(h.interim_ended, 0)) ORDER BY g.idx) AS months
        FROM grid g JOIN towns t ON t.id = g.mid
        LEFT JOIN happened h ON h.mid = g.mid AND h.idx = g.idx
        GROUP BY g.mid
    )
    SELECT json_build_object(
        'from', CAST(:first AS text), 'to', CAST(:last AS text),
        'statuses', json_build_array({', '.join(repr(s) for s in STATUSES)}),
        'active_statuses', json_build_array({', '.join(repr(s) for s in sorted(ACTIVE))}),
        'municipalities', coalesce(json_agg(json_build_object(
            'ags', t.ags, 'name', t.name, 'population', t.population,
            'published_only', NOT t.full_view, 'months', mo.months) ORDER BY t.name, t.ags),
            '[]'::json))::text
    FROM towns t JOIN months mo ON mo.mid = t.id
    """


def check_known(session: Session, agss: list[str] | None) -> None:
    """An AGS the register does not know is a 422 naming it (a filter refers to towns)."""
    if not agss:
        return
    known = set(session.scalars(text("SELECT ags FROM municipality WHERE ags = ANY(:agss)"),
                                {"agss": agss}))
    unknown = [ags for ags in agss if ags not in known]
    if unknown:
        raise InvalidInput(f"unknown municipality AGS {', '.join(unknown[:5])}",
                           field="municipality")


# --- durations ----------------------------------------------------------------------------------

def _band_sql() -> str:
    cases = " ".join(f"WHEN b.floor_area_m2 >= {low} AND b.floor_area_m2 < {high} THEN '{key}'"
                     if high != float("inf") else f"WHEN b.floor_area_m2 >= {low} THEN '{key}'"
                     for key, low, high in FLOOR_BANDS)
    return f"CASE {cases} END"


def _summary(count: int, quartiles: list[float] | None) -> dict[str, Any]:
    q: list[float | None] = list(quartiles) if quartiles else [None, None, None]
    return {"count": count, "q1_days": _round(q[0]), "median_days": _round(q[1]),
            "q3_days": _round(q[2])}


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def durations(*, session: Session, principal: Principal, agss: list[str] | None,
              now: datetime | None = None) -> dict[str, Any]:
    """Vacancy durations per town (days): current and ended spells of active statuses, overall
    and by former use and floor-area band; spells ended by reuse; interim uses that ended and how
    many became permanent. Active statuses are all published: every caller counts every spell."""
    scope = policy.read_scope(principal)
    check_known(session, agss)
    active = _in(ACTIVE)
    _, params = query.count_where(scope)
    params.update(agss=agss, now=now or datetime.now(BERLIN))
    head = f"WITH {_towns_sql(scope)}, {SPANS_SQL}"
    spell_sql = f"""{head},
    flags AS (
        SELECT sp.*, status IN {active} AS act,
               coalesce(prev IN {active}, false) AS prev_act,
               coalesce(next IN {active}, false) AS next_act
        FROM spans sp
    ), starts AS (
        SELECT *, max(CASE WHEN act AND NOT prev_act THEN s END)
                  OVER (PARTITION BY vid ORDER BY s, seq) AS spell_start
        FROM flags
    ), spells AS (
        SELECT st.mid, b.former_use, {_band_sql()} AS band, st.e IS NULL AS current,
               st.next AS end_status,
               extract(epoch FROM coalesce(st.e, CAST(:now AS timestamptz)) - st.spell_start)
                   / 86400.0 AS days
        FROM starts st JOIN born b ON b.vid = st.vid
        WHERE st.act AND NOT st.next_act
    )
    SELECT mid, former_use, band, grouping(former_use, band) AS g,
        count(*) FILTER (WHERE current) AS current_n,
        percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY days)
            FILTER (WHERE current) AS current_q,
        count(*) FILTER (WHERE NOT current) AS ended_n,
        percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY days)
            FILTER (WHERE NOT current) AS ended_q,
        count(*) FILTER (WHERE end_status = '{REUSED}') AS reused_n,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY days)
            FILTER (WHERE end_status = '{REUSED}') AS reused_median
    FROM spells GROUP BY GROUPING SETS ((mid), (mid, former_use), (mid, band))
    ORDER BY mid, g, former_use NULLS LAST, band NULLS LAST
    """
    interim_sql = f"""{head}
    SELECT mid, count(*) AS ended, count(*) FILTER (WHERE next = '{REUSED}') AS permanent
    FROM spans WHERE status = '{INTERIM}' AND e IS NOT NULL GROUP BY mid
    """
    towns = session.execute(text(f"WITH {_towns_sql(scope)} SELECT id, ags, name, population "
                                 "FROM towns ORDER BY name, ags"), params).all()
    result = {t.id: _empty_town(t) for t in towns}
    for row in session.execute(text(spell_sql), params):
        town = result[row.mid]
        current, ended = _summary(row.current_n, row.current_q), _summary(row.ended_n, row.ended_q)
        if row.g == 3:  # the whole town
            town.update(current=current, ended=ended, vacant_to_reused={
                "count": row.reused_n, "median_days": _round(row.reused_median)})
        elif row.g == 1:  # by former use (band rolled up)
            town["by_former_use"].append(
                {"former_use": row.former_use, "current": current, "ended": ended})
        else:
            town["by_floor_area"].append({"band": row.band, "current": current, "ended": ended})
    for row in session.execute(text(interim_sql), params):
        result[row.mid]["interim"] = {
            "ended": row.ended, "became_permanent": row.permanent,
            "share_permanent": _round(row.permanent / row.ended, 4) if row.ended else None}
    return {"as_of": params["now"].isoformat(), "municipalities": list(result.values())}


def _empty_town(town: Any) -> dict[str, Any]:
    empty = _summary(0, None)
    return {"ags": town.ags, "name": town.name, "population": town.population,
            "current": empty, "ended": dict(empty),
            "vacant_to_reused": {"count": 0, "median_days": None},
            "interim": {"ended": 0, "became_permanent": 0, "share_permanent": None},
            "by_former_use": [], "by_floor_area": []}
