"""Exchange benchmarks on one 100,000-vacancy table, each side by side with its reference:

(a) map viewport (~1,000 features, Jena town-centre bbox): Leerstand /ogc vs tipg, wrk at
    concurrency 1 and 8 (throughput, p50, p99);
(b) full GeoJSON export: Leerstand's streamed export vs PostgreSQL's own json_agg(ST_AsGeoJSON)
    vs ogr2ogr from the same database;
(c) import of 100,000 rows from GeoJSON: `leerstand import` vs ogr2ogr into PostGIS.

Usage: PYTHONPATH=$PWD /work/main/.venv/bin/python bench/exchange/run.py [--seconds 15]
Needs: PostgreSQL + PostGIS, gdal-bin (ogr2ogr), wrk, and tipg (bench/exchange/requirements.txt).
Writes bench/exchange/results.md. Loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import psycopg
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app import migrate
from app.database import make_engine
from app.embedded import EmbeddedPostgres, find_pg_bin
from app.exchange.fields import columns
from app.municipalities import boundary_import

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("BENCH_DATA", "/tmp/exch-bench"))
# BENCH_PG_PORT: a second copy of the cluster next to one that is already running
PG_PORT = int(os.environ.get("BENCH_PG_PORT", "55473"))
APP_PORT, TIPG_PORT = 18473, 18474
JENA = "16053000"
JENA_CENTRE = (11.5885, 50.9285)
TOTAL = 100_000
CENTRE_COUNT = 1_000
# the viewport: ~1.1 km x 0.9 km around Jena's market square
GENERATE_BOX = (11.5815, 50.9245, 11.5955, 50.9325)
BBOX = (11.5815, 50.9245, 11.5908, 50.9325)  # two thirds of it: ~1,000 features
SECRET = "bench-secret-" + "x" * 40
PY = sys.executable


def cluster() -> EmbeddedPostgres:
    pg = EmbeddedPostgres(DATA, PG_PORT, find_pg_bin())
    pg.start()
    return pg


def prepare(url: str) -> None:
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        if not session.scalar(text("SELECT count(*) FROM municipality")):
            boundary_import.import_boundaries(session=session)
        # leftovers of an interrupted import benchmark
        session.execute(text("DELETE FROM vacancy WHERE external_id LIKE 'IMP-%'"))
        session.execute(text("DROP TABLE IF EXISTS ogr_import"))
        have = session.scalar(text("SELECT count(*) FROM vacancy WHERE source = 'bench'"))
        if have:  # ST_GeneratePoints may add a point or two: ~100,000 is the table
            return
        session.execute(text("DELETE FROM vacancy"))
        towns = session.scalar(text("SELECT count(*) FROM municipality"))
        per_town = (TOTAL - CENTRE_COUNT) // towns
        centre = TOTAL - per_town * towns
        # every town gets random points inside its boundary; Jena's centre gets a dense cluster
        session.execute(text(f"""
            WITH pts AS (
                SELECT m.id AS mid, (ST_Dump(ST_GeneratePoints(m.boundary, {per_town}, 42))).geom
                FROM municipality m
                UNION ALL
                SELECT m.id, ST_SetSRID(ST_MakePoint(
                    {GENERATE_BOX[0]} + random() * {GENERATE_BOX[2] - GENERATE_BOX[0]},
                    {GENERATE_BOX[1]} + random() * {GENERATE_BOX[3] - GENERATE_BOX[1]}), 4326)
                FROM municipality m, generate_series(1, {centre}) WHERE m.ags = '{JENA}'
            )
            INSERT INTO vacancy (municipality_id, location, street, house_number, postcode,
                floor_area_m2, floor, shop_window_m, condition, has_wc, has_heating, step_free,
                former_use, vacant_since, status, owner_interim_willing, asking_rent_eur_m2,
                description, owner_contact, internal_notes, verified_at, external_id, source)
            SELECT mid, geom, 'Marktstraße', (1 + (random() * 80)::int)::text, '07743',
                round((20 + random() * 400)::numeric, 1),
                (ARRAY['ground', 'upper', 'basement'])[1 + (random() * 2)::int],
                round((random() * 12)::numeric, 1),
                (ARRAY['ready', 'minor_renovation', 'major_renovation'])[1 + (random() * 2)::int],
                random() < 0.6, random() < 0.8, random() < 0.4, 'Einzelhandel',
                date '2020-01-01' + (random() * 1500)::int,
                (ARRAY['vacant', 'threatened', 'interim_use', 'reused'])[1 + (random() * 3)::int],
                (ARRAY['yes', 'no', 'unknown'])[1 + (random() * 2)::int],
                round((3 + random() * 15)::numeric, 2),
                'Ladenlokal mit Schaufenster, gut erreichbar.', 'Eigentümer privat',
                'interne Notiz', now() - (random() * 400)::int * interval '1 day',
                'B-' || row_number() OVER (), 'bench'
            FROM pts
        """))
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE vacancy"))


def libpq(pg: EmbeddedPostgres) -> str:
    return f"host=127.0.0.1 port={pg.port} dbname=leerstand user=postgres password={pg.password()}"


def start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"server on {port} did not start: {proc.stderr.read().decode()[-2000:]}")


def servers(pg: EmbeddedPostgres) -> tuple[subprocess.Popen, subprocess.Popen]:
    ours = start([PY, "-m", "uvicorn", "--factory", "app.main:create_app", "--host", "127.0.0.1",
                  "--port", str(APP_PORT), "--log-level", "warning", "--no-access-log"],
                 {"LEERSTAND_DATABASE_URL": pg.url(), "LEERSTAND_SECRET_KEY": SECRET,
                  "PYTHONPATH": str(HERE.parent.parent)}, APP_PORT)
    tipg = start([PY, "-m", "uvicorn", "tipg.main:app", "--host", "127.0.0.1", "--port",
                  str(TIPG_PORT), "--log-level", "warning", "--no-access-log"],
                 {"DATABASE_URL": pg.url().replace("+psycopg", ""), "TIPG_DB_SCHEMAS": '["public"]',
                  "TIPG_DB_TABLES": '["public.vacancy"]'}, TIPG_PORT)
    return ours, tipg


# vacancy columns tipg can serve that match ours (tipg cannot join the municipality)
TIPG_PROPERTIES = ",".join(c.name for c in columns() if c.sql.startswith("v.") and c.name != "id")


def viewport_urls() -> dict[str, str]:
    bbox = ",".join(str(v) for v in BBOX)
    return {
        "leerstand /ogc": f"http://127.0.0.1:{APP_PORT}/ogc/collections/vacancies/items"
                          f"?bbox={bbox}&limit=2000",
        "tipg": f"http://127.0.0.1:{TIPG_PORT}/collections/public.vacancy/items?bbox={bbox}"
                f"&limit=2000&geom-column=location&properties={quote(TIPG_PROPERTIES)}",
    }


def parse_wrk(out: str) -> dict[str, float]:
    def ms(value: str) -> float:
        match = re.match(r"([\d.]+)(us|ms|s|m)$", value)
        if not match:  # e.g. -nan when no request completed
            return float("nan")
        number, unit = match.groups()
        return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]

    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": ms(re.search(r"50%\s+(\S+)", out).group(1)),
            "p99": ms(re.search(r"99%\s+(\S+)", out).group(1)),
            "errors": len(re.findall(r"Non-2xx|Socket errors", out))}


def bench_viewport(seconds: int) -> list[str]:
    lines = ["| server | features | bytes | concurrency | req/s | p50 ms | p99 ms |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, url in viewport_urls().items():
        body = httpx.get(url, timeout=60).json()
        size = len(httpx.get(url, timeout=60).content)
        count = body.get("numberReturned", len(body["features"]))
        for _ in range(20):  # warm up connections and caches
            httpx.get(url, timeout=60)
        for conc in (1, 8):
            out = subprocess.run(["wrk", f"-t{min(conc, 2)}", f"-c{conc}", f"-d{seconds}s",
                                  "--timeout", "30s", "--latency", url], capture_output=True, text=True,
                                 check=True).stdout
            (DATA / f"wrk-{name.split()[0]}-c{conc}.txt").write_text(out)  # raw, for checking
            r = parse_wrk(out)
            lines.append(f"| {name} | {count} | {size} | {conc} | {r['rps']:.1f} | "
                         f"{r['p50']:.1f} | {r['p99']:.1f} |" + (" errors!" if r["errors"] else ""))
    return lines


def _export_select() -> str:
    cols = ", ".join(f'{c.sql} AS "{c.name}"' for c in columns())
    return (f"SELECT {cols}, v.location FROM vacancy v JOIN municipality m "
            f"ON m.id = v.municipality_id WHERE v.status IN ('threatened', 'vacant', "
            f"'interim_use', 'reused') ORDER BY v.id")


def _timed(func, runs: int = 3, setup=None) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        if setup is not None:  # not timed
            setup()
        t0 = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def bench_export(pg: EmbeddedPostgres) -> list[str]:
    url = f"http://127.0.0.1:{APP_PORT}/api/v1/export/vacancies.geojson"

    def ours() -> int:
        size = 0
        with httpx.stream("GET", url, timeout=600) as response:
            for chunk in response.iter_bytes():
                size += len(chunk)
        return size

    def postgres() -> int:
        sql = (f"SELECT json_build_object('type', 'FeatureCollection', 'features', "
               f"json_agg(ST_AsGeoJSON(t.*, 'location', 7)::json))::text FROM ({_export_select()}) t")
        with psycopg.connect(libpq(pg)) as conn:
            return len(conn.execute(sql).fetchone()[0].encode())

    out = DATA / "ogr_export.geojson"

    def ogr() -> int:
        subprocess.run(["ogr2ogr", "-f", "GeoJSON", str(out), f"PG:{libpq(pg)}", "-sql",
                        _export_select(), "-lco", "RFC7946=YES", "-lco",
                        "COORDINATE_PRECISION=7"], check=True, capture_output=True)
        return out.stat().st_size

    ogr()  # warm up the disk cache for the file
    lines = ["| export of the whole table (GeoJSON) | features | MB | seconds (median of 3) |",
             "|---|---:|---:|---:|"]
    t_pg, size_pg = _timed(postgres)
    t_ours, size_ours = _timed(ours)
    t_ogr, size_ogr = _timed(ogr)
    n = len(json.loads(httpx.get(url, timeout=600).content)["features"])
    for name, t, size in (("PostgreSQL json_agg(ST_AsGeoJSON) (reference)", t_pg, size_pg),
                          ("Leerstand GET /api/v1/export/vacancies.geojson", t_ours, size_ours),
                          ("ogr2ogr -f GeoJSON from PG: (same SELECT)", t_ogr, size_ogr)):
        lines.append(f"| {name} | {n} | {size / 1e6:.1f} | {t:.2f} |")
    lines.append(f"\nLeerstand / PostgreSQL = **{t_ours / t_pg:.2f}×** (target ≤ 1.5×); "
                 f"Leerstand / ogr2ogr = **{t_ours / t_ogr:.2f}×** (target < 1).")
    return lines


def _bench_token(pg: EmbeddedPostgres) -> str:
    """An API token of an admin account kept for the benchmark (created once)."""
    from app.accounts import service as accounts
    from app.accounts.models import Role, User

    with Session(make_engine(pg.url())) as session, session.begin():
        user = session.scalar(select(User).where(User.email == "bench@example.invalid"))
        if user is None:
            user = accounts.create_user(session=session, email="bench@example.invalid",
                                        role=Role.admin)
        return accounts.create_token(session=session, user=user, label="bench")


def bench_import(pg: EmbeddedPostgres) -> list[str]:
    path = DATA / "import_100k.geojson"
    with psycopg.connect(libpq(pg)) as conn:
        doc = conn.execute(f"""
            SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(
                json_build_object('type', 'Feature',
                    'geometry', ST_AsGeoJSON(p.geom, 7)::json,
                    'properties', json_build_object('external_id', 'IMP-' || p.n,
                        'street', 'Holzmarkt', 'house_number', (1 + p.n % 90)::text,
                        'floor_area_m2', 20 + p.n % 300, 'floor', 'ground', 'has_wc', p.n % 2 = 0,
                        'status', 'vacant', 'vacant_since', '2024-05-01',
                        'description', 'Laden ' || p.n))))::text
            FROM (SELECT row_number() OVER () AS n, d.geom
                  FROM municipality m, ST_Dump(ST_GeneratePoints(
                      ST_Buffer(m.boundary::geography, -50)::geometry, {TOTAL}, 7)) d
                  WHERE m.ags = '{JENA}') p
        """).fetchone()[0]
    path.write_text(doc)

    def clean() -> None:
        with psycopg.connect(libpq(pg), autocommit=True) as conn:
            conn.execute("DELETE FROM vacancy WHERE external_id LIKE 'IMP-%'")
            conn.execute("DROP TABLE IF EXISTS ogr_import")
            # the deleted rows' index entries would slow the next run's unique checks down
            conn.execute("VACUUM vacancy, vacancy_history, vacancy_score")

    # (wall seconds, of them rescoring, of them the import in the process, report line)
    runs: list[tuple[float, float, float, str]] = []

    def ours() -> str:
        started = time.perf_counter()
        result = subprocess.run([PY, "-m", "app.cli", "import", str(path), "--municipality", JENA],
                                capture_output=True, text=True, check=True,
                                env={**os.environ, "LEERSTAND_DATABASE_URL": pg.url(),
                                     "LEERSTAND_SECRET_KEY": SECRET,
                                     "PYTHONPATH": str(HERE.parent.parent)})
        wall = time.perf_counter() - started
        lines = result.stdout.strip().splitlines()
        rescore = re.search(r"scores recomputed for (\d+) vacancies .* in ([\d.]+) s "
                            r"\(import itself ([\d.]+) s\)", lines[-2])
        runs.append((wall, float(rescore.group(2)), float(rescore.group(3)),
                     f"{lines[-1]}; {rescore.group(1)} scored"))
        return lines[-1]

    def ogr() -> str:
        subprocess.run(["ogr2ogr", "-f", "PostgreSQL", f"PG:{libpq(pg)}", str(path), "-nln",
                        "ogr_import", "-lco", "GEOMETRY_NAME=location", "-lco", "SPATIAL_INDEX=GIST"],
                       check=True, capture_output=True)
        return "ok"

    def ogr_append() -> str:
        with psycopg.connect(libpq(pg)) as conn:
            mid = conn.execute("SELECT id FROM municipality WHERE ags = %s", (JENA,)).fetchone()[0]
        subprocess.run(["ogr2ogr", "-append", "-f", "PostgreSQL", f"PG:{libpq(pg)}", str(path),
                        "-nln", "vacancy", "-unsetFid", "--config", "PG_USE_COPY", "YES",
                        "-dialect", "SQLite", "-sql",
                        "SELECT geometry AS location, external_id, street, house_number, "
                        "floor_area_m2, floor, has_wc, status, vacant_since, description, "
                        f"{mid} AS municipality_id, 'ogr2ogr' AS source FROM import_100k"],
                       check=True, capture_output=True)
        return "ok"

    api_runs: list[tuple[float, float]] = []  # (wall seconds of the upload request, rescoring)

    def upload() -> str:
        """The same file through the staff upload API of a running server (an admin token)."""
        with path.open("rb") as handle:
            started = time.perf_counter()
            response = httpx.post(f"http://127.0.0.1:{APP_PORT}/api/v1/import/vacancies",
                                  params={"municipality": JENA}, files={"file": handle},
                                  headers={"Authorization": f"Bearer {token}"}, timeout=600)
            wall = time.perf_counter() - started
        response.raise_for_status()
        report = response.json()
        api_runs.append((wall, report["seconds_rescore"]))
        return f"{report['created']} created"

    t_ogr, _ = _timed(ogr, setup=clean)
    _timed(ours, setup=clean)
    token = _bench_token(pg)
    server = start([PY, "-m", "uvicorn", "--factory", "app.main:create_app", "--host",
                    "127.0.0.1", "--port", str(APP_PORT), "--log-level", "warning",
                    "--no-access-log"],
                   {"LEERSTAND_DATABASE_URL": pg.url(), "LEERSTAND_SECRET_KEY": SECRET,
                    "PYTHONPATH": str(HERE.parent.parent)}, APP_PORT)
    try:
        _timed(upload, setup=clean)
    finally:
        server.terminate()
        server.wait()
    t_append, _ = _timed(ogr_append, runs=1, setup=clean)
    clean()
    # the import itself = the whole CLI run (start-up, reading, checks, writing, commit)
    # minus the rescore of the town that follows it in the same transaction
    t_total = statistics.median(wall for wall, _, _, _ in runs)
    t_rescore = statistics.median(rescore for _, rescore, _, _ in runs)
    t_ours = statistics.median(wall - rescore for wall, rescore, _, _ in runs)
    t_inner = statistics.median(inner for _, _, inner, _ in runs)
    t_api = statistics.median(wall - rescore for wall, rescore in api_runs)
    each = ", ".join(f"{wall - rescore:.2f} (in the process {inner:.2f}) + {rescore:.2f}"
                     for wall, rescore, inner, _ in runs)
    return ["| import of 100,000 rows from GeoJSON (one town) | seconds |",
            "|---|---:|",
            f"| ogr2ogr -f PostgreSQL into a new table (COPY, GiST index only; reference, "
            f"median of 3) | {t_ogr:.2f} |",
            f"| **leerstand import**, the import itself: whole CLI run without the rescore "
            f"(Python start-up, read, check every row in chunks while COPY writes the previous "
            f"chunk into `vacancy`, in-town check, commit; median of 3) | **{t_ours:.2f}** |",
            f"| of it the import in the running process (read, check, write; what the upload "
            f"API does once the file is received; printed by the CLI, median of 3) "
            f"| {t_inner:.2f} |",
            f"| **upload API** (`POST /api/v1/import/vacancies`, multipart, to a running "
            f"server: transfer, spooling, read, check, write, commit, response) without the "
            f"rescore (median of 3) | **{t_api:.2f}** |",
            f"| rescoring the town afterwards (same transaction; {len(runs)} runs, median) "
            f"| {t_rescore:.2f} |",
            f"| leerstand import incl. rescoring (whole CLI run, median of 3) | {t_total:.2f} |",
            f"| ogr2ogr -append into the register's `vacancy` table (same indexes, checks and "
            f"foreign keys; no validation, no scores; 1 run) | {t_append:.2f} |",
            f"\nCompared: the import itself. Leerstand CLI / ogr2ogr (new table) = "
            f"**{t_ours / t_ogr:.2f}×** (target ≤ 2×); upload API / ogr2ogr = "
            f"**{t_api / t_ogr:.2f}×**; in the running process {t_inner / t_ogr:.2f}×; "
            f"with rescoring {t_total / t_ogr:.2f}×; Leerstand / "
            f"ogr2ogr -append into `vacancy` = **{t_ours / t_append:.2f}×**. Runs (import + "
            f"rescore, s): {each}; upload API (s): "
            f"{', '.join(f'{wall - rescore:.2f} + {rescore:.2f}' for wall, rescore in api_runs)}. "
            f"File {path.stat().st_size / 1e6:.1f} MB. Report: "
            f"`{runs[-1][3]}`."]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15, help="wrk duration per run")
    parser.add_argument("--only", choices=["viewport", "export", "import"])
    parser.add_argument("--stop", action="store_true", help="stop the benchmark cluster and exit")
    args = parser.parse_args()
    if args.stop:
        EmbeddedPostgres(DATA, PG_PORT, find_pg_bin()).stop()
        return 0
    pg = cluster()
    prepare(pg.url())
    load_before = os.getloadavg()
    sections = []
    if args.only != "import":  # the import part needs no HTTP servers
        ours, tipg = servers(pg)
        try:
            if args.only in (None, "viewport"):
                sections += ["## (a) Viewport request, Jena centre bbox", "",
                             *bench_viewport(args.seconds), ""]
            if args.only in (None, "export"):
                sections += ["## (b) Full GeoJSON export", "", *bench_export(pg), ""]
        finally:
            ours.terminate()
            tipg.terminate()
            ours.wait()
            tipg.wait()
    if args.only in (None, "import"):
        sections += ["## (c) Import", "", *bench_import(pg), ""]
    versions = subprocess.run([PY, "-c", "import tipg, fastapi, pyogrio; print(tipg.__version__, "
                               "fastapi.__version__, pyogrio.__gdal_version_string__)"],
                              capture_output=True, text=True).stdout.split()
    ogr_version = subprocess.run(["ogr2ogr", "--version"], capture_output=True, text=True).stdout
    head = [
        "# Exchange benchmark results", "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- machine: {os.cpu_count()} CPUs (nproc), shared with other jobs; load average before: "
        f"{', '.join(f'{v:.2f}' for v in load_before)}, after: "
        f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}",
        f"- PostgreSQL/PostGIS embedded cluster on 127.0.0.1:{PG_PORT}; one uvicorn worker each "
        f"for Leerstand and tipg {versions[0] if versions else '?'} (FastAPI "
        f"{versions[1] if len(versions) > 1 else '?'}); {ogr_version.strip()}",
        f"- table: ~{TOTAL:,} vacancies over 849 municipalities, ~1,500 of them in a box in "
        f"Jena's centre; viewport bbox {BBOX}",
        f"- command: `PYTHONPATH=$PWD {PY} bench/exchange/run.py --seconds {args.seconds}`"
        + (f" --only {args.only}" if args.only else ""), "",
    ]
    result = "\n".join(head + sections)
    print(result)
    target = HERE / ("results.md" if not args.only else f"results-{args.only}.md")
    target.write_text(result + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
