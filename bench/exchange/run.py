"""Exchange benchmarks on one 100,000-vacancy table, each side by side with its reference:

(a) map viewport (~1,000 features, Jena town-centre bbox), wrk at concurrency 1 and 8 (req/s,
    p50, p99): the map's own endpoint GET /api/v1/vacancies?bbox=…, Leerstand's /ogc items,
    tipg on the same table, and the SQL floor - PostgreSQL building the map's FeatureCollection
    for that bbox in one SELECT, measured with pgbench (-M prepared) - with each endpoint's
    cost as a multiple of the floor;
(b) full GeoJSON export: Leerstand's streamed export vs PostgreSQL's own json_agg(ST_AsGeoJSON)
    vs ogr2ogr from the same database;
(c) import of 100,000 rows from GeoJSON: `leerstand import` vs ogr2ogr into PostGIS.

Usage, from the repository root:
    PYTHONPATH=$PWD .venv/bin/python bench/exchange/run.py [--seconds 15] [--only viewport]
Needs: PostgreSQL + PostGIS (with pgbench), gdal-bin (ogr2ogr), wrk, and tipg
(bench/exchange/requirements.txt). Adds its results at the top of bench/exchange/results.md.
Loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
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
from app.municipalities import boundary_import
from app.scoring import service as scoring_service
from app.vacancies.columns import columns
from app.vacancies.lifecycle import PUBLIC_STATUSES
from app.vacancies.schemas import PUBLIC_FIELDS

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("BENCH_DATA", Path(tempfile.gettempdir()) / "exch-bench"))
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
        # ST_GeneratePoints may add a point or two: ~100,000 is the table
        generate = not session.scalar(text("SELECT count(*) FROM vacancy WHERE source = 'bench'"))
        if generate:
            _generate(session)
        # the map shows each vacancy's scores, so the table carries them as a real register does
        # (tables generated before the map API was benchmarked had none: scored once here)
        score = not session.scalar(text("SELECT count(*) FROM vacancy_score"))
        if score:
            scoring_service.rescore_all(session=session)
        if not (generate or score):
            return
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM ANALYZE vacancy, vacancy_score"))


def _generate(session: Session) -> None:
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


BBOX_PARAM = ",".join(str(v) for v in BBOX)
# (a) what is measured, named as it appears in the results table
MAP_API = "map API `GET /api/v1/vacancies?bbox=…&limit=2000` (anonymous; what the Leaflet map loads)"
OGC = "Leerstand OGC `GET /ogc/collections/vacancies/items?bbox=…&limit=2000` (anonymous)"
TIPG = "tipg `GET /collections/public.vacancy/items?bbox=…&limit=2000` (same vacancy columns)"
FLOOR = ("SQL floor: PostgreSQL builds the map API's FeatureCollection in one SELECT "
         "(pgbench `-M prepared`, tps)")
SLUGS = {MAP_API: "map-api", OGC: "ogc", TIPG: "tipg"}  # names of the raw wrk outputs


def viewport_urls() -> dict[str, str]:
    return {
        MAP_API: f"http://127.0.0.1:{APP_PORT}/api/v1/vacancies?bbox={BBOX_PARAM}&limit=2000",
        OGC: f"http://127.0.0.1:{APP_PORT}/ogc/collections/vacancies/items"
             f"?bbox={BBOX_PARAM}&limit=2000",
        TIPG: f"http://127.0.0.1:{TIPG_PORT}/collections/public.vacancy/items?bbox={BBOX_PARAM}"
              f"&limit=2000&geom-column=location&properties={quote(TIPG_PROPERTIES)}",
    }


def floor_sql() -> str:
    """What the map API returns to an anonymous caller for the bbox (the features and their
    properties, `scores` nested, `stale`), as one plain SELECT with the published-statuses
    filter: no count, no paging, no private fields. :minx … are pgbench variables."""
    public = ", ".join(f"'{name}', v.{name}" for name in PUBLIC_FIELDS)
    statuses = ", ".join(f"'{s.value}'" for s in sorted(PUBLIC_STATUSES))
    return f"""SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(
    json_build_object('type', 'Feature', 'id', v.id,
        'geometry', ST_AsGeoJSON(v.location, 7)::json,
        'properties', json_build_object('municipality', m.ags, {public},
            'footprint', ST_AsGeoJSON(v.footprint, 7)::json, 'verified_at', v.verified_at,
            'stale', v.verified_at IS NULL
                     OR v.verified_at < now() - make_interval(days => m.stale_after_days),
            'created_at', v.created_at, 'updated_at', v.updated_at, 'version', v.version,
            'scores', CASE WHEN s.vacancy_id IS NOT NULL THEN json_build_object(
                'interim', s.interim, 'permanent', s.permanent,
                'recommendation', s.recommendation, 'confidence', s.confidence,
                'profile_version', s.profile_version) END))
    ORDER BY v.id))
FROM vacancy v JOIN municipality m ON m.id = v.municipality_id
LEFT JOIN vacancy_score s ON s.vacancy_id = v.id
WHERE v.status IN ({statuses})
  AND v.location && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326);
"""


BBOX_VARS = dict(zip(("minx", "miny", "maxx", "maxy"), BBOX, strict=True))


def _floor_body(pg: EmbeddedPostgres) -> str:
    sql = floor_sql().rstrip().rstrip(";")
    for name in BBOX_VARS:
        sql = sql.replace(f":{name}", f"%({name})s")
    with psycopg.connect(libpq(pg)) as conn:
        return conn.execute(f"SELECT body::text FROM ({sql}) AS floor(body)", BBOX_VARS).fetchone()[0]


def _expected_count(pg: EmbeddedPostgres) -> int:
    """Published vacancies in the bbox, counted apart from every query that is measured."""
    with psycopg.connect(libpq(pg)) as conn:
        return conn.execute(
            "SELECT count(*) FROM vacancy WHERE status = ANY(%s) AND location && "
            "ST_MakeEnvelope(%s, %s, %s, %s, 4326)",
            ([s.value for s in PUBLIC_STATUSES], *BBOX)).fetchone()[0]


def _fetch(url: str, expected: int) -> tuple[dict, int]:
    """The body and its size as wrk gets it (no compression); fails unless 200 with every
    expected feature."""
    response = httpx.get(url, headers={"Accept-Encoding": "identity"}, timeout=60)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}: {response.text[:500]}")
    body = response.json()
    if len(body.get("features", [])) != expected:
        raise SystemExit(f"{url} returned {len(body.get('features', []))} features, "
                         f"expected {expected} (published vacancies in the bbox)")
    return body, len(response.content)


def _differences(api: list[dict], floor: list[dict]) -> list[str]:
    """Where the floor's features differ from the map API's (the same ids in the same order are
    required; differing fields are reported, since the floor then does different work)."""
    if [f["id"] for f in api] != [f["id"] for f in floor]:
        raise SystemExit("the SQL floor and the map API return different vacancies")
    notes, keys, values = [], set(), set()
    for ours, ref in zip(api, floor, strict=True):
        keys |= set(ours) ^ set(ref)
        keys |= {f"properties.{k}" for k in set(ours["properties"]) ^ set(ref["properties"])}
        values |= {k for k in ("type", "geometry") if ours.get(k) != ref.get(k)}
        values |= {f"properties.{k}" for k in set(ours["properties"]) & set(ref["properties"])
                   if ours["properties"][k] != ref["properties"][k]}
    if keys:
        notes.append(f"keys in only one of them: {', '.join(sorted(keys))}")
    if values:
        notes.append(f"values that differ: {', '.join(sorted(values))}")
    return notes


def parse_wrk(out: str) -> dict[str, float]:
    def ms(value: str) -> float:
        match = re.match(r"([\d.]+)(us|ms|s|m)$", value)
        if not match:  # e.g. -nan when no request completed
            return float("nan")
        number, unit = match.groups()
        return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]

    if "Non-2xx" in out:
        raise SystemExit(f"wrk got error responses:\n{out}")
    # the percentiles' own lines: "82.50%" in the thread stats must not pass for the p50
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1)),
            "p99": ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1)),
            "errors": "Socket errors" in out}


def run_wrk(name: str, url: str, conc: int, seconds: int) -> dict[str, float]:
    out = subprocess.run(["wrk", f"-t{min(conc, 2)}", f"-c{conc}", f"-d{seconds}s",
                          "--timeout", "30s", "--latency", url], capture_output=True, text=True,
                         check=True).stdout
    (DATA / f"wrk-{SLUGS[name]}-c{conc}.txt").write_text(out)  # raw, for checking
    return parse_wrk(out)


def pgbench_bin() -> str:
    bundled = find_pg_bin() / "pgbench"
    return str(bundled) if bundled.exists() else "pgbench"


def run_pgbench(pg: EmbeddedPostgres, script: Path, conc: int, seconds: int) -> dict[str, float]:
    """tps and latency of the floor script; p50/p99 from pgbench's per-transaction log."""
    prefix = DATA / f"pgbench-c{conc}"
    for old in DATA.glob(f"{prefix.name}.[0-9]*"):  # pgbench's logs: <prefix>.<pid>[.<thread>]
        old.unlink()
    result = subprocess.run(
        [pgbench_bin(), "-n", "-M", "prepared", "-f", str(script), "-c", str(conc),
         "-j", str(min(conc, 2)), "-T", str(seconds), "-l", f"--log-prefix={prefix}",
         "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres", "leerstand"],
        env={**os.environ, "PGPASSWORD": pg.password()}, capture_output=True, text=True)
    if result.returncode != 0 or "tps = " not in result.stdout:
        raise SystemExit(f"pgbench failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    (DATA / f"pgbench-floor-c{conc}.txt").write_text(result.stdout)  # raw, for checking
    # log line: client_id transaction_no latency_us script_no epoch_s epoch_us
    latencies = [int(line.split()[2]) / 1000 for log in DATA.glob(f"{prefix.name}.[0-9]*")
                 for line in log.read_text().splitlines()]
    percentiles = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"rps": float(re.search(r"tps = ([\d.]+)", result.stdout).group(1)),
            "p50": statistics.median(latencies), "p99": percentiles[98],
            "average": float(re.search(r"latency average = ([\d.]+) ms", result.stdout).group(1)),
            "transactions": len(latencies), "errors": False}


def bench_viewport(pg: EmbeddedPostgres, seconds: int) -> list[str]:
    expected = _expected_count(pg)
    floor_text = _floor_body(pg)
    floor = json.loads(floor_text)
    if len(floor["features"] or []) != expected:
        raise SystemExit(f"the SQL floor built {len(floor['features'] or [])} features, "
                         f"expected {expected}")
    urls = viewport_urls()
    sizes = {FLOOR: len(floor_text.encode())}
    for name, url in urls.items():
        body, sizes[name] = _fetch(url, expected)
        if name == MAP_API:
            differences = _differences(body["features"], floor["features"])
    script = DATA / "viewport-floor.sql"
    script.write_text("".join(f"\\set {k} {v}\n" for k, v in BBOX_VARS.items()) + floor_sql())
    for url in urls.values():  # warm up connections and caches
        for _ in range(20):
            httpx.get(url, timeout=60)
    run_pgbench(pg, script, 1, 2)
    results: dict[tuple[str, int], dict[str, float]] = {}
    for conc in (1, 8):  # all four side by side at one concurrency, then the next
        results[FLOOR, conc] = run_pgbench(pg, script, conc, seconds)
        for name, url in urls.items():
            results[name, conc] = run_wrk(name, url, conc, seconds)
    return _viewport_table(results, sizes, expected, differences)


def _viewport_table(results: dict[tuple[str, int], dict[str, float]], sizes: dict[str, int],
                    expected: int, differences: list[str]) -> list[str]:
    lines = ["| endpoint measured | features | bytes | concurrency | req/s | p50 ms | p99 ms "
             "| × floor (floor req/s ÷ req/s) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name in (FLOOR, MAP_API, OGC, TIPG):
        for conc in (1, 8):
            r, floor = results[name, conc], results[FLOOR, conc]
            lines.append(f"| {name} | {expected} | {sizes[name]} | {conc} | {r['rps']:.1f} | "
                         f"{r['p50']:.1f} | {r['p99']:.1f} | {floor['rps'] / r['rps']:.2f} |"
                         + (" socket errors!" if r["errors"] else ""))
    ratio = {c: results[OGC, c]["rps"] / results[MAP_API, c]["rps"] for c in (1, 8)}
    lines += [
        "",
        "Cost as a multiple of the SQL floor (floor req/s ÷ endpoint req/s): "
        + "; ".join(f"{label} **{results[FLOOR, 1]['rps'] / results[name, 1]['rps']:.2f}×** at "
                    f"concurrency 1, **{results[FLOOR, 8]['rps'] / results[name, 8]['rps']:.2f}×** "
                    f"at 8" for label, name in (("map API", MAP_API), ("OGC", OGC),
                                                ("tipg", TIPG))) + ".",
        f"Map API vs OGC (OGC req/s ÷ map API req/s; above 1 = the map API is slower): "
        f"**{ratio[1]:.2f}×** at concurrency 1, **{ratio[8]:.2f}×** at 8.",
        f"pgbench (floor): tps {results[FLOOR, 1]['rps']:.1f} / {results[FLOOR, 8]['rps']:.1f}, "
        f"latency average {results[FLOOR, 1]['average']:.1f} / {results[FLOOR, 8]['average']:.1f} "
        f"ms at concurrency 1 / 8 ({results[FLOOR, 1]['transactions']} / "
        f"{results[FLOOR, 8]['transactions']} transactions; p50/p99 from its per-transaction "
        f"log). Bytes: the uncompressed response body (for the floor, the JSON text PostgreSQL "
        f"returns). Every endpoint was checked first to answer 200 with all {expected} published "
        f"vacancies in the bbox.",
        "Floor vs map API output: " + ("the same features, properties and values."
                                       if not differences else
                                       "the same vacancies, but " + "; ".join(differences) + "."),
    ]
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


def command_line() -> str:
    """This run's command as typed from the repository root (no machine paths)."""
    env = " ".join(f"{name}=…" if name == "BENCH_DATA" else f"{name}={os.environ[name]}"
                   for name in ("BENCH_DATA", "BENCH_PG_PORT") if name in os.environ)
    return " ".join(filter(None, [env, "PYTHONPATH=$PWD .venv/bin/python bench/exchange/run.py",
                                  *sys.argv[1:]]))


def add_results(section: str) -> Path:
    """The newest run goes on top of results.md, under its title; earlier runs stay below."""
    target = HERE / "results.md"
    title = "# Exchange benchmark results"
    earlier = target.read_text().removeprefix(title).strip() if target.exists() else ""
    target.write_text(f"{title}\n\n{section.strip()}\n" + (f"\n---\n\n{earlier}\n" if earlier else ""))
    return target


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15,
                        help="duration of each wrk and pgbench run (viewport part)")
    parser.add_argument("--only", choices=["viewport", "export", "import"])
    parser.add_argument("--stop", action="store_true", help="stop the benchmark cluster and exit")
    args = parser.parse_args()
    if args.stop:
        EmbeddedPostgres(DATA, PG_PORT, find_pg_bin()).stop()
        return 0
    pg = cluster()
    prepare(pg.url())
    load_before = os.getloadavg()
    started = time.gmtime()
    sections = []
    if args.only != "import":  # the import part needs no HTTP servers
        ours, tipg = servers(pg)
        try:
            if args.only in (None, "viewport"):
                sections += ["### (a) Viewport request, Jena centre bbox", "",
                             *bench_viewport(pg, args.seconds), ""]
            if args.only in (None, "export"):
                sections += ["### (b) Full GeoJSON export", "", *bench_export(pg), ""]
        finally:
            ours.terminate()
            tipg.terminate()
            ours.wait()
            tipg.wait()
    if args.only in (None, "import"):
        sections += ["### (c) Import", "", *bench_import(pg), ""]
    versions = subprocess.run([PY, "-c", "import tipg, fastapi, pyogrio; print(tipg.__version__, "
                               "fastapi.__version__, pyogrio.__gdal_version_string__)"],
                              capture_output=True, text=True).stdout.split()
    ogr_version = subprocess.run(["ogr2ogr", "--version"], capture_output=True, text=True).stdout
    with psycopg.connect(libpq(pg)) as conn:
        pg_version = conn.execute("SELECT current_setting('server_version'), "
                                  "postgis_lib_version()").fetchone()
    head = [
        f"## Run of {time.strftime('%Y-%m-%d %H:%M UTC', started)}: "
        + (f"part {args.only}" if args.only else "all parts"), "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M', started)}–"
        f"{time.strftime('%H:%M UTC', time.gmtime())}",
        f"- machine: {os.cpu_count()} CPUs (nproc), shared with other jobs; load average before: "
        f"{', '.join(f'{v:.2f}' for v in load_before)}, after: "
        f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}",
        f"- PostgreSQL {pg_version[0]} / PostGIS {pg_version[1]} embedded cluster on "
        f"127.0.0.1:{PG_PORT}; one uvicorn worker each for Leerstand and tipg "
        f"{versions[0] if versions else '?'} (FastAPI {versions[1] if len(versions) > 1 else '?'})"
        f"; {ogr_version.strip()}; wrk and pgbench on the same machine",
        f"- table: ~{TOTAL:,} vacancies over 849 municipalities (all scored), ~1,500 of them in a "
        f"box in Jena's centre; viewport bbox {BBOX}",
        f"- command: `{command_line()}`", "",
    ]
    result = "\n".join(head + sections)
    print(result)
    print(f"added to {add_results(result)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
