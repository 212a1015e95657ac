"""Benchmark: the monthly time series of every town over 5 years from a big register.

Starts a throwaway PostGIS cluster (app.embedded), migrates it, loads the real boundaries (every
municipality of the shipped data), generates 100,000 vacancies and 1,000,000 history rows in SQL
(status changes back and forth along allowed transitions — vacant → interim use → vacant →
reused → vacant … — plus changes of other fields, some vacancies empty before they were
registered), then times ``GET /api/v1/statistics/timeseries`` for all towns and 60 months through
the real app (in-process TestClient, as the working group: every status), and in the same run the
naive reference: one query per month over the same status spans. Both answers are compared.
Writes bench/statistics/results.md.

    PYTHONPATH=$PWD .venv/bin/python bench/statistics/run.py [--vacancies 100000] [--history 1000000]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import migrate
from app.accounts import service as accounts
from app.accounts.models import Role
from app.config import Settings
from app.database import make_engine
from app.embedded import EmbeddedPostgres, find_pg_bin
from app.main import create_app
from app.municipalities import boundary_import
from app.statistics import trends
from app.statistics.timeline import ACTIVE, INTERIM, REUSED

HERE = Path(__file__).parent
PATTERN = ["vacant", "interim_use", "vacant", "reused"]  # each step an allowed transition
MAX_CHANGES = 12
SECRET = "bench-secret-key-" + "x" * 32


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def generate(session: Session, vacancies: int, history: int) -> None:
    session.execute(text("SELECT setseed(0.42)"))
    session.execute(text("""
        CREATE TEMP TABLE town_pick AS
        SELECT row_number() OVER (ORDER BY id) - 1 AS n, id,
               coalesce(centre, ST_PointOnSurface(boundary)) AS point FROM municipality"""))
    # k status changes per vacancy (0 … 12), at even steps between its creation and now
    session.execute(text("""
        INSERT INTO vacancy (municipality_id, location, status, source, created_at, updated_at,
                             vacant_since, former_use, floor_area_m2, version)
        SELECT t.id, t.point, (CAST(:pattern AS text[]))[1 + g.k % 4], 'bench', g.created,
               g.created,
               CASE WHEN random() < 0.3 THEN (g.created - random() * interval '2 years')::date END,
               (ARRAY['Mode', 'Bäckerei', 'Café', 'Drogerie', NULL])[1 + floor(random() * 5)],
               CASE WHEN random() < 0.9 THEN round((20 + random() * 700)::numeric, 1) END,
               g.k + 1
        FROM (SELECT i, floor(random() * (:max + 1))::int AS k,
                     now() - random() * interval '6 years' AS created
              FROM generate_series(1, :n) i) g
        JOIN town_pick t ON t.n = g.i % (SELECT count(*) FROM town_pick)"""),
        {"n": vacancies, "max": MAX_CHANGES, "pattern": PATTERN})
    session.execute(text("""
        INSERT INTO vacancy_history (vacancy_id, version, changed_at, field, old_value, new_value)
        SELECT v.id, s.i + 1, v.created_at + (now() - v.created_at) * s.i / (v.version + 0.5),
               'status', to_jsonb((CAST(:pattern AS text[]))[1 + (s.i - 1) % 4]),
               to_jsonb((CAST(:pattern AS text[]))[1 + s.i % 4])
        FROM vacancy v, generate_series(1, v.version - 1) s(i)"""), {"pattern": PATTERN})
    status_rows = session.scalar(text("SELECT count(*) FROM vacancy_history"))
    # the rest of the history: other fields changed (descriptions, notes)
    session.execute(text("""
        INSERT INTO vacancy_history (vacancy_id, version, changed_at, field, old_value, new_value)
        SELECT v.id, 1, v.created_at + (now() - v.created_at) * random(),
               (ARRAY['description', 'internal_notes', 'asking_rent_eur_m2'])[1 + g % 3],
               'null', to_jsonb('geändert'::text)
        FROM generate_series(1, :n) g
        JOIN vacancy v ON v.id = (SELECT min(id) FROM vacancy) + g % :vacancies"""),
        {"n": max(history - status_rows, 0), "vacancies": vacancies})
    session.execute(text("ANALYZE"))


def naive_reference(session: Session, lo: int, hi: int) -> tuple[float, dict]:
    """One query per month: counts at the month's end and the month's events, each month
    computed from the status spans anew."""
    active = "(" + ", ".join(repr(s) for s in sorted(ACTIVE)) + ")"
    sql = f"""
    WITH towns AS (SELECT m.id, TRUE AS full_view FROM municipality m), {trends.SPANS_SQL}
    SELECT mid, 'count:' || status, count(*) FROM spans
    WHERE s < CAST(:end AS timestamptz) AND (e IS NULL OR e >= CAST(:end AS timestamptz))
    GROUP BY mid, status
    UNION ALL
    SELECT mid, kind, count(*) FROM spans, LATERAL (VALUES
        (CASE WHEN status IN {active} AND (prev IS NULL OR prev NOT IN {active}) THEN 'new' END),
        (CASE WHEN status = '{REUSED}' AND prev IS DISTINCT FROM '{REUSED}' THEN 'reused' END),
        (CASE WHEN status = '{INTERIM}' AND prev IS DISTINCT FROM '{INTERIM}'
              THEN 'interim_started' END),
        (CASE WHEN prev = '{INTERIM}' AND status <> '{INTERIM}' THEN 'interim_ended' END)) x(kind)
    WHERE kind IS NOT NULL AND s >= CAST(:start AS timestamptz) AND s < CAST(:end AS timestamptz)
    GROUP BY mid, kind
    """
    figures: dict = {}
    started = time.perf_counter()
    for idx in range(lo, hi + 1):
        start = f"{trends.month_label(idx)}-01 00:00 Europe/Berlin"
        end = f"{trends.month_label(idx + 1)}-01 00:00 Europe/Berlin"
        for mid, key, n in session.execute(text(sql), {"start": start, "end": end}):
            figures[(mid, trends.month_label(idx), key)] = n
    return time.perf_counter() - started, figures


def compare(session: Session, body: dict, figures: dict) -> int:
    """Figures where the endpoint and the reference disagree (0 expected)."""
    ids = dict(session.execute(text("SELECT ags, id FROM municipality")).all())
    wrong = 0
    for town in body["municipalities"]:
        mid = ids[town["ags"]]
        for month in town["months"]:
            got = {f"count:{s}": n for s, n in month["counts"].items()}
            got.update({k: month[k] for k in ("new", "reused", "interim_started", "interim_ended")})
            for key, n in got.items():
                wrong += figures.get((mid, month["month"], key), 0) != n
    return wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vacancies", type=int, default=100_000)
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="leerstand-bench-"))
    cluster = EmbeddedPostgres(folder, free_port(), find_pg_bin())
    cluster.start("-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    try:
        url = cluster.url()
        migrate.upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session, session.begin():
            boundary_import.import_boundaries(session=session)
        setup_started = time.perf_counter()
        with Session(engine) as session, session.begin():
            generate(session, args.vacancies, args.history)
            user = accounts.create_user(session=session, email="ag@bench.invalid",
                                        role=Role.working_group, municipality_ags=None)
            token = accounts.create_token(session=session, user=user)
        setup = time.perf_counter() - setup_started
        with Session(engine) as session:
            counts = session.execute(text("""
                SELECT (SELECT count(*) FROM municipality), (SELECT count(*) FROM vacancy),
                       (SELECT count(*) FROM vacancy_history),
                       (SELECT count(*) FROM vacancy_history WHERE field = 'status')""")).one()
        hi = trends.current_month()
        lo = hi - args.months + 1
        params = {"from": trends.month_label(lo), "to": trends.month_label(hi)}
        app = create_app(Settings(_env_file=None, database_url=url, secret_key=SECRET,
                                  cookie_secure=False))
        walls, load_before = [], os.getloadavg()
        with TestClient(app) as client:
            for _ in range(args.runs):
                started = time.perf_counter()
                response = client.get("/api/v1/statistics/timeseries", params=params,
                                      headers={"Authorization": f"Bearer {token}"})
                walls.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
            body = response.json()
            size = len(response.content)
        with Session(engine) as session:
            naive, figures = naive_reference(session, lo, hi)
            wrong = compare(session, body, figures)
        write(args, counts, setup, walls, size, naive, wrong, params, load_before,
              os.getloadavg())
    finally:
        make_engine(cluster.url()).dispose()
        cluster.destroy()
        shutil.rmtree(folder, ignore_errors=True)


def write(args, counts, setup, walls, size, naive, wrong, params, before, load) -> None:
    towns, vacancies, history, status_rows = counts
    median = statistics.median(walls)
    lines = [
        "# Statistics benchmark results",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores (nproc), "
        f"{platform.python_implementation()} {platform.python_version()}, PostgreSQL "
        f"{find_pg_bin().parent.name} + PostGIS (embedded, fsync off)",
        f"- load average (1/5/15 min) before the timed runs: {before[0]:.2f} / {before[1]:.2f} / "
        f"{before[2]:.2f}, at the end: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} "
        "(the 2 cores are shared with other jobs: wall times are noisy)",
        "- command: `PYTHONPATH=$PWD .venv/bin/python bench/statistics/run.py "
        f"--vacancies {args.vacancies} --history {args.history} --months {args.months} "
        f"--runs {args.runs}`",
        f"- data: {towns} municipalities (the real boundaries), {vacancies} vacancies, "
        f"{history} history rows ({status_rows} status changes, the rest other fields), "
        f"generated in SQL in {setup:.1f} s (with the triggers that keep the spans and their "
        "monthly marks)",
        "",
        f"## `GET /api/v1/statistics/timeseries?from={params['from']}&to={params['to']}` "
        f"(all towns, {args.months} months, working group)",
        "",
        "| run | wall s |",
        "|---|---|",
        *(f"| {i} | {w:.2f} |" for i, w in enumerate(walls, 1)),
        "",
        f"**Median {median:.2f} s for {towns} × {args.months} months ({size / 1e6:.1f} MB JSON). "
        f"Target ≤ 1 s: {'met' if median <= 1 else 'NOT met'}.**",
        "",
        "## Reference in the same run: one query per month",
        "",
        f"The same spans, counts at each month's end and the month's events with one query per "
        f"month: {naive:.2f} s for {args.months} months ({naive / median:.0f} × the endpoint). "
        f"Figures that differ between the two: {wrong}.",
        "",
    ]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
