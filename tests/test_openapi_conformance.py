"""The API answers as its own OpenAPI document says (issue 12): schemathesis sends generated
requests to every operation, anonymously and as staff of a demo town, and checks that no answer
is a 5xx and that each status code, media type, body and declared header is the documented one.

The document comes from an app that is never called (create_app connects to nothing); the
requests go to an app on a database of this module's own, a clone of the template with the demo
loaded, so the generated writes reach no other test. Bounded and repeatable: derandomized
Hypothesis with a fixed number of examples per operation, the schema's examples, and
schemathesis's coverage phase restricted to valid requests (its invalid ones run into the
thousands for the scoring profiles).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from app import demo
from app.config import Settings
from app.database import make_engine
from app.main import create_app
from tests.helpers.postgres import cloned_database
from tests.helpers.server import SECRET
from tests.helpers.towns import SCHMOELLN
from tests.helpers.users import Users, bearer

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]
FUZZ = settings(max_examples=12, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"generation": {"mode": "positive"}}}})
# generated GeoJSON bodies carry absurd bboxes; geojson-pydantic warns before they are refused
pytestmark = pytest.mark.filterwarnings("ignore:BBOX crossing the Antimeridian:UserWarning")


def _settings(database_url: str) -> Settings:
    return Settings(_env_file=None, database_url=database_url, secret_key=SECRET,
                    cookie_secure=False)


DOCUMENTED_APP = create_app(_settings("postgresql+psycopg://unused@127.0.0.1:9/unused"))
schema = schemathesis.openapi.from_asgi("/openapi.json", DOCUMENTED_APP, config=CONFIG)


@pytest.fixture(scope="module")
def demo_url(pg_cluster, template_db) -> Iterator[str]:
    with cloned_database(pg_cluster, template_db) as url:
        engine = make_engine(url)
        with Session(engine) as session, session.begin():
            demo.load(session=session, password="conformance-demo")
        engine.dispose()
        yield url


@pytest.fixture(scope="module")
def demo_app(demo_url: str) -> Iterator[FastAPI]:
    app = create_app(_settings(demo_url))
    yield app
    app.state.engine.dispose()


@pytest.fixture
def staff_header(demo_url: str) -> dict[str, str]:
    """A fresh token per operation: a generated DELETE /api/v1/tokens/{id} may revoke it."""
    return bearer(Users(demo_url).token("staff", SCHMOELLN))


@schema.parametrize()
@FUZZ
def test_anonymous(case, demo_app):
    case.call_and_validate(app=demo_app, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_staff(case, demo_app, staff_header):
    case.call_and_validate(app=demo_app, headers=staff_header, checks=CHECKS)


def _operations(document: dict) -> Iterator[tuple[str, dict]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation


def test_every_error_has_the_body_the_handlers_send():
    document = DOCUMENTED_APP.openapi()
    assert "HTTPValidationError" not in str(document)
    bodies = {"#/components/schemas/Error", "#/components/schemas/OgcException"}
    # a readiness probe's 503 names the failed check in the body a load balancer reads
    own = {("GET /readyz", "503"): "#/components/schemas/ReadinessOut"}
    for name, operation in _operations(document):
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref in bodies or own.get((name, status)) == ref, (name, status)


def test_statuses_of_the_shared_machinery_are_documented():
    responses = {name: set(op["responses"]) for name, op in _operations(DOCUMENTED_APP.openapi())}
    assert {"400", "401", "403", "404", "409", "413", "415", "422", "428", "503"} <= responses[
        "PATCH /api/v1/vacancies/{vacancy_id}"]
    assert {"400", "413", "422"} <= responses["POST /api/v1/import/vacancies"]
    assert "415" not in responses["POST /api/v1/import/vacancies"]  # a file, not JSON
    assert {"202", "429"} <= responses["POST /api/v1/reports"]
    assert responses["GET /api/v1/labels"] == {"200"}
