"""What the request id and metrics middlewares cost the map's viewport request.

(a) in-process: the two middlewares around an ASGI app that answers like the map API (one
    ~920 kB body), called N times, against the bare app: microseconds per request;
(b) over HTTP: the map API (`GET /api/v1/vacancies?bbox=…&limit=2000`, ~1,000 features of
    100,000, the exchange benchmark's table) served by the full app and by the same app without
    the two middlewares, in alternating wrk runs at concurrency 1 and 8.

Usage, from the repository root:
    PYTHONPATH=$PWD .venv/bin/python bench/observability/run.py [--seconds 10] [--rounds 3]
Needs what bench/exchange needs for its viewport part except tipg and pgbench (wrk, PostGIS).
The cluster and table are the exchange benchmark's (BENCH_DATA, BENCH_PG_PORT move them).
Adds its results at the top of bench/observability/results.md.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FULL_PORT, BARE_PORT = 18476, 18477  # apart from the exchange benchmark's servers
BODY = b"x" * 920_000  # the viewport answer's size


def _exchange():
    spec = importlib.util.spec_from_file_location("exchange_bench", HERE.parent / "exchange" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def app_without_observability():
    """uvicorn --factory target: the app minus the request id and metrics middlewares."""
    from app.main import create_app
    from app.observability.context import RequestContextMiddleware
    from app.observability.metrics import MetricsMiddleware

    app = create_app()
    app.user_middleware = [m for m in app.user_middleware
                           if m.cls not in (RequestContextMiddleware, MetricsMiddleware)]
    return app


def in_process(n: int) -> tuple[float, float]:
    """µs per request: bare app, app inside both middlewares."""
    from app.observability.context import RequestContextMiddleware
    from app.observability.metrics import Metrics, MetricsMiddleware

    async def answer(scope, receive, send):
        scope["route"] = SimpleNamespace(path="/api/v1/vacancies")
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/geo+json")]})
        await send({"type": "http.response.body", "body": BODY})

    wrapped = RequestContextMiddleware(MetricsMiddleware(answer, metrics=Metrics().requests))

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        pass

    async def loop(app) -> float:
        started = time.perf_counter()
        for _ in range(n):
            scope = {"type": "http", "method": "GET", "path": "/api/v1/vacancies",
                     "headers": [(b"host", b"localhost"), (b"accept", b"*/*")]}
            await app(scope, receive, send)
        return (time.perf_counter() - started) / n * 1e6

    bare = min(asyncio.run(loop(answer)) for _ in range(5))
    full = min(asyncio.run(loop(wrapped)) for _ in range(5))
    return bare, full


def over_http(seconds: int, rounds: int) -> dict[tuple[str, int], list[dict[str, float]]]:
    exchange = _exchange()
    pg = exchange.cluster()
    try:
        exchange.prepare(pg.url())
        return _alternate(exchange, pg, seconds, rounds)
    finally:
        pg.stop()


def _alternate(exchange, pg, seconds: int, rounds: int) -> dict[tuple[str, int], list[dict]]:
    env = {"LEERSTAND_DATABASE_URL": pg.url(), "LEERSTAND_SECRET_KEY": exchange.SECRET,
           "PYTHONPATH": str(ROOT)}
    common = ["--host", "127.0.0.1", "--log-level", "warning", "--no-access-log"]
    servers = {
        "with": (exchange.start([exchange.PY, "-m", "uvicorn", "--factory", "app.main:create_app",
                                 "--port", str(FULL_PORT), *common], env, FULL_PORT), FULL_PORT),
        "without": (exchange.start([exchange.PY, "-m", "uvicorn", "--factory",
                                    "bench.observability.run:app_without_observability",
                                    "--port", str(BARE_PORT), *common], env, BARE_PORT), BARE_PORT),
    }
    query = f"/api/v1/vacancies?bbox={exchange.BBOX_PARAM}&limit=2000"
    exchange.SLUGS.update({"with": "obs-with", "without": "obs-without"})
    results: dict[tuple[str, int], list[dict]] = {}
    try:
        # alternating, and the order swapped every round (ABBA…), so that a change of the
        # machine's load hits both alike
        for round_ in range(rounds):
            for conc in (1, 8):
                order = list(servers.items())[::-1 if round_ % 2 else 1]
                for name, (_, port) in order:
                    results.setdefault((name, conc), []).append(exchange.run_wrk(
                        name, f"http://127.0.0.1:{port}{query}", conc, seconds))
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait()
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=4, help="0: in-process part only")
    parser.add_argument("--calls", type=int, default=100_000)
    args = parser.parse_args()
    load_before, started = os.getloadavg(), time.gmtime()
    bare_us, full_us = in_process(args.calls)
    results = over_http(args.seconds, args.rounds) if args.rounds else {}
    lines = [
        f"## Run of {time.strftime('%Y-%m-%d %H:%M UTC', started)}", "",
        f"- machine: {os.cpu_count()} CPUs, shared with other jobs; load average before: "
        f"{', '.join(f'{v:.2f}' for v in load_before)}, after: "
        f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}",
        f"- command: `PYTHONPATH=$PWD .venv/bin/python bench/observability/run.py --seconds "
        f"{args.seconds} --rounds {args.rounds}`", "",
        f"(a) in process, best of 5 × {args.calls:,} calls: bare app {bare_us:.2f} µs per request, "
        f"inside both middlewares {full_us:.2f} µs: **{full_us - bare_us:.2f} µs per request**", "",
        "(b) map API over HTTP, wrk, median of the alternating rounds (each round's req/s in "
        "brackets):", "",
        "| app | concurrency | req/s | p50 ms | p99 ms |", "|---|---:|---:|---:|---:|",
    ]
    for (name, conc), runs in sorted(results.items(), key=lambda item: (item[0][1], item[0][0])):
        rps = [r["rps"] for r in runs]
        lines.append(f"| {name} request id + metrics | {conc} | {statistics.median(rps):.1f} "
                     f"({', '.join(f'{v:.1f}' for v in rps)}) | "
                     f"{statistics.median(r['p50'] for r in runs):.1f} | "
                     f"{statistics.median(r['p99'] for r in runs):.1f} |")
    report = "\n".join(lines) + "\n"
    print(report)
    results_file = HERE / "results.md"
    title = "# Observability middleware benchmark results\n\n"
    earlier = results_file.read_text().removeprefix(title) if results_file.exists() else ""
    results_file.write_text(title + report + ("\n" + earlier if earlier else ""))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
