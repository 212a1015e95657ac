"""Prometheus metrics: labelled by route template (never a raw path, id or token), method and
status class; the pool read at scrape time; readable from LEERSTAND_METRICS_ALLOW only."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.config import Settings
from app.main import create_app
from app.observability.context import UNMATCHED
from app.observability.metrics import Metrics, ScrapeTimeGauges
from tests.helpers.towns import SCHMOELLN

LOOPBACK = ("127.0.0.1", 50000)
STATUS_TOKEN = "geheim-status-token-5c1e"


def scrape(client: TestClient) -> dict[str, list]:
    """Samples by metric name: [(labels, value)]."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: dict[str, list] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def value(samples: dict[str, list], name: str, **labels: str) -> float:
    found = [v for sample_labels, v in samples.get(name, []) if sample_labels == labels]
    assert len(found) == 1, (name, labels, samples.get(name))
    return found[0]


def with_settings(settings: Settings, **changes) -> Settings:
    return Settings.model_validate({**settings.model_dump(), **changes})


@pytest.fixture
def local(app) -> Iterator[TestClient]:
    """A client on loopback, which may read the metrics by default."""
    with TestClient(app, client=LOOPBACK) as test_client:
        yield test_client


def test_requests_are_labelled_by_route_template(local, app):
    assert local.get(f"/api/v1/municipalities/{SCHMOELLN}").status_code == 200
    for vacancy_id in (987654, 987655):
        assert local.get(f"/api/v1/vacancies/{vacancy_id}").status_code == 404
    assert local.get(f"/api/v1/proposals/status/{STATUS_TOKEN}").status_code == 404
    assert local.get(f"/vorschlaege/status/{STATUS_TOKEN}?x={STATUS_TOKEN}").status_code == 404
    assert local.get("/wp-login.php").status_code == 404
    assert local.get("/static/app/site.css").status_code == 200
    assert local.request("PROPFIND", "/api/v1/labels").status_code == 405

    text = local.get("/metrics").text
    # in the labels (a sample's value, a float such as 0.0050716091998765, may hold any digits)
    labels = " ".join(re.findall(r"\{[^}]*\}", text))
    assert STATUS_TOKEN not in text and "987654" not in labels and "wp-login" not in text
    samples = scrape(local)
    total = "leerstand_http_requests_total"
    assert value(samples, total, route="/api/v1/municipalities/{ags}", method="GET",
                 status="2xx") == 1
    assert value(samples, total, route="/api/v1/vacancies/{vacancy_id}", method="GET",
                 status="4xx") == 2
    assert value(samples, total, route="/api/v1/proposals/status/{token}", method="GET",
                 status="4xx") == 1
    assert value(samples, total, route=UNMATCHED, method="GET", status="4xx") == 1
    assert value(samples, total, route="/static/{path}", method="GET", status="2xx") == 1
    # a method of the client's own invention does not become a label
    assert value(samples, total, route="/api/v1/labels", method="other", status="4xx") == 1
    assert value(samples, "leerstand_http_request_duration_seconds_count",
                 route="/api/v1/vacancies/{vacancy_id}", method="GET", status="4xx") == 2
    templates = {str(c.path) for c in iter_route_contexts(app.routes)} | {"/static/{path}", UNMATCHED}
    routes = {labels["route"] for labels, _ in samples[total]}
    assert routes <= templates, routes - templates


def test_in_flight_and_pool_gauges(local):
    assert local.get(f"/api/v1/municipalities/{SCHMOELLN}").status_code == 200
    samples = scrape(local)
    assert value(samples, "leerstand_http_requests_in_flight") == 1  # the scrape itself
    assert value(samples, "leerstand_db_pool_size") == 10
    assert value(samples, "leerstand_db_pool_checked_out") == 0
    assert value(samples, "leerstand_db_pool_overflow") == 0


def test_a_gauge_read_at_scrape_time_is_one_collector_more():
    """The hook for a queue's length: a callable read on every scrape."""
    length = iter(range(3, 100))
    queue = ScrapeTimeGauges({"leerstand_test_queue_length": ("waiting", lambda: next(length))})
    metrics = Metrics([queue])
    assert b"leerstand_test_queue_length 3.0" in metrics.exposition(None)[0]
    assert b"leerstand_test_queue_length 4.0" in metrics.exposition(None)[0]


def test_openmetrics_on_request(local):
    response = local.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")


@pytest.mark.parametrize("peer", ["testclient", "192.0.2.7", "10.1.2.3", "::2"])
def test_other_clients_get_a_plain_404(app, peer):
    with TestClient(app, client=(peer, 1)) as other:
        response = other.get("/metrics", headers={"Accept": "application/json"})
        assert response.status_code == 404
        assert response.json() == other.get("/no-such-page").json()


def test_ipv6_loopback_may_read(app):
    with TestClient(app, client=("::1", 1)) as v6:
        assert v6.get("/metrics").status_code == 200


def test_behind_a_proxy_the_resolved_client_counts(settings):
    proxied = with_settings(settings, trusted_proxies="127.0.0.1")
    with TestClient(create_app(proxied), client=LOOPBACK) as via_proxy:
        forwarded = {"X-Forwarded-For": "203.0.113.9"}
        assert via_proxy.get("/metrics", headers=forwarded).status_code == 404
        assert via_proxy.get("/metrics").status_code == 200  # the proxy host itself


def test_allowed_networks_are_configurable(settings):
    allowed = with_settings(settings, metrics_allow="192.0.2.0/24")
    assert [str(n) for n in allowed.metrics_allow] == ["192.0.2.0/24"]
    app = create_app(allowed)
    for peer, status in ((("192.0.2.7", 1), 200), (LOOPBACK, 404)):
        with TestClient(app, client=peer) as client:
            assert client.get("/metrics").status_code == status
    nobody = with_settings(settings, metrics_allow="")
    with TestClient(create_app(nobody), client=LOOPBACK) as client:
        assert client.get("/metrics").status_code == 404


def test_a_bad_network_names_the_setting(settings):
    with pytest.raises(ValueError, match="LEERSTAND_METRICS_ALLOW"):
        with_settings(settings, metrics_allow="localhost")
