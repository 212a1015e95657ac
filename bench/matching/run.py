"""Benchmark: match all 1,000 proposals against 100,000 vacancies (target: <= 5 s).

Starts a throwaway embedded PostgreSQL (or uses LEERSTAND_DATABASE_URL, which it FILLS with
synthetic rows: never point it at real data), migrates it, loads the shipped municipality
boundaries, generates the synthetic register in SQL and times, side by side in one run:

  batch      app.matching.service.match_all(): hard filters in one SQL query for all proposals,
             soft score and ranking in Python (what a nightly "all matches" job does)
  per_call   the API path: matches_for_proposal() called once per proposal (1,000 requests'
             worth of service work, without HTTP)
  counts     fits_counts(): the public "fits N" numbers for all proposals (SQL only)

    PYTHONPATH=. python bench/matching/run.py [--vacancies 100000] [--proposals 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from app import migrate
from app.accounts.models import Role
from app.accounts.principal import Principal
from app.database import make_engine
from app.matching import service as matching
from app.municipalities import boundary_import

TARGET_S = 5.0

VACANCIES_SQL = """
    CREATE TEMP TABLE towns AS
    SELECT row_number() OVER (ORDER BY population DESC NULLS LAST, id) AS n, id,
           ST_PointOnSurface(boundary) AS c
    FROM municipality;
    -- skewed towards the big towns (power 2): the largest gets ~3 %, as a real register would
    INSERT INTO vacancy (municipality_id, location, status, floor_area_m2, floor, shop_window_m,
                         step_free, owner_interim_willing, asking_rent_eur_m2, condition, source)
    SELECT t.id,
           ST_SetSRID(ST_MakePoint(ST_X(t.c) + (random() - 0.5) * 0.03,
                                   ST_Y(t.c) + (random() - 0.5) * 0.018), 4326),
           (ARRAY['vacant', 'vacant', 'vacant', 'threatened', 'interim_use', 'reused',
                  'reported'])[1 + floor(random() * 7)::int],
           CASE WHEN random() < 0.85 THEN round((15 + random() * 600)::numeric, 1) END,
           (ARRAY['ground', 'ground', 'ground', 'upper', 'basement', NULL])[1 + floor(random() * 6)::int],
           CASE WHEN random() < 0.8 THEN round((random() * 12)::numeric, 1) END,
           CASE WHEN random() < 0.7 THEN random() < 0.5 END,
           (ARRAY['yes', 'no', 'unknown'])[1 + floor(random() * 3)::int],
           CASE WHEN random() < 0.6 THEN round((3 + random() * 17)::numeric, 2) END,
           (ARRAY['ready', 'minor_renovation', 'major_renovation', NULL])[1 + floor(random() * 4)::int],
           'bench'
    FROM (SELECT 1 + floor(power(random(), 2) * (SELECT count(*) FROM towns))::int AS n
          FROM generate_series(1, :vacancies)) r
    JOIN towns t USING (n);
"""

PROPOSALS_SQL = """
    INSERT INTO proposal (municipality_id, title, description, category, min_area_m2, max_area_m2,
                          needs_ground_floor, needs_shop_window, needs_step_free, duration,
                          max_rent_eur_m2, vacancy_id, area, location, radius_m, status,
                          status_token_hash, published_at)
    SELECT t.id, 'Idee ' || g, 'synthetisch',
           (ARRAY['culture', 'creative', 'social', 'education', 'gastronomy', 'retail_popup',
                  'co_working', 'other'])[1 + floor(random() * 8)::int],
           a.lo, a.lo + 50 + round((random() * 250)::numeric, 1),
           random() < 0.5, random() < 0.3, random() < 0.2,
           (ARRAY['interim', 'permanent', 'either'])[1 + floor(random() * 3)::int],
           CASE WHEN random() < 0.7 THEN round((4 + random() * 11)::numeric, 2) END,
           CASE WHEN g % 3 = 0 THEN (SELECT v.id FROM vacancy v WHERE v.municipality_id = t.id
                                     AND v.status IN ('vacant', 'threatened')
                                     ORDER BY v.id LIMIT 1 OFFSET g % 7) END,
           CASE WHEN g % 3 = 1 THEN ST_Envelope(ST_Buffer(t.c, 0.004 + random() * 0.006)) END,
           CASE WHEN g % 3 = 2 THEN t.c END,
           CASE WHEN g % 3 = 2 THEN 300 + floor(random() * 1700)::int END,
           'published', md5(g::text || random()::text) || md5(g::text), now()
    FROM (SELECT g, 1 + floor(power(random(), 2) * (SELECT count(*) FROM towns))::int AS n
          FROM generate_series(1, :proposals) g) r
    JOIN towns t USING (n)
    CROSS JOIN LATERAL (SELECT round((10 + random() * 90)::numeric, 1) AS lo) a;
"""


def _database(args: argparse.Namespace):
    url = os.environ.get("LEERSTAND_DATABASE_URL")
    if url:
        return url, None
    from app.embedded import EmbeddedPostgres, find_pg_bin

    cluster = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="bench-matching-")), args.port,
                               find_pg_bin())
    cluster.start()
    return cluster.url(), cluster


def _generate(url: str, vacancies: int, proposals: int) -> dict[str, float]:
    timings = {}
    with Session(make_engine(url)) as session, session.begin():
        start = time.perf_counter()
        boundary_import.import_boundaries(session=session)
        timings["boundaries_s"] = time.perf_counter() - start
        start = time.perf_counter()
        for statement in VACANCIES_SQL.split(";")[:-1]:
            session.execute(text(statement), {"vacancies": vacancies})
        session.execute(text(PROPOSALS_SQL), {"proposals": proposals})
        timings["generate_s"] = time.perf_counter() - start
    with make_engine(url).connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    return timings


def _timed(fn, repeat: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vacancies", type=int, default=100_000)
    parser.add_argument("--proposals", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--port", type=int, default=55874)
    args = parser.parse_args()
    url, cluster = _database(args)
    try:
        migrate.upgrade(url)
        setup = _generate(url, args.vacancies, args.proposals)
        admin = Principal(user_id=0, role=Role.admin)
        with Session(make_engine(url)) as session:
            ids = session.execute(text("SELECT id FROM proposal ORDER BY id")).scalars().all()
            counts = session.execute(text("SELECT status, count(*) FROM vacancy GROUP BY status "
                                          "ORDER BY status")).all()
            batch_t, ranked = _timed(lambda: matching.match_all(session=session, proposal_ids=ids),
                                     args.repeat)
            per_call_t, _ = _timed(lambda: [matching.matches_for_proposal(
                session=session, proposal_id=pid, principal=admin) for pid in ids], args.repeat)
            counts_t, fits = _timed(lambda: matching.fits_counts(session=session, proposal_ids=ids),
                                    args.repeat)
            session.rollback()
        pairs = sum(len(v) for v in ranked.values())
        load = os.getloadavg()
        print(f"machine: {platform.node()} {platform.machine()}, nproc {os.cpu_count()}, "
              f"python {sys.version.split()[0]}")
        print(f"load average before timing end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        print(f"data: {args.vacancies} vacancies ({', '.join(f'{s} {n}' for s, n in counts)}), "
              f"{len(ids)} published proposals; boundaries {setup['boundaries_s']:.1f} s, "
              f"generation {setup['generate_s']:.1f} s")
        print(f"candidate pairs passing the hard filters: {pairs} "
              f"({sum(1 for v in fits.values() if v)} proposals with >= 1 fit)")
        print(f"{'what':<10} {'median s':>9} {'min s':>7} {'runs':>5}   target {TARGET_S} s")
        for name, times in (("batch", batch_t), ("per_call", per_call_t), ("counts", counts_t)):
            # the target is for matching all proposals at once; per_call is the reference
            verdict = "reference" if name == "per_call" else (
                "ok" if statistics.median(times) <= TARGET_S else "OVER TARGET")
            print(f"{name:<10} {statistics.median(times):>9.2f} {min(times):>7.2f} "
                  f"{len(times):>5}   {verdict}")
    finally:
        make_engine(url).dispose()
        if cluster is not None:
            cluster.destroy()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
