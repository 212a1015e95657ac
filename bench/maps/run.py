"""Benchmark: the public map of a town with 10,000 vacancies in headless Chromium, on a desktop
and on a phone (390×844, touch, CPU 4× slower through the DevTools protocol).

Measures, over several cold page loads (fresh browser context each) and a repeat visit:
  * time from navigation start to the first markers handed to the map
    (performance mark ``leerstand:first-markers`` set by static/app/map-common.js) and to the
    first animation frame with a marker/cluster element in the DOM (the page's clock);
  * when the first data request starts, and when all 10,000 vacancies are in the layer;
  * page weight before data: the HTML, JS and CSS transferred (gzipped, with headers) and
    decoded (API and tiles excluded); on the repeat visit, what still had to be transferred.
References in the same run: the same app without compression (phone), and the naive folium page
with the 10,000 vacancies inlined as a GeoJson layer (``folium.GeoJson``, one marker each).

    PYTHONPATH=$PWD .venv/bin/python bench/maps/run.py [--runs 3] [--out bench/maps/results.md]
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
from starlette.middleware.gzip import GZipMiddleware

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
PHONE = {"width": 390, "height": 844}
CPU_SLOWDOWN = 4
DEAD_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"
INLINE_CSP = {"Content-Security-Policy": "default-src 'self' 'unsafe-inline' data:"}
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
    with make_engine(url).connect() as conn:  # statistics, as autovacuum keeps them in service
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


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


def serve(settings: Settings, reference: str, *, gzip: bool = True) -> tuple[str, uvicorn.Server]:
    """The app on a port of its own; ``gzip=False`` is the reference without compression (the
    answers as they were before item 8; hashed URLs make no difference to a cold cache)."""
    app = create_app(settings)
    if not gzip:  # the middleware stack is built on the first request: not yet
        app.user_middleware = [m for m in app.user_middleware if m.cls is not GZipMiddleware]
    # folium's inline scripts carry no nonce: the reference brings a policy of its own
    app.add_api_route("/bench/inline", lambda: HTMLResponse(reference, headers=INLINE_CSP),
                      include_in_schema=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def open_context(browser, *, phone: bool):
    """A fresh context (cold cache); the phone: 390×844, touch, 4× slower CPU (DevTools)."""
    if not phone:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        return context, context.new_page()
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    page = context.new_page()
    context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    return context, page


def measure(browser, url: str, *, ours: bool, phone: bool = False) -> dict[str, float]:
    context, page = open_context(browser, phone=phone)
    result = load(page, url, ours=ours)
    if ours:  # a second visit in the same browser: the hashed files come from its cache
        again = load(page, url, ours=ours)
        result["repeat_transfer_kb"] = again["transfer_kb"]
        result["repeat_first_mark_ms"] = again["first_mark_ms"]
    context.close()
    return result


# resolves with the page's clock (ms since navigation start) at the first animation frame that
# finds a marker or cluster in the DOM. Through the DevTools protocol, not Playwright's selector
# waits: their engine, injected into the page as it starts, cost the throttled phone 60–180 ms
# of main-thread time before the first markers, which no visitor's browser spends
FIRST_IN_DOM = """new Promise((resolve, reject) => {
  setTimeout(() => reject(new Error("no marker after 120 s")), 120000);
  const check = () => document.querySelector(%s) ? resolve(performance.now())
                                                 : requestAnimationFrame(check);
  check();
})"""


def load(page, url: str, *, ours: bool) -> dict[str, float]:
    cdp = page.context.new_cdp_session(page)
    page.goto(url, wait_until="commit")
    selector = ".vac-marker, .marker-cluster" if ours else ".leaflet-marker-icon"
    answer = cdp.send("Runtime.evaluate", {"expression": FIRST_IN_DOM % json.dumps(selector),
                                           "awaitPromise": True, "returnByValue": True})
    if "exceptionDetails" in answer:
        raise RuntimeError(answer["exceptionDetails"])
    result = {"first_dom_ms": answer["result"]["value"]}
    cdp.detach()
    if ours:
        result["first_mark_ms"] = page.evaluate(
            "performance.getEntriesByName('leerstand:first-markers')[0].startTime")
        page.wait_for_function(f"() => window.leerstandLayer.markers.size >= {COUNT}",
                               timeout=300_000)  # a function: the CSP forbids eval
        result["all_in_layer_ms"] = page.evaluate("performance.now()")
    page.wait_for_load_state("load")
    result.update(page_weight(page))
    return result


def page_weight(page) -> dict[str, float]:
    """kB of HTML, JS and CSS decoded and as transferred (compressed, with headers; 0 from the
    cache), API answers and tiles excluded; when the first data request started."""
    return page.evaluate("""() => {
        const nav = performance.getEntriesByType("navigation")[0];
        const kb = {html_kb: nav.decodedBodySize / 1024, js_kb: 0, css_kb: 0,
                    transfer_kb: nav.transferSize / 1024, data_start_ms: null};
        for (const e of performance.getEntriesByType("resource")) {
            if (e.name.includes("/api/")) {
                if (kb.data_start_ms === null) kb.data_start_ms = e.startTime;
                continue;
            }
            const path = new URL(e.name).pathname;
            if (path.endsWith(".js")) kb.js_kb += e.decodedBodySize / 1024;
            else if (path.endsWith(".css")) kb.css_kb += e.decodedBodySize / 1024;
            else continue;
            kb.transfer_kb += e.transferSize / 1024;
        }
        return kb;
    }""")


def summarise(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in rows if r.get(key) is not None)
            for key in rows[0] if any(r.get(key) is not None for r in rows)}


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
        # tiles from a closed local port fail at once; no request routing in the browser,
        # which would switch its cache off (the repeat visit measures the cache)
        settings = Settings(_env_file=None, database_url=url, secret_key="bench-" + "x" * 40,
                            cookie_secure=False, tiles_url=DEAD_TILES)
        reference = reference_html(url)
        base, server = serve(settings, reference)
        plain, plain_server = serve(settings, reference, gzip=False)
        from playwright.sync_api import sync_playwright

        page = f"/karte/{JENA}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            print("warm-up", measure(browser, base + page, ours=True))  # imports, PG caches
            measure(browser, plain + page, ours=True)
            rows = {
                "desktop": [measure(browser, base + page, ours=True) for _ in range(args.runs)],
                "desktop_naive": [measure(browser, f"{base}/bench/inline", ours=False)
                                  for _ in range(args.runs)],
                "phone": [], "phone_plain": [], "phone_naive": [],
            }
            for _ in range(args.runs):  # interleaved: a change of the machine's load hits both
                rows["phone"].append(measure(browser, base + page, ours=True, phone=True))
                rows["phone_plain"].append(measure(browser, plain + page, ours=True, phone=True))
            rows["phone_naive"] = [measure(browser, f"{base}/bench/inline", ours=False, phone=True)
                                   for _ in range(args.runs)]
            browser.close()
        server.should_exit = plain_server.should_exit = True
    finally:
        cluster.destroy()
    report(args.out, args.runs, {k: summarise(v) for k, v in rows.items()}, rows, load_before)


def _kb(value: float) -> str:
    return f"{value:.0f} kB"


def _ms(row: dict, key: str) -> str:
    return f"{row[key]:.0f} ms" if key in row else "–"


def _row(label: str, r: dict) -> str:
    weight = r["html_kb"] + r["js_kb"] + r["css_kb"]
    repeat = _kb(r["repeat_transfer_kb"]) if "repeat_transfer_kb" in r else "–"
    return (f"| {label} | {_ms(r, 'first_mark_ms')} | {_ms(r, 'first_dom_ms')} "
            f"| {_ms(r, 'data_start_ms')} | {_ms(r, 'all_in_layer_ms')} | {_kb(r['transfer_kb'])} "
            f"| {_kb(weight)} | {repeat} |")


def report(out: Path, runs: int, med: dict[str, dict], raw: dict[str, list], before) -> None:
    load = os.getloadavg()
    lines = [
        "# Benchmark: public map with 10,000 vacancies (bench/maps/run.py)", "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores (nproc), {platform.platform()}",
        f"- load average (1/5/15 min) before: {before[0]:.2f} {before[1]:.2f} {before[2]:.2f}, "
        f"after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (machine shared with other jobs)",
        "- browser: Debian Chromium, headless, cold context per run, then a repeat visit in it; "
        "tiles from a closed local port fail at once. Desktop "
        "1280×900; phone 390×844, isMobile, touch, CPU 4× slower "
        "(DevTools `Emulation.setCPUThrottlingRate`), loopback network (no throttling); the "
        "waits for the first markers through the DevTools protocol (`Runtime.evaluate`), not "
        "Playwright's selector engine (see README.md: it cost the phone 60–180 ms before)",
        "- the database's statistics taken (ANALYZE) after the 10,000 vacancies were seeded, "
        "as autovacuum keeps them in service",
        f"- command: `PYTHONPATH=$PWD .venv/bin/python bench/maps/run.py --runs {runs}`",
        f"- medians of {runs} runs (few: the machine is shared; the phone rows with and without "
        "compression ran interleaved)", "",
        "| page | first markers (perf. mark) | first marker in DOM (next frame) | data request starts "
        "| all 10,000 in layer | transferred before data (HTML+JS+CSS) | decoded | repeat visit "
        "transferred |",
        "|---|---|---|---|---|---|---|---|",
        "| **phone** | | | | | | | |",
        "| issue 8, before (phone) | 2070 ms | | 1000–1300 ms | | 375 kB (uncompressed) "
        "| | |",
        _row(f"/karte/{JENA}", med["phone"]),
        _row("reference, same run: the same page without compression", med["phone_plain"]),
        _row("reference, same run: folium page with the register inlined", med["phone_naive"]),
        "| **desktop** | | | | | | | |",
        _row(f"/karte/{JENA}", med["desktop"]),
        _row("reference, same run: folium page with the register inlined", med["desktop_naive"]),
        "",
        "Targets (issue 8, phone): first markers ≤ 1000 ms; ≤ 150 kB transferred before the data; "
        "the data request starts without waiting for all scripts. *Transferred* is Resource "
        "Timing's `transferSize` (compressed body + headers); *decoded* its `decodedBodySize`; "
        "the repeat visit opens the page again in the same browser (hashed files from the cache).",
        "", "<details><summary>raw runs</summary>", "", "```json", json.dumps(raw, indent=1),
        "```", "</details>", "",
    ]
    out.write_text("\n".join(lines))
    print("\n".join(lines[:22]))


if __name__ == "__main__":
    main()
