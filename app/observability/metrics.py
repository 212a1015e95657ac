"""Prometheus metrics: requests by route template, method and status class, their latency, the
requests in flight (ASGI middleware), and gauges read at scrape time (the database pool).

One process: each app has its own registry. Several worker processes (uvicorn ``--workers``):
set PROMETHEUS_MULTIPROC_DIR to an empty folder writable by the workers; prometheus_client then
keeps the request metrics in files there and a scrape of any worker sums all workers. Gauges
read at scrape time can only see the answering process: the pool gauges then carry its ``pid``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from time import perf_counter

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability.context import route_template

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
# up to the exports of whole registers (1.5 s for 100,000 vacancies) and big imports
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# the method is the client's to choose: anything else would be an unbounded label
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LABELS = ("route", "method", "status")

Reading = Callable[[], float]


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROCESS_ENV) or None


def prepare_multiprocess_dir() -> None:
    """Empties the multiprocess folder before the workers start (counters of an earlier run, or
    of dead workers, would otherwise be summed in); creates it when missing."""
    folder = multiprocess_dir()
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()


class ScrapeTimeGauges:
    """Gauges whose values are read when Prometheus scrapes, each from a callable: the database
    pool, and the hook for a future queue (``ScrapeTimeGauges({"leerstand_mail_queue_length":
    ("mails waiting to be sent", read_queue_length)})`` in the collectors create_app passes to
    ``Metrics``). A value that is the same from every worker, like a queue in the database, suits
    multiprocess mode as it is; a per-process one sets ``per_process``."""

    def __init__(self, gauges: Mapping[str, tuple[str, Reading]], *,
                 per_process: bool = False) -> None:
        self.gauges = dict(gauges)
        self.labels = ["pid"] if per_process else []

    def _families(self) -> Iterable[tuple[GaugeMetricFamily, Reading]]:
        for name, (documentation, read) in self.gauges.items():
            yield GaugeMetricFamily(name, documentation, labels=self.labels), read

    def describe(self) -> Iterable[Metric]:
        return [family for family, _ in self._families()]

    def collect(self) -> Iterable[Metric]:
        values = [str(os.getpid())] if self.labels else []
        for family, read in self._families():
            family.add_metric(values, read())
            yield family


def pool_gauges(engine: Engine, *, per_process: bool) -> ScrapeTimeGauges | None:
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return None
    return ScrapeTimeGauges({
        "leerstand_db_pool_size": ("connections the pool keeps (pool_size)", pool.size),
        "leerstand_db_pool_checked_out": ("connections in use by requests", pool.checkedout),
        "leerstand_db_pool_overflow": ("connections open beyond pool_size (up to max_overflow)",
                                       lambda: max(pool.overflow(), 0)),
    }, per_process=per_process)


class RequestMetrics:
    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.requests = Counter(
            "leerstand_http_requests", "HTTP requests answered, by route template, method and "
            "status class", LABELS, registry=registry)
        self.latency = Histogram(
            "leerstand_http_request_duration_seconds", "time from the request to the end of the "
            "response, by route template, method and status class", LABELS,
            buckets=LATENCY_BUCKETS, registry=registry)
        self.in_flight = Gauge("leerstand_http_requests_in_flight", "HTTP requests being served",
                               registry=registry, multiprocess_mode="livesum")
        # labels() takes a lock and builds a key on every call; the children are few and fixed
        self._children: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}

    def observe(self, *, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method if method in METHODS else "other", f"{status // 100}xx")
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (self.requests.labels(*key),
                                              self.latency.labels(*key))
        children[0].inc()
        children[1].observe(seconds)


class Metrics:
    """The metrics of one app: request metrics, plus ``collectors`` read at scrape time."""

    def __init__(self, collectors: Sequence[Collector] = ()) -> None:
        self.multiprocess = multiprocess_dir() is not None
        self.registry = None if self.multiprocess else CollectorRegistry()
        self.requests = RequestMetrics(self.registry)
        self.collectors = list(collectors)
        if self.registry is not None:
            for collector in self.collectors:
                self.registry.register(collector)

    @classmethod
    def for_engine(cls, engine: Engine) -> Metrics:
        multi = multiprocess_dir() is not None
        pool = pool_gauges(engine, per_process=multi)
        return cls([pool] if pool is not None else [])

    def exposition(self, accept: str | None) -> tuple[bytes, str]:
        """The scrape's body and content type (OpenMetrics when the scraper asks for it)."""
        registry = self.registry
        if registry is None:  # every worker's files, summed, plus this process's collectors
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            for collector in self.collectors:
                registry.register(collector)
        encoder, content_type = choose_encoder(accept or "")
        return encoder(registry), content_type

    def close(self) -> None:
        if self.multiprocess:  # this worker's in-flight gauge no longer counts
            multiprocess.mark_process_dead(os.getpid())


class MetricsMiddleware:
    """Counts and times every HTTP request by its route template. Plain ASGI (see
    app.middleware.SecurityHeadersMiddleware): a status check per message, two dict lookups and
    three metric updates per request."""

    def __init__(self, app: ASGIApp, *, metrics: RequestMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the client gets when the app raises before answering

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        start = perf_counter()
        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            self.metrics.in_flight.dec()
            self.metrics.observe(route=route_template(scope), method=scope["method"],
                                 status=status, seconds=perf_counter() - start)
