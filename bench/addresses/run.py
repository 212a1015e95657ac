"""Address search benchmark: the fuzzy search (pg_trgm, app.addresses.service.search) against a
plain ``street ILIKE '%…%'`` query, in the same run on the same table.

Data: 20,000 generated addresses in Jena (800 streets x 25 house numbers) plus 80,000 in 20
other Thuringian towns with the same street names (every town has its Bahnhofstraße), so the
town filter has work to do. Queries: street + number as people type them, half with a typo or a
variant spelling (str., ss for ß, ue for ü). Each query runs in its own transaction, as a request
does; timings include normalising the query in Python.

Usage, from the repository root:
    PYTHONPATH=$PWD .venv/bin/python bench/addresses/run.py [--rounds 20]
Starts a throwaway embedded cluster (or uses LEERSTAND_DATABASE_URL). Prints a table; the
results of a run are in bench/addresses/results.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from app import migrate
from app.addresses import importer, service
from app.database import make_engine
from app.municipalities import boundary_import
from app.municipalities.models import Municipality

JENA = "16053000"
ROOTS = ("Goethe", "Schiller", "Bahnhof", "Berg", "Wiesen", "Linden", "Garten", "Kirch", "Brühl",
         "Mühl", "Schul", "Wald", "Rosen", "Tal", "Burg", "Markt", "Post", "Feld", "Brunnen",
         "Kloster", "Sonnen", "Birken", "Eichen", "Ahorn", "Buchen", "Löwen", "Rathaus", "Hof",
         "Teich", "Anger", "Grüne", "Bach", "Weinberg", "Ufer", "Tor", "Zeppelin", "Fröbel",
         "Käthe-Kollwitz-", "Humboldt", "Lessing")
SUFFIXES = ("straße", "weg", "gasse", "platz", "ring")
PREFIXES = ("", "Alte ", "Neue ", "Obere ")
NUMBERS = 25
TARGET_MS = 50


def _streets() -> list[str]:
    names = [f"{p}{r}{s}" for p in PREFIXES for r in ROOTS for s in SUFFIXES]
    return sorted(names)[:800]


def _generate(session: Session) -> dict[str, int]:
    boundary_import.import_boundaries(session=session)
    towns = session.query(Municipality).order_by(Municipality.population.desc().nulls_last())
    jena = next(t for t in towns if t.ags == JENA)
    others = [t for t in towns if t.ags != JENA][:20]
    rng = random.Random(7)
    counts = {}
    for town, streets in [(jena, _streets())] + [(t, _streets()[:160]) for t in others]:
        rows = [importer.address_row(row=0, town=town, street=street, house_number=str(n),
                                     postcode="07743", lon=11.59 + rng.uniform(-0.04, 0.04),
                                     lat=50.93 + rng.uniform(-0.025, 0.025))
                for street in streets for n in range(1, NUMBERS + 1)]
        counts[town.ags] = importer.store(session=session, rows=rows, source="bench")[0]
    return counts


def _queries(rng: random.Random) -> list[tuple[str, str]]:
    """(what the person typed, the street meant)."""
    out = []
    for street in rng.sample(_streets(), 20):
        typed = street
        kind = rng.choice(("exact", "str.", "typo", "ascii"))
        if kind == "str.":
            typed = street.replace("straße", "str.")
        elif kind == "typo":
            i = rng.randrange(2, len(street) - 2)
            typed = street[:i] + street[i + 1:]
        elif kind == "ascii":
            typed = street.replace("ü", "ue").replace("ö", "oe").replace("ß", "ss")
        out.append((f"{typed} {rng.randint(1, NUMBERS)}", street))
    return out


def _ilike(session: Session, q: str, town_id: int) -> list[str]:
    words = " ".join(t for t in q.split() if not t.isdigit())
    return session.execute(text(
        "SELECT street FROM address WHERE municipality_id = :town AND street ILIKE :pattern "
        "ORDER BY street, house_number LIMIT 10"),
        {"town": town_id, "pattern": f"%{words}%"}).scalars().all()


def _fuzzy(session: Session, q: str, town_id: int) -> list[str]:
    found = service.search(session=session, q=q, ags=JENA, limit=10)
    return [f["properties"]["street"] for f in found["features"]]


def _nearest(session: Session, q: str, town_id: int) -> list[str]:
    found = service.nearest(session=session, lon=11.59, lat=50.93, ags=JENA, max_distance_m=100)
    return [found["properties"]["street"]]


def _measure(engine, fn, queries, town_id, rounds) -> tuple[list[float], int]:
    times, hits = [], 0
    for _ in range(rounds):
        for typed, meant in queries:
            with Session(engine) as session:
                start = time.perf_counter()
                found = fn(session, typed, town_id)
                times.append((time.perf_counter() - start) * 1000)
                session.rollback()
            hits += bool(found) and found[0] == meant
    return times, hits // rounds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--port", type=int, default=55877)
    args = parser.parse_args()
    url, cluster = os.environ.get("LEERSTAND_DATABASE_URL"), None
    if not url:
        from app.embedded import EmbeddedPostgres, find_pg_bin

        cluster = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="bench-addresses-")), args.port,
                                   find_pg_bin())
        cluster.start()
        url = cluster.url()
    try:
        migrate.upgrade(url)
        engine = make_engine(url)
        start = time.perf_counter()
        with Session(engine) as session, session.begin():
            counts = _generate(session)
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        setup_s = time.perf_counter() - start
        with Session(engine) as session:
            town_id = session.scalar(text("SELECT id FROM municipality WHERE ags = :a"),
                                     {"a": JENA})
        queries = _queries(random.Random(11))
        load = os.getloadavg()
        print(f"machine: {platform.machine()}, nproc {os.cpu_count()}, python "
              f"{sys.version.split()[0]}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        print(f"data: {sum(counts.values())} addresses, {counts[JENA]} in Jena; "
              f"setup {setup_s:.1f} s; {len(queries)} queries x {args.rounds} rounds")
        print(f"{'method':<22} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} "
              f"{'right street first':>19}")
        for name, fn in (("fuzzy search (pg_trgm)", _fuzzy), ("ILIKE '%…%'", _ilike),
                         ("nearest (KNN)", _nearest)):
            _measure(engine, fn, queries[:3], town_id, 1)  # warm the cache
            times, hits = _measure(engine, fn, queries, town_id, args.rounds)
            times.sort()
            hit = "-" if fn is _nearest else f"{hits}/{len(queries)}"
            print(f"{name:<22} {statistics.median(times):>10.1f} "
                  f"{times[int(len(times) * 0.95)]:>8.1f} {times[-1]:>8.1f} {hit:>19}")
        print(f"target: search < {TARGET_MS} ms for a town of 20,000 addresses")
        engine.dispose()
    finally:
        if cluster is not None:
            cluster.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
