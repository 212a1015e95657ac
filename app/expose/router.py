"""HTTP for exposés: ``GET /api/v1/vacancies/{id}/expose.pdf``."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from app.accounts.deps import PrincipalDep
from app.deps import SessionDep
from app.expose import service
from app.responses import errors
from app.urls import public_url

router = APIRouter(prefix="/api/v1/vacancies", tags=["vacancies"], responses=errors(503))
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "the exposé (A4, German)"}}


@router.get("/{vacancy_id}/expose.pdf", response_class=Response, summary="Exposé (PDF)",
            responses={**PDF, **errors(403, 404, 422)})
def get_expose(
    vacancy_id: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request, session: SessionDep,
    principal: PrincipalDep,
    internal: Annotated[bool, Query(description="with internal notes (staff of the town)")] = False,
) -> Response:
    """An A4 exposé for interested parties: photo, location map, key facts, scores, the town's
    contact and a QR code of the vacancy's link. Never the owner's contact; internal notes only
    with ``internal=true`` for staff of the town."""
    ags = service.town_ags(session=session, vacancy_id=vacancy_id)
    expose = service.render_expose(
        session=session, principal=principal, vacancy_id=vacancy_id, internal=internal,
        link=public_url(request, f"/karte/{ags}/leerstand/{vacancy_id}"))
    return Response(expose.pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{expose.filename}"',
        "Cache-Control": "private, no-store" if internal else "no-cache",
    })
