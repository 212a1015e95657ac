"""Probes and metrics: ``/healthz`` (the process answers), ``/readyz`` (it can serve: database
reachable, migrations at head), ``/metrics`` (Prometheus, for allowed addresses only)."""

from __future__ import annotations

import ipaddress

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from app.abuse.http import client_address
from app.config import IPNetwork
from app.observability.readiness import Readiness
from app.observability.schemas import Health, ReadinessChecks, ReadinessOut

router = APIRouter(tags=["operations"])
RETRY_AFTER_S = 5


@router.get("/healthz", response_model=Health, summary="Liveness: the process answers")
async def healthz() -> Health:
    """Always 200 while the process serves; touches no database, so a database outage does not
    get the app restarted (readiness says whether it can serve)."""
    return Health()


def _readiness_body(request: Request, result: Readiness) -> ReadinessOut:
    return ReadinessOut(
        status="ready" if result.failed is None else "not_ready", failed=result.failed,
        checks=ReadinessChecks(database=result.database, migrations=result.migrations),
        database_revisions=sorted(result.revisions),
        head_revisions=sorted(request.app.state.readiness.scripts.heads),
    )


@router.get("/readyz", response_model=ReadinessOut, summary="Readiness: the app can serve",
            responses={503: {"model": ReadinessOut, "description": "not ready; see `failed`"}})
async def readyz(request: Request) -> Response:
    """200 when the database answers and its migrations are at head, else 503 with
    ``Retry-After``; answers within about 2 s even when PostgreSQL does not."""
    result = await request.app.state.readiness.check()
    body = _readiness_body(request, result)
    if result.failed is None:
        return JSONResponse(body.model_dump(mode="json"))
    return JSONResponse(body.model_dump(mode="json"), status_code=503,
                        headers={"Retry-After": str(RETRY_AFTER_S)})


def _allowed(client: str, networks: tuple[IPNetwork, ...]) -> bool:
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # a dual-stack socket's ::ffff:127.0.0.1
    return any(address in network for network in networks)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus exposition. No personal data in it, but traffic patterns are nobody's business:
    the 404 of a path that does not exist, unless the client is in LEERSTAND_METRICS_ALLOW."""
    if not _allowed(client_address(request), request.app.state.settings.metrics_allow):
        raise HTTPException(status_code=404)
    body, content_type = request.app.state.metrics.exposition(request.headers.get("accept"))
    return Response(body, media_type=content_type)
