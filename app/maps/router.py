"""Plain German pages: start page and the about page with data sources and licences."""

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import text

from app.database import SessionDep
from app.templating import render
from app.vacancies.lifecycle import PUBLIC_STATUSES

router = APIRouter(include_in_schema=False)


@router.get("/")
def index(request: Request, session: SessionDep) -> Response:
    towns = session.execute(text("""
        SELECT m.ags, m.name, count(*) AS count FROM vacancy v
        JOIN municipality m ON m.id = v.municipality_id
        WHERE v.status = ANY(:public) GROUP BY m.ags, m.name ORDER BY m.name
    """), {"public": [s.value for s in PUBLIC_STATUSES]}).mappings().all()
    return render(request, "index.html", towns=towns)


@router.get("/ueber")
def about(request: Request) -> Response:
    return render(request, "about.html",
                  tiles_attribution=request.app.state.settings.tiles_attribution)


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(status_code=204)
