"""Benchmark: rescore 100,000 vacancies in 20 municipalities with 5,000 places.

Starts a throwaway PostGIS cluster (app.embedded), migrates it, loads the real boundaries,
generates the synthetic register directly in SQL (random points inside the real boundaries,
denser near the centre, as shops are), then times ``app.scoring.service.rescore``: the same
function the API and the CLI call. Reports the split between PostgreSQL and Python, and as the
reference the one-query-per-vacancy approach the set-based query replaces (measured on a sample
and extrapolated). Writes bench/scoring/results.md.

    PYTHONPATH=$PWD .venv/bin/python bench/scoring/run.py [--vacancies 100000] [--towns 20]
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

from sqlalchemy import text
from sqlalchemy.orm import Session

from app import migrate
from app.database import make_engine
from app.embedded import EmbeddedPostgres, find_pg_bin
from app.municipalities import boundary_import
from app.scoring import places, service

HERE = Path(__file__).parent
PLACES_SPREAD_M = 2000  # shops, cafés, culture cluster around the centre
CATEGORIES = ("retail", "retail", "retail", "gastronomy", "gastronomy", "culture", "education")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _area(spread_m: int) -> str:
    """SQL for the polygon points are drawn in: the boundary, or its part near the centre."""
    if not spread_m:
        return "m.boundary"
    return f"ST_Intersection(m.boundary, ST_Buffer(m.centre::geography, {spread_m})::geometry)"


def generate(session: Session, towns: int, vacancies: int, total_places: int,
             spread_m: int = 0) -> list[int]:
    ids = list(session.scalars(text("""
        SELECT id FROM municipality WHERE centre IS NOT NULL AND population IS NOT NULL
        ORDER BY population DESC LIMIT :n"""), {"n": towns}))
    per_town = vacancies // towns
    session.execute(text("SELECT setseed(0.42)"))
    # core area: 500 m around the centre; vacancies: random points in the boundary (or near the
    # centre with spread_m: a stress test with far more neighbours than any real town has)
    session.execute(text("""
        UPDATE municipality SET core_area = ST_Multi(ST_Intersection(boundary,
            ST_Buffer(centre::geography, 500)::geometry))
        WHERE id = ANY(:ids)"""), {"ids": ids})
    session.execute(text(f"""
        INSERT INTO vacancy (municipality_id, location, floor_area_m2, floor, shop_window_m,
            condition, has_wc, has_heating, step_free, vacant_since, status,
            owner_interim_willing, asking_rent_eur_m2, source)
        SELECT m.id, p.geom,
            CASE WHEN random() < 0.9 THEN round((20 + random() * 600)::numeric, 1) END,
            (ARRAY['ground', 'ground', 'ground', 'upper', 'basement', NULL])[1 + floor(random() * 6)],
            CASE WHEN random() < 0.85 THEN round((random() * 14)::numeric, 1) END,
            (ARRAY['ready', 'minor_renovation', 'major_renovation', NULL])[1 + floor(random() * 4)],
            CASE WHEN random() < 0.9 THEN random() < 0.75 END,
            CASE WHEN random() < 0.9 THEN random() < 0.85 END,
            CASE WHEN random() < 0.8 THEN random() < 0.5 END,
            current_date - (20 + floor(random() * 1500))::int,
            (ARRAY['vacant', 'vacant', 'vacant', 'threatened', 'interim_use', 'reused'])
                [1 + floor(random() * 6)],
            (ARRAY['yes', 'no', 'unknown'])[1 + floor(random() * 3)],
            CASE WHEN random() < 0.7 THEN round((3 + random() * 12)::numeric, 2) END,
            'bench'
        FROM municipality m,
        LATERAL (SELECT (ST_Dump(ST_GeneratePoints({_area(spread_m)}, :n, m.id))).geom) p
        WHERE m.id = ANY(:ids)"""), {"ids": ids, "n": per_town})
    # 5,000 places in all: the shipped stations and tram stops, the rest synthetic
    places.import_defaults(session=session, rescore=False)
    shipped = session.scalar(text("SELECT count(*) FROM place"))
    per_town_places = (total_places - shipped) // towns
    session.execute(text(f"""
        INSERT INTO place (category, name, geom, source)
        SELECT (CAST(:cats AS text[]))[1 + floor(random() * cardinality(CAST(:cats AS text[])))],
               'bench', p.geom, 'bench'
        FROM municipality m,
        LATERAL (SELECT (ST_Dump(ST_GeneratePoints({_area(PLACES_SPREAD_M)}, :n, m.id + 1))).geom) p
        WHERE m.id = ANY(:ids)"""), {"ids": ids, "n": per_town_places, "cats": list(CATEGORIES)})
    session.execute(text("ANALYZE"))
    return ids


def change_default_weight(session: Session) -> None:
    """What PUT /api/v1/scoring-profile/default does to the profile (the rescore is timed)."""
    session.execute(text("""
        UPDATE scoring_profile SET version = version + 1, weights = jsonb_set(weights,
            '{floor_area,interim}', to_jsonb(CASE WHEN version % 2 = 0 THEN 3 ELSE 5 END))
        WHERE municipality_id IS NULL"""))


def backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) a PostgreSQL backend has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_rescore(session: Session, ids: list[int]) -> tuple:
    """The rescore result plus CPU seconds of the PostgreSQL backend and of this process: on a
    shared machine CPU time says more than wall time."""
    pid = session.scalar(text("SELECT pg_backend_pid()"))
    pg_before, py_before = backend_cpu(pid), time.process_time()
    result = service.rescore(session=session, municipality_ids=ids)
    return result, backend_cpu(pid) - pg_before, time.process_time() - py_before


def per_vacancy_reference(session: Session, ids: list[int], sample: int) -> float:
    """Seconds per vacancy when facts are fetched with one query per vacancy (the N+1 way)."""
    rows = session.execute(text("""
        SELECT id, municipality_id FROM vacancy WHERE status <> 'reused'
        ORDER BY random() LIMIT :n"""), {"n": sample}).all()
    started = time.perf_counter()
    for vacancy_id, municipality_id in rows:
        service.fact_rows(session=session, municipality_ids=[municipality_id],
                          vacancy_ids=[vacancy_id])
    return (time.perf_counter() - started) / len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vacancies", type=int, default=100_000)
    parser.add_argument("--towns", type=int, default=20)
    parser.add_argument("--places", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3, help="rounds of (weight change, no change)")
    parser.add_argument("--spread-m", type=int, default=0,
                        help="vacancies within this distance of the centre (default 0: anywhere "
                        "in the boundary)")
    parser.add_argument("--reference-sample", type=int, default=500)
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
            ids = generate(session, args.towns, args.vacancies, args.places, args.spread_m)
        setup = time.perf_counter() - setup_started
        with Session(engine) as session:
            counts = session.execute(text("""
                SELECT (SELECT count(*) FROM vacancy), (SELECT count(*) FROM place),
                       (SELECT count(*) FROM vacancy WHERE status <> 'reused')""")).one()
        runs = []
        kinds = ["first scoring: every score inserted"]
        for _ in range(args.runs):
            kinds += ["weight changed: every score updated", "nothing changed: no score rewritten"]
        for kind in kinds:
            with Session(engine) as session, session.begin():
                if kind.startswith("weight"):
                    change_default_weight(session)
                runs.append((kind, *timed_rescore(session, ids)))
        with Session(engine) as session:
            reference = per_vacancy_reference(session, ids, args.reference_sample)
            neighbours = session.scalar(text("""
                SELECT avg(n) FROM (SELECT (SELECT count(*) FROM vacancy o
                    WHERE o.location && ST_Expand(v.location, 0.0025, 0.0015)
                      AND ST_DWithin(o.location::geography, v.location::geography, 150)
                      AND o.id <> v.id AND o.status IN ('vacant', 'threatened')) n
                FROM vacancy v TABLESAMPLE SYSTEM (2)) s"""))
        load = os.getloadavg()
        write(args, counts, setup, runs, reference, load, float(neighbours or 0))
    finally:
        make_engine(cluster.url()).dispose()
        cluster.destroy()
        shutil.rmtree(folder, ignore_errors=True)


def write(args, counts, setup, runs, reference, load, neighbours) -> None:
    vacancies, place_count, scored = counts
    full = [r for kind, r, _, _ in runs if kind.startswith("weight")]
    median = statistics.median(r.seconds for r in full)
    first = runs[0][1]
    lines = [
        "# Scoring benchmark results",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores (nproc), "
        f"{platform.python_implementation()} {platform.python_version()}, PostgreSQL "
        f"{find_pg_bin().parent.name} + PostGIS (embedded, fsync off)",
        f"- load average at the end (1/5/15 min): {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} "
        "(the 2 cores are shared with other jobs, so wall times are noisy; CPU seconds are "
        "steadier)",
        "- command: `PYTHONPATH=$PWD .venv/bin/python bench/scoring/run.py "
        f"--vacancies {args.vacancies} --towns {args.towns} --places {args.places} "
        f"--runs {args.runs} --spread-m {args.spread_m}`",
        f"- data: {vacancies} vacancies ({scored} in scored statuses; the rest `reused`) in "
        f"{args.towns} real municipalities (largest by population; random points "
        + (f"within {args.spread_m} m of the centre inside the boundary" if args.spread_m else
           "anywhere inside the real boundary")
        + f"; {neighbours:.1f} other empty units within 150 m on average), {place_count} places "
        "(the shipped stations and tram stops plus synthetic shops, cafés, culture, education "
        f"within {PLACES_SPREAD_M} m of the centres); core area 500 m around the centre; "
        f"generated in SQL in {setup:.1f} s",
        "",
        f"## Rescoring all {args.towns} municipalities (`app.scoring.service.rescore`, one call)",
        "",
        "| run | wall s | PostgreSQL wall s: facts query (incl. fetch) + writing | Python wall s "
        "(rules) | PostgreSQL share of wall | PostgreSQL backend CPU s | Python process CPU s |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind, r, pg_cpu, py_cpu in runs:
        lines.append(
            f"| {kind} | {r.seconds:.2f} | {r.seconds_database:.2f} = {r.seconds_facts:.2f} + "
            f"{r.seconds_write:.2f} | {r.seconds_python:.2f} | "
            f"{r.seconds_database / r.seconds:.0%} | {pg_cpu:.2f} | {py_cpu:.2f} |")
    lines += [
        "",
        f"**{first.scored} vacancies scored. Median wall time with every score changing (weight "
        f"changed): {median:.2f} s; first scoring {first.seconds:.2f} s. Target ≤ 10 s: "
        f"{'met' if max(median, first.seconds) <= 10 else 'NOT met'}.**",
        "",
        "Recommendations (last run): " + ", ".join(
            f"{k} {v}" for k, v in sorted(runs[-1][1].by_recommendation.items())),
        "",
        "## Reference in the same run: one facts query per vacancy",
        "",
        f"{args.reference_sample} random vacancies, one `fact_rows` call each: "
        f"{reference * 1000:.2f} ms per vacancy → about {reference * first.scored:.0f} s for "
        f"{first.scored} vacancies (facts only, without rules and writes), against "
        f"{first.seconds_facts:.2f} s for the set-based facts query of the first scoring.",
        "",
    ]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
