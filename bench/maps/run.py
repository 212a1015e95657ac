"""Benchmark: the public map of a town with 10,000 vacancies in headless Chromium.

Measures, over several cold page loads (fresh browser context each):
  * time from navigation start to the first markers handed to the map
    (performance mark ``leerstand:first-markers`` set by static/app/map-common.js) and to the
    first marker/cluster element in the DOM (wall clock, Playwright);
  * time until all 10,000 vacancies are in the layer;
  * page weight before data: the HTML, JS and CSS the browser fetched (API and tiles excluded).
Reference in the same run: the naive folium page with the 10,000 vacancies inlined as a GeoJson
layer (``folium.GeoJson``, one marker each) - what "inlining the register" would cost.

    PYTHONPATH=$PWD .venv/bin/python bench/maps/run.py [--runs 5] [--out bench/maps/results.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import threading
import time
from pathlib import Path

import folium
import uvicorn
from fastapi.responses import HTMLResponse
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import migrate
from app.config import Settings
from app.database import make_engine
from app.embedded import EmbeddedPostgres, find_pg_bin
from app.main import create_app
from app.maps.offline import OfflineMap
from app.municipalities import boundary_import
from tests.helpers.browser import CHROMIUM, CHROMIUM_ARGS
from tests.helpers.server import free_port

JENA = "16053000"
COUNT = 10_000
STATUSES = ["vacant", "vacant", "vacant", "threatened", "interim_use", "reused"]


def seed(url: str) -> None:
    """10,000 vacancies at random points within 2 km of Jena's centre, inside the town."""
    migrate.upgrade(url)
    with Session(make_engine(url)) as session, session.begin():
        boundary_import.import_boundaries(session=session)
        session.execute(text("""
            INSERT INTO vacancy (municipality_id, location, street, house_number, floor_area_m2,
                                 floor, status, former_use, description, owner_contact, source)
            SELECT m.id, ST_SetSRID((dp).geom, 4326), 'Benchstraße', ((dp).path[1] % 90 + 1)::text,
                   40 + ((dp).path[1] % 300), 'ground', (CAST(:statuses AS text[]))[1 + (dp).path[1] % 6],
                   'Einzelhandel', 'Bench-Datensatz ' || (dp).path[1], 'privat@example.invalid',
                   'bench'
            FROM municipality m,
                 LATERAL ST_Dump(ST_GeneratePoints(ST_Intersection(m.boundary, ST_Transform(
                     ST_Buffer(ST_Transform(m.centre, 25832), 2000), 4326)), :count, 42)) dp
            WHERE m.ags = :ags
        """), {"ags": JENA, "count": COUNT, "statuses": STATUSES})


def reference_html(url: str) -> str:
    """The naive page: folium with every vacancy inlined (no CDN either, to compare fairly)."""
    with Session(make_engine(url)) as session:
        features = session.execute(text("""
            SELECT json_agg(json_build_object('type', 'Feature', 'geometry',
                   ST_AsGeoJSON(v.location, 7)::json, 'properties',
                   json_build_object('street', v.street, 'house_number', v.house_number,
                                     'status', v.status)))
            FROM vacancy v JOIN municipality m ON m.id = v.municipality_id WHERE m.ags = :ags
        """), {"ags": JENA}).scalar_one()
    fmap = OfflineMap(location=[50.93, 11.59], zoom_start=14, tiles=None)
    folium.GeoJson({"type": "FeatureCollection", "features": features}).add_to(fmap)
    return fmap.get_root().render()


def serve(settings: Settings, reference: str) -> tuple[str, uvicorn.Server]:
    app = create_app(settings)
    app.add_api_route("/bench/inline", lambda: HTMLResponse(reference), include_in_schema=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def measure(browser, url: str, *, ours: bool) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.route("**/*", lambda r: r.abort() if not r.request.url.startswith("http://127.0.0.1")
               else r.continue_())
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector(".vac-marker, .marker-cluster" if ours else ".leaflet-marker-icon",
                           timeout=120_000)
    first_dom = (time.perf_counter() - start) * 1000
    result = {"first_dom_ms": first_dom}
    if ours:
        result["first_mark_ms"] = page.evaluate(
            "performance.getEntriesByName('leerstand:first-markers')[0].startTime")
        page.wait_for_function(f"window.leerstandLayer.markers.size >= {COUNT}", timeout=120_000)
        result["all_in_layer_ms"] = page.evaluate("performance.now()")
    page.wait_for_load_state("load")
    result.update(page_weight(page))
    context.close()
    return result


def page_weight(page) -> dict[str, float]:
    """kB of HTML, JS and CSS as the browser decoded them (no compression here), data excluded."""
    return page.evaluate("""() => {
        const kb = {html_kb: performance.getEntriesByType("navigation")[0].decodedBodySize / 1024,
                    js_kb: 0, css_kb: 0};
        for (const e of performance.getEntriesByType("resource")) {
            if (e.name.includes("/api/")) continue;
            if (e.name.endsWith(".js")) kb.js_kb += e.decodedBodySize / 1024;
            else if (e.name.endsWith(".css")) kb.css_kb += e.decodedBodySize / 1024;
        }
        return kb;
    }""")


def summarise(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in rows) for key in rows[0]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.md"))
    args = parser.parse_args()
    load_before = os.getloadavg()

    cluster = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="leerstand-bench-")), free_port(),
                               find_pg_bin())
    cluster.start("-c fsync=off -c synchronous_commit=off")
    try:
        url = cluster.url()
        seed(url)
        settings = Settings(_env_file=None, database_url=url, secret_key="bench-" + "x" * 40,
                            cookie_secure=False)
        base, server = serve(settings, reference_html(url))
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            print("warm-up", measure(browser, f"{base}/karte/{JENA}", ours=True))  # imports, PG caches
            ours = [measure(browser, f"{base}/karte/{JENA}", ours=True) for _ in range(args.runs)]
            naive = [measure(browser, f"{base}/bench/inline", ours=False) for _ in range(args.runs)]
            browser.close()
        server.should_exit = True
    finally:
        cluster.destroy()
    report(args.out, args.runs, summarise(ours), summarise(naive), ours, load_before)


def report(out: Path, runs: int, ours: dict, naive: dict, raw: list[dict], before) -> None:
    load = os.getloadavg()
    weight = lambda r: r["html_kb"] + r["js_kb"]  # noqa: E731
    lines = [
        "# Benchmark: public map with 10,000 vacancies (bench/maps/run.py)", "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores (nproc), {platform.platform()}",
        f"- load average (1/5/15 min) before: {before[0]:.2f} {before[1]:.2f} {before[2]:.2f}, "
        f"after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (machine shared with other jobs)",
        "- browser: Debian Chromium, headless, 1280×900, cold context per run; tiles aborted",
        f"- command: `PYTHONPATH=$PWD .venv/bin/python bench/maps/run.py --runs {runs}`",
        f"- medians of {runs} runs", "",
        "| page | first markers (perf. mark) | first marker in DOM (wall) | all 10,000 in layer "
        "| HTML + JS before data | + CSS |",
        "|---|---|---|---|---|---|",
        f"| /karte/{JENA} (viewport loading, clustered) | {ours['first_mark_ms']:.0f} ms "
        f"| {ours['first_dom_ms']:.0f} ms | {ours['all_in_layer_ms']:.0f} ms "
        f"| {weight(ours):.0f} kB | {weight(ours) + ours['css_kb']:.0f} kB |",
        f"| reference: folium page with the register inlined (GeoJson, no clustering) | – "
        f"| {naive['first_dom_ms']:.0f} ms | (same) | {weight(naive):.0f} kB "
        f"| {weight(naive) + naive['css_kb']:.0f} kB |",
        "", "Target: ≤ 2 s to first markers, < 500 kB HTML+JS before data.", "",
        "<details><summary>raw runs (ours)</summary>", "", "```json", json.dumps(raw, indent=1),
        "```", "</details>", "",
    ]
    out.write_text("\n".join(lines))
    print("\n".join(lines[:17]))


if __name__ == "__main__":
    main()
