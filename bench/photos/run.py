"""Photo uploads: what the re-encoding of a 12-megapixel phone JPEG costs through the real
endpoint, next to references in the same run, and the bytes of 30 thumbnails.

Rows (medians and p90 of --runs uploads of the same file):
- the endpoint: `POST /api/v1/vacancies/{id}/photos` over HTTP (uvicorn on loopback), i.e.
  multipart parsing, the checks, decoding, re-encoding, thumbnail and the INSERT;
- reference "raw upload": the same multipart request to a route that only reads the file
  (what HTTP and multipart cost, without any image work);
- reference "Pillow plain": Image.open + save as JPEG quality 82 at full size, no checks, no
  resizing, no thumbnail, in process;
- "imaging.process in process": the product's own image work without HTTP and database.
Then 30 photos on 3 vacancies: the bytes of their 30 thumbnails (what a list or map of 30
photos transfers) against the 30 full images. Last, the public map page in Chromium with 30
vacancies that have a cover photo: the bytes the page transfers until its markers are on screen
(HTML, scripts, styles, the vacancies' JSON; base-map tiles blocked), then opening each of the 30
popups, which loads its cover thumbnail (lazy): the bytes of those 30 thumbnails.

Usage, from the repository root:
    PYTHONPATH=$PWD .venv/bin/python bench/photos/run.py [--runs 15]
Starts its own throwaway PostgreSQL cluster (the installed PostgreSQL with PostGIS), writes
bench/photos/results.md.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from fastapi import UploadFile
from PIL import Image
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
from app.photos import imaging
from tests.helpers.server import free_port

JENA = "16053000"
SIZE = (4000, 3000)  # 12 megapixels
RAW_PATH = "/api/v1/vacancies/0/photos/bench-raw"
CHROMIUM = "/usr/bin/chromium"
MAP_VACANCIES = 30


def phone_jpeg() -> bytes:
    """A 4000 × 3000 JPEG with camera EXIF and a GPS position, quality 92, with detail
    (a gradient under noise) so that it weighs what a phone's photo weighs."""
    gradient = Image.linear_gradient("L").resize(SIZE)
    noise = Image.effect_noise(SIZE, 40)
    image = Image.merge("RGB", (gradient, noise, Image.blend(gradient, noise, 0.5)))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Benchphone", "Model 12"
    exif[0x8825] = {1: "N", 2: (50.0, 55.0, 40.0), 3: "E", 4: (11.0, 35.0, 20.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92, exif=exif.tobytes())
    return buffer.getvalue()


def seed(url: str) -> tuple[str, list[int]]:
    """A staff token of Jena and three vacancies there."""
    migrate.upgrade(url)
    with Session(make_engine(url)) as session, session.begin():
        boundary_import.import_boundaries(session=session)
        user = accounts.create_user(session=session, email="bench@example.org", role=Role.staff,
                                    municipality_ags=JENA, password=None)
        token = accounts.create_token(session=session, user=user)
        ids = session.execute(text("""
            INSERT INTO vacancy (municipality_id, location, street, house_number, status, source)
            SELECT m.id, m.centre, 'Benchstraße', n::text, 'vacant', 'bench'
            FROM municipality m, generate_series(1, 3) n WHERE m.ags = :ags RETURNING id
        """), {"ags": JENA}).scalars().all()
    return token, list(ids)


def serve(settings: Settings) -> tuple[str, uvicorn.Server]:
    app = create_app(settings)

    def raw_upload(file: UploadFile) -> dict:
        return {"bytes": len(file.file.read())}

    # under the photo upload prefix, so that the body guard gives it the photos' limit
    app.add_api_route(RAW_PATH, raw_upload, methods=["POST"], include_in_schema=False)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def timed(call, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


def pillow_plain(data: bytes) -> None:
    image = Image.open(io.BytesIO(data))
    image.save(io.BytesIO(), "JPEG", quality=82)


def p(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.md"))
    args = parser.parse_args()
    load_before = os.getloadavg()
    data = phone_jpeg()
    files = lambda: {"file": ("IMG_0001.jpg", data, "image/jpeg")}  # noqa: E731

    cluster = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="leerstand-bench-")), free_port(),
                               find_pg_bin())
    cluster.start("-c fsync=off -c synchronous_commit=off")
    try:
        url = cluster.url()
        token, vacancies = seed(url)
        settings = Settings(_env_file=None, database_url=url, secret_key="bench-" + "x" * 40,
                            cookie_secure=False)
        base, server = serve(settings)
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=auth, timeout=60) as client:
            endpoint = f"/api/v1/vacancies/{vacancies[0]}/photos"

            def upload() -> None:
                response = client.post(endpoint, files=files())
                assert response.status_code == 201, response.text
                client.delete(f"/api/v1/photos/{response.json()['id']}")  # stay under the limit

            def raw() -> None:
                assert client.post(RAW_PATH, files=files()).status_code == 200

            upload(), raw(), imaging.process(data)  # warm-up: imports, caches
            rows = {
                "endpoint `POST /api/v1/vacancies/{id}/photos` (upload, then DELETE)":
                    timed(upload, args.runs),
                "reference: raw upload (HTTP + multipart, file read, nothing else)":
                    timed(raw, args.runs),
                "reference: Pillow plain open + save JPEG q82, full size, in process":
                    timed(lambda: pillow_plain(data), args.runs),
                "imaging.process in process (checks, decode at 1/2 scale, re-encode, thumbnail)":
                    timed(lambda: imaging.process(data), args.runs),
            }
            thumbs, fulls = thirty(client, vacancies, data)
            covered = covers(url, client, data)
        page = map_page(base, covered)
        server.should_exit = True
    finally:
        cluster.destroy()
    report(args, data, rows, thumbs, fulls, page, load_before)


def thirty(client: httpx.Client, vacancies: list[int], data: bytes) -> tuple[list[int], list[int]]:
    """Ten photos on each of three vacancies; the sizes of their thumbnails and images as served."""
    photos = []
    for vacancy in vacancies:
        for _ in range(10):
            response = client.post(f"/api/v1/vacancies/{vacancy}/photos",
                                   files={"file": ("IMG.jpg", data, "image/jpeg")})
            assert response.status_code == 201, response.text
            photos.append(response.json())
    thumbs = [len(client.get(photo["thumbnail_url"]).content) for photo in photos]
    fulls = [len(client.get(photo["url"]).content) for photo in photos]
    return thumbs, fulls


def covers(url: str, client: httpx.Client, data: bytes) -> int:
    """MAP_VACANCIES public vacancies in Jena, on a grid around the centre (no two in one
    place), each with the phone photo as its cover; returns how many."""
    with make_engine(url).begin() as conn:
        ids = conn.execute(text("""
            INSERT INTO vacancy (municipality_id, location, street, house_number, status, source)
            SELECT m.id, ST_Translate(m.centre, (n % 6) * 0.0009, (n / 6) * 0.0007),
                   'Kartenstraße', n::text, 'vacant', 'bench'
            FROM municipality m, generate_series(0, :count - 1) n WHERE m.ags = :ags RETURNING id
        """), {"ags": JENA, "count": MAP_VACANCIES}).scalars().all()
    for vacancy in ids:
        response = client.post(f"/api/v1/vacancies/{vacancy}/photos",
                               files={"file": ("IMG.jpg", data, "image/jpeg")})
        assert response.status_code == 201, response.text
        patched = client.patch(f"/api/v1/photos/{response.json()['id']}", json={"is_cover": True})
        assert patched.status_code == 200, patched.text
    return len(ids)


OPEN_EVERY_POPUP = """async () => {
    const layer = window.leerstandLayer;
    let loaded = 0;
    for (const marker of layer.markers.values()) {
        const p = marker.feature.properties;
        if (p.street !== "Kartenstraße" || !p.photos.cover) continue;
        await new Promise((done) => { layer.group.zoomToShowLayer(marker, () => {
            marker.openPopup(); done(); }); });
        // this marker's own image (a closing popup may still be fading out)
        const selector = '.leaflet-popup img[src="' + p.photos.cover.thumbnail_url + '"]';
        let img = null;
        for (let i = 0; i < 100 && !img; i++) {
            img = document.querySelector(selector);
            if (!img) await new Promise((done) => setTimeout(done, 50));
        }
        if (img && !img.complete) await new Promise((done) => { img.onload = img.onerror = done; });
        if (img && img.naturalWidth > 0) loaded += 1;
        marker.closePopup();
    }
    return loaded;
}"""


# what the page received, by Resource Timing (same origin: transferSize is the body as sent plus
# headers; the document's own from its navigation entry)
RECEIVED = """() => [...performance.getEntriesByType("navigation"),
                   ...performance.getEntriesByType("resource")].map((e) => [e.name, e.transferSize])"""


def map_page(base: str, covered: int) -> dict[str, int]:
    """Bytes Chromium receives for the public map of Jena, then for the cover thumbnails of
    every popup; only loopback, tiles aborted."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
        # Resource Timing keeps 250 entries by default: the blocked tiles of 30 popups fill it
        # long before the last thumbnail, which then goes uncounted
        page.add_init_script("performance.setResourceTimingBufferSize(100000)")
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                   else route.abort())
        page.goto(f"{base}/karte/{JENA}")
        page.wait_for_function(f"() => window.leerstandLayer && "
                               f"window.leerstandLayer.markers.size >= {covered}", timeout=60_000)
        page.wait_for_load_state("networkidle")
        first = page.evaluate(RECEIVED)
        loaded = page.evaluate(OPEN_EVERY_POPUP)
        page.wait_for_load_state("networkidle")
        after = page.evaluate(RECEIVED)[len(first):]
        browser.close()
    is_thumb = lambda url: url.endswith("/thumb.jpg")  # noqa: E731
    thumbs = [size for url, size in first + after if is_thumb(url)]
    return {"page": sum(size for url, size in first if not is_thumb(url)),
            "requests": sum(1 for url, _ in first if not is_thumb(url)),
            "early": sum(1 for url, _ in first if is_thumb(url)),
            "thumbs": sum(thumbs), "thumb_count": len(thumbs), "loaded": loaded,
            "thumb_median": int(statistics.median(thumbs)) if thumbs else 0,
            "other_after": sum(size for url, size in after if not is_thumb(url))}


def report(args, data: bytes, rows: dict[str, list[float]], thumbs: list[int], fulls: list[int],
           page: dict[str, int], before) -> None:
    load = os.getloadavg()
    lines = [
        "# Benchmark: photo upload and re-encoding (bench/photos/run.py)", "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores (nproc), {platform.platform()}",
        f"- load average (1/5/15 min) before: {before[0]:.2f} {before[1]:.2f} {before[2]:.2f}, "
        f"after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (machine shared with other jobs)",
        f"- Pillow {Image.__version__}; one uvicorn worker on loopback; PostgreSQL with fsync off",
        f"- command: `PYTHONPATH=$PWD .venv/bin/python bench/photos/run.py --runs {args.runs}`",
        f"- input: {SIZE[0]} × {SIZE[1]} JPEG (12 MP) with EXIF and GPS, {len(data) / 1e6:.2f} MB",
        "", "| what | p50 | p90 |", "|---|---|---|",
        *(f"| {name} | {statistics.median(times) * 1000:.0f} ms | {p(times, 0.9) * 1000:.0f} ms |"
          for name, times in rows.items()),
        "", "The endpoint row includes a DELETE of the photo after each upload (to stay under the "
        "10-photo limit), a few ms.", "",
        "| 30 photos (3 vacancies × 10) | total | per photo |", "|---|---|---|",
        f"| 30 thumbnails (long edge 400 px) | {sum(thumbs) / 1e3:.0f} kB "
        f"| {statistics.median(thumbs) / 1e3:.1f} kB |",
        f"| 30 images (long edge 2,000 px) | {sum(fulls) / 1e3:.0f} kB "
        f"| {statistics.median(fulls) / 1e3:.0f} kB |",
        f"| 30 uploads as sent | {30 * len(data) / 1e6:.0f} MB | {len(data) / 1e6:.2f} MB |", "",
        f"| map page with {MAP_VACANCIES} thumbnails (bytes transferred, Chromium) | total "
        "| per thumbnail |", "|---|---|---|",
        f"| public map `/karte/{JENA}` until its markers are on screen ({page['requests']} "
        f"requests, tiles blocked) | {page['page'] / 1e3:.0f} kB | – |",
        f"| then every popup opened: {page['thumb_count']} cover thumbnails ({page['loaded']} "
        f"shown, {page['early']} of them loaded before any popup was opened; other requests "
        f"meanwhile {page['other_after'] / 1e3:.1f} kB) "
        f"| {page['thumbs'] / 1e3:.0f} kB | {page['thumb_median'] / 1e3:.1f} kB (median) |",
        f"| map page + {MAP_VACANCIES} thumbnails | "
        f"{(page['page'] + page['thumbs'] + page['other_after']) / 1e3:.0f} kB | – |", "",
        "Bytes are what Chromium received (Resource Timing `transferSize`: response bodies as "
        "sent, compressed where the server compressed, plus headers); a first visit with an "
        "empty cache.", "",
    ]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
