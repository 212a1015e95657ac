"""A citizen peak after a newspaper article, against `leerstand serve --workers 2`, then again
with a streaming replica taking the reads (LEERSTAND_READ_DATABASE_URL).

For SECONDS (default 60), at the same time:
  * 150 connections of map visitors asking viewports of Jena's centre
    (GET /api/v1/vacancies?bbox=…, wrk);
  * 30 connections opening popups (GET /api/v1/vacancies/{id}, wrk);
  * 20 connections reading score breakdowns (GET /api/v1/vacancies/{id}/score, wrk);
  * 5 citizen reports a second, each from its own address (POST /api/v1/reports, through the
    trusted proxy 127.0.0.1 with X-Forwarded-For, as behind nginx);
  * one staff member editing a vacancy a second (GET, then PATCH with If-Match).
Per kind: requests, req/s, p50, p99, errors (non-2xx, socket errors, timeouts); afterwards every
201 report is looked up in the database: stored exactly once. Loopback only; stops by itself.

Data: the demo (3 towns) plus 3,000 vacancies within 2 km of Jena's centre, scored.

    PYTHONPATH=$PWD .venv/bin/python bench/load/run.py [--seconds 60] [--out bench/load/results.md]

Needs PostgreSQL + PostGIS and wrk (apt-get install wrk). Adds its results at the top of
bench/load/results.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import demo, migrate
from app.accounts import service as accounts
from app.accounts.models import User
from app.database import make_engine
from app.embedded import EmbeddedPostgres, find_pg_bin
from app.municipalities import boundary_import
from app.scoring import service as scoring_service
from tests.helpers.postgres import start_replica
from tests.helpers.server import free_port

JENA = "16053000"
JENA_CENTRE = (11.5885, 50.9285)
EXTRA = 3_000
SECRET = "load-bench-secret-" + "x" * 40
STATUSES = ["vacant", "vacant", "vacant", "threatened", "interim_use", "reused"]
MARKER = "Lastprobe"  # with the phase, in every report's description, to find them afterwards
WRK_TIMEOUT = "10s"


def seed(url: str) -> tuple[list[int], str]:
    """Boundaries, the demo, 3,000 extra vacancies in Jena, scores; returns the public vacancy
    ids of Jena and an API token of Jena's demo staff member."""
    migrate.upgrade(url)
    with Session(make_engine(url)) as session, session.begin():
        boundary_import.import_boundaries(session=session)
        demo.load(session=session, password="load-bench-password")
        session.execute(text("""
            INSERT INTO vacancy (municipality_id, location, street, house_number, floor_area_m2,
                                 floor, status, former_use, description, owner_contact, source)
            SELECT m.id, ST_SetSRID((dp).geom, 4326), 'Lastgasse', ((dp).path[1] % 90 + 1)::text,
                   40 + ((dp).path[1] % 300), 'ground',
                   (CAST(:statuses AS text[]))[1 + (dp).path[1] % 6], 'Einzelhandel',
                   'Lastprobe-Datensatz ' || (dp).path[1], 'privat@example.invalid', 'bench'
            FROM municipality m,
                 LATERAL ST_Dump(ST_GeneratePoints(ST_Intersection(m.boundary, ST_Transform(
                     ST_Buffer(ST_Transform(m.centre, 25832), 2000), 4326)), :count, 7)) dp
            WHERE m.ags = :ags
        """), {"ags": JENA, "count": EXTRA, "statuses": STATUSES})
        scoring_service.rescore_all(session=session, agss=[JENA])
        ids = list(session.scalars(text("""
            SELECT v.id FROM vacancy v JOIN municipality m ON m.id = v.municipality_id
            WHERE m.ags = :ags AND v.status IN ('vacant', 'threatened', 'interim_use', 'reused')
            ORDER BY v.id"""), {"ags": JENA}))
        staff = session.scalars(text("SELECT id FROM app_user WHERE email = 'jena@demo.invalid'")).one()
        token = accounts.create_token(session=session, user=session.get(User, staff))
    make_engine(url).dispose()
    return ids, token


def viewports(count: int = 40) -> list[str]:
    """Map viewports of a phone around Jena's centre (~600 m × 900 m), shifted at random."""
    rng = random.Random(1)
    paths = []
    for _ in range(count):
        lon = JENA_CENTRE[0] + rng.uniform(-0.008, 0.008)
        lat = JENA_CENTRE[1] + rng.uniform(-0.005, 0.005)
        bbox = f"{lon - 0.0045:.5f},{lat - 0.004:.5f},{lon + 0.0045:.5f},{lat + 0.004:.5f}"
        paths.append(f"/api/v1/vacancies?bbox={bbox}&limit=2000")
    return paths


def wrk_script(paths: list[str], folder: Path, name: str) -> Path:
    """A wrk Lua script that walks through ``paths`` round-robin."""
    body = ",\n".join(f'  "{p}"' for p in paths)
    script = folder / f"{name}.lua"
    script.write_text(f"""paths = {{
{body}
}}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
response = function(status, headers, body)
  if status ~= 200 then io.write("status " .. status .. "\n") end
end
""")
    return script


@dataclass
class Kind:
    name: str
    endpoint: str
    requests: int = 0
    seconds: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)  # of the errors

    def row(self) -> str:
        rate = self.requests / self.seconds if self.seconds else 0.0
        which = ", ".join(f"{n}× {status}" for status, n in sorted(self.statuses.items()))
        return (f"| {self.name} | `{self.endpoint}` | {self.requests:,} | {rate:,.1f} | "
                f"{self.p50_ms:,.0f} | {self.p99_ms:,.0f} | {self.errors}"
                f"{f' ({which})' if which else ''} |")


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def parse_wrk(output: str, kind: Kind, seconds: float) -> None:
    kind.seconds = seconds
    kind.requests = int(re.search(r"(\d+) requests in", output).group(1))
    for percent, attr in (("50", "p50_ms"), ("99", "p99_ms")):
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
        setattr(kind, attr, _ms(*match.groups()))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    kind.errors = (sum(int(n) for n in errors.groups()) if errors else 0) + (
        int(non_2xx.group(1)) if non_2xx else 0)
    for status in re.findall(r"^status (\d+)$", output, re.M):
        kind.statuses[status] = kind.statuses.get(status, 0) + 1


def start_wrk(url: str, script: Path, connections: int, seconds: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", WRK_TIMEOUT,
         "-s", str(script), url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _paced(rate: float, seconds: int, send) -> tuple[int, float]:
    """Calls ``send(i)`` ``rate`` times a second for ``seconds``, each in a thread of a pool,
    whether or not earlier calls have been answered (people do not wait for each other)."""
    from concurrent.futures import ThreadPoolExecutor

    start = time.monotonic()
    sent = 0
    with ThreadPoolExecutor(max_workers=64) as pool:
        while time.monotonic() - start < seconds:
            pool.submit(send, sent)
            sent += 1
            time.sleep(max(0.0, start + sent / rate - time.monotonic()))
    return sent, time.monotonic() - start


def citizen_reports(url: str, seconds: int, kind: Kind, created: list[int], tag: str) -> None:
    """5 reports a second, each from another (documentation-range) address."""
    client = httpx.Client(base_url=url, timeout=30, limits=httpx.Limits(max_connections=64))

    def send(i: int) -> None:
        rng = random.Random(i)
        lon = JENA_CENTRE[0] + rng.uniform(-0.003, 0.003)
        lat = JENA_CENTRE[1] + rng.uniform(-0.002, 0.002)
        body = {"location": {"type": "Point", "coordinates": [lon, lat]},
                "address": f"Johannisstraße {i % 90 + 1}",
                "description": f"{tag} {i}: Schaufenster leer, Zettel an der Tür"}
        address = f"198.51.{i // 250 % 250}.{i % 250 + 1}"
        _timed(kind, lambda: client.post("/api/v1/reports", json=body,
                                         headers={"X-Forwarded-For": address}),
               201, lambda response: created.append(response.json()["id"]))

    with client:
        kind.requests, kind.seconds = _paced(5, seconds, send)


def staff_edits(url: str, token: str, ids: list[int], seconds: int, kind: Kind) -> None:
    """A staff member correcting floor areas once a second: GET (for the ETag), then PATCH."""
    client = httpx.Client(base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"})

    def send(i: int) -> None:
        rng = random.Random(i)
        vacancy = ids[i % len(ids)]

        def edit() -> httpx.Response:
            current = client.get(f"/api/v1/vacancies/{vacancy}")
            if current.status_code != 200:
                return current
            return client.patch(f"/api/v1/vacancies/{vacancy}",
                                headers={"If-Match": current.headers["etag"]},
                                json={"properties": {"floor_area_m2": rng.randint(30, 400)}})

        _timed(kind, edit, 200, lambda response: None)

    with client:
        kind.requests, kind.seconds = _paced(1, seconds, send)


_lock = threading.Lock()


def _timed(kind: Kind, call, expected: int, on_success) -> None:
    begin = time.perf_counter()
    try:
        response = call()
    except httpx.HTTPError as error:
        status = type(error).__name__
    else:
        status = str(response.status_code)
    with _lock:
        kind.latencies.append((time.perf_counter() - begin) * 1000)
        if status == str(expected):
            on_success(response)
        else:
            kind.errors += 1
            kind.statuses[status] = kind.statuses.get(status, 0) + 1


def percentiles(kind: Kind) -> None:
    if len(kind.latencies) >= 2:
        cuts = statistics.quantiles(kind.latencies, n=100)
        kind.p50_ms, kind.p99_ms = statistics.median(kind.latencies), cuts[98]


def serve(url: str, port: int, workdir: Path, read_url: str | None) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEERSTAND_")}
    env.update(LEERSTAND_DATABASE_URL=url, LEERSTAND_SECRET_KEY=SECRET,
               LEERSTAND_TRUSTED_PROXIES="127.0.0.1", LEERSTAND_LOG_LEVEL="WARNING",
               LEERSTAND_COOKIE_SECURE="false")
    if read_url:
        env["LEERSTAND_READ_DATABASE_URL"] = read_url
    log = (workdir / f"serve-{port}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--no-migrate", "--workers", "2",
         "--port", str(port)], cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"serve did not start: {(workdir / f'serve-{port}.log').read_text()}")
        time.sleep(0.3)


def stored_once(url: str, created: list[int], tag: str) -> tuple[int, int]:
    """(reports of this phase in the database, of them the ones answered 201)."""
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        rows = conn.execute("SELECT id FROM vacancy WHERE description LIKE %s",
                            (f"{tag} %",)).fetchall()
    stored = [row[0] for row in rows]
    assert len(set(created)) == len(created), "the same id answered twice"
    return len(stored), len(set(stored) & set(created))


def phase(label: str, db_url: str, read_url: str | None, ids: list[int], token: str,
          seconds: int, workdir: Path) -> tuple[str, list[Kind], tuple[int, int, int]]:
    port = free_port()
    tag = f"{MARKER}-{port}"  # this phase's reports
    process = serve(db_url, port, workdir, read_url)
    base = f"http://127.0.0.1:{port}"
    rng = random.Random(4)
    popup_ids = rng.sample(ids, min(200, len(ids)))
    scripts = {
        "map viewports": (wrk_script(viewports(), workdir, "viewport"), 150,
                          "GET /api/v1/vacancies?bbox=…"),
        "popups": (wrk_script([f"/api/v1/vacancies/{i}" for i in popup_ids], workdir, "popup"),
                   30, "GET /api/v1/vacancies/{id}"),
        "score breakdowns": (wrk_script([f"/api/v1/vacancies/{i}/score" for i in popup_ids],
                                        workdir, "score"), 20, "GET /api/v1/vacancies/{id}/score"),
    }
    try:
        started = time.monotonic()
        runs = {name: start_wrk(base, script, connections, seconds)
                for name, (script, connections, _) in scripts.items()}
        reports = Kind("citizen reports (5/s)", "POST /api/v1/reports")
        edits = Kind("staff edits (1/s)", "GET + PATCH /api/v1/vacancies/{id}")
        created: list[int] = []
        threads = [threading.Thread(target=citizen_reports, args=(base, seconds, reports, created, tag)),
                   threading.Thread(target=staff_edits, args=(base, token, ids, seconds, edits))]
        for thread in threads:
            thread.start()
        kinds = []
        for name, run in runs.items():
            output = run.communicate(timeout=seconds + 120)[0]
            kind = Kind(name, scripts[name][2])
            parse_wrk(output, kind, seconds)
            kinds.append(kind)
        for thread in threads:
            thread.join(timeout=seconds + 60)
        elapsed = time.monotonic() - started
        for kind in (reports, edits):
            percentiles(kind)
            kinds.append(kind)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    stored, matched = stored_once(db_url, created, tag)
    print(f"{label}: {elapsed:.0f} s, {sum(k.requests for k in kinds):,} requests")
    return label, kinds, (len(created), stored, matched)


def table(label: str, kinds: list[Kind], reports: tuple[int, int, int], seconds: int) -> str:
    created, stored, matched = reports
    total = sum(k.requests for k in kinds)
    lines = [f"**{label}** — {total:,} requests in {seconds} s ({total / seconds:,.0f} req/s), "
             f"{sum(k.errors for k in kinds)} errors",
             "",
             "| kind | endpoint | requests | req/s | p50 ms | p99 ms | errors |",
             "|---|---|---:|---:|---:|---:|---:|",
             *(k.row() for k in kinds),
             "",
             f"Reports answered 201: {created}; in the database afterwards: {stored}, of them "
             f"matching a 201 id: {matched} "
             f"({'each stored exactly once' if created == stored == matched else 'MISMATCH'}).",
             ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.md"))
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    load_before = os.getloadavg()
    home = Path(tempfile.mkdtemp(prefix="leerstand-load-"))
    home.chmod(0o711)
    primary = EmbeddedPostgres(home / "primary", free_port(), find_pg_bin())
    primary.start()
    replica = None
    try:
        url = primary.url()
        ids, token = seed(url)
        results = [phase("serve --workers 2, one PostgreSQL", url, None, ids, token,
                         args.seconds, home)]
        replica = start_replica(primary, home / "replica", free_port())
        time.sleep(2)  # let it catch up
        results.append(phase("serve --workers 2, reads from a streaming replica", url,
                             replica.url(), ids, token, args.seconds, home))
    finally:
        if replica is not None:
            replica.stop()
        primary.stop()
        shutil.rmtree(home, ignore_errors=True)
    header = (f"## {time.strftime('%Y-%m-%d %H:%M')} — {platform.processor() or platform.machine()}, "
              f"{os.cpu_count()} cores, Python {platform.python_version()}, "
              f"load average before {load_before[0]:.2f}\n\n"
              f"Command: `PYTHONPATH=$PWD .venv/bin/python bench/load/run.py --seconds "
              f"{args.seconds}`. Server, PostgreSQL, the replica and the load generators share the "
              f"machine's cores.\n\n")
    body = header + "\n".join(table(label, kinds, reports, args.seconds)
                              for label, kinds, reports in results)
    print(body)
    previous = args.out.read_text() if args.out.exists() else "# Citizen peak: results\n\n"
    title, _, rest = previous.partition("\n\n")
    args.out.write_text(f"{title}\n\n{body}\n{rest}")


if __name__ == "__main__":
    main()
