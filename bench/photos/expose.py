"""Exposé rendering: GET /api/v1/vacancies/{id}/expose.pdf (public and internal version) on the
demo, side by side in the same run with the engine's floor (WeasyPrint rendering a one-line
HTML page) and with the JSON read of the same vacancy (GET /api/v1/vacancies/{id}).

    PYTHONPATH=$PWD .venv/bin/python bench/photos/expose.py [--runs 30]

Starts a throwaway PostGIS cluster, loads the real boundaries and the demo, calls the app in
process (Starlette's TestClient: the whole request, routing to PDF bytes, without a socket).
Writes bench/photos/results-expose.md. Target (issue 13): p50 ≤ 1 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import demo, migrate
from app.accounts import service as accounts
from app.accounts.models import User
from app.config import Settings
from app.database import make_engine
from app.embedded import EmbeddedPostgres, find_pg_bin
from app.main import create_app
from tests.helpers.server import free_port

SCHMOELLN = "16077043"


def seed(url: str) -> tuple[int, str]:
    """The demo; returns a public vacancy of Schmölln and an API token of its staff member."""
    migrate.upgrade(url)
    with Session(make_engine(url)) as session, session.begin():
        demo.load(session=session, password="expose-bench-password")
        vacancy_id = session.execute(text(
            "SELECT v.id FROM vacancy v JOIN municipality m ON m.id = v.municipality_id "
            "WHERE m.ags = :ags AND v.status = 'vacant' ORDER BY v.id LIMIT 1"),
            {"ags": SCHMOELLN}).scalar_one()
        session.execute(text("UPDATE municipality SET public_contact = :c WHERE ags = :ags"),
                        {"c": "Wirtschaftsförderung\nTelefon 034491 000-00", "ags": SCHMOELLN})
        staff = session.query(User).filter(User.email == "schmoelln@demo.invalid").one()
        token = accounts.create_token(session=session, user=staff)
    return vacancy_id, token


def timed(call, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def row(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"| {name} | {statistics.median(times):.0f} ms | {p90:.0f} ms | {len(times)} |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results-expose.md"))
    args = parser.parse_args()
    load_before = os.getloadavg()
    cluster = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="leerstand-bench-")), free_port(),
                               find_pg_bin())
    cluster.start("-c fsync=off -c synchronous_commit=off")
    try:
        url = cluster.url()
        vacancy_id, token = seed(url)
        settings = Settings(_env_file=None, database_url=url, secret_key="bench-" + "x" * 40,
                            cookie_secure=False)
        staff = {"Authorization": f"Bearer {token}"}
        path = f"/api/v1/vacancies/{vacancy_id}/expose.pdf"
        from weasyprint import HTML

        with TestClient(create_app(settings)) as client:
            size = len(client.get(path).content)  # warm-up: imports, fonts, PostgreSQL caches
            client.get(f"{path}?internal=true", headers=staff)

            def public() -> None:
                assert client.get(path).status_code == 200

            def internal() -> None:
                assert client.get(f"{path}?internal=true", headers=staff).status_code == 200

            def floor() -> None:
                HTML(string="<p>Leerstand</p>").write_pdf()

            def data() -> None:
                assert client.get(f"/api/v1/vacancies/{vacancy_id}").status_code == 200

            rows = [row(f"`GET {path}` (public)", timed(public, args.runs)),
                    row(f"`GET {path}?internal=true` (staff)", timed(internal, args.runs)),
                    row("reference: WeasyPrint, one-line HTML page", timed(floor, args.runs)),
                    row(f"reference: `GET /api/v1/vacancies/{vacancy_id}` (JSON)",
                        timed(data, args.runs))]
    finally:
        cluster.destroy()
    lines = [
        "# Benchmark: exposé rendering (bench/photos/expose.py)", "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores (nproc), {platform.platform()}",
        f"- load average (1/5/15 min) before: {' '.join(f'{x:.2f}' for x in load_before)}, after: "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (machine shared with other jobs)",
        f"- command: `PYTHONPATH=$PWD .venv/bin/python bench/photos/expose.py --runs {args.runs}`",
        "- in process (TestClient), demo data, one vacancy of Schmölln with its score breakdown; "
        f"PDF size {size / 1024:.0f} kB", "",
        "| what | p50 | p90 | runs |", "|---|---|---|---|", *rows, "",
        "Target (issue 13): exposé p50 ≤ 1 s.", ""]
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
