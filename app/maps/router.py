"""German pages: start, about, the three maps (public, staff, working-group overview) and the
statistics pages.

The map and statistics pages carry no register data: their scripts load it from the JSON API.
"""

import re
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import text

from app.accounts import policy
from app.accounts.deps import PrincipalDep, csrf_token, csrf_valid, page_principal
from app.accounts.models import User
from app.deps import SessionDep
from app.errors import Forbidden, InvalidInput, NotFound
from app.maps import offline
from app.maps.service import map_extent
from app.proposals import service as proposals
from app.review import tasks as home_tasks
from app.statistics import trends
from app.templating import render
from app.urls import public_url
from app.vacancies import query as vacancies
from app.vacancies.lifecycle import (
    ALLOWED_TRANSITIONS,
    INITIAL_STATUSES,
    PUBLIC_STATUSES,
    STATUS_LABELS,
    VacancyStatus,
)

router = APIRouter(include_in_schema=False)
AGS_RE = re.compile(r"^[0-9]{8}$")
# the order of the legend: from "needs action" to "done"
STATUS_ORDER = [VacancyStatus(s) for s in (
    "reported", "threatened", "vacant", "interim_use", "reused", "withdrawn", "demolished", "rejected",
)]


@router.get("/")
def index(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    towns = session.execute(text("""
        SELECT m.id, m.ags, m.name, count(*) AS count FROM vacancy v
        JOIN municipality m ON m.id = v.municipality_id
        WHERE v.status = ANY(:public) GROUP BY m.id, m.ags, m.name ORDER BY m.name
    """), {"public": [s.value for s in PUBLIC_STATUSES]}).mappings().all()
    # citizens see the towns' maps only; staff and admins also the workbench of towns they edit
    editable = {t["ags"] for t in towns if policy.may_edit(principal, t["id"])}
    return render(request, "index.html", towns=towns, editable=editable)


@router.get("/ueber")
def about(request: Request) -> Response:
    return render(request, "about.html",
                  tiles_attribution=request.app.state.settings.tiles_attribution)


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(status_code=204)


def _statuses(statuses) -> list[dict[str, str]]:
    return [{"value": s.value, "label": STATUS_LABELS[s]} for s in STATUS_ORDER if s in statuses]


def _transitions() -> dict[str, list[str]]:
    """ALLOWED_TRANSITIONS for the staff editor's status control, in the legend's order."""
    return {s.value: [t.value for t in STATUS_ORDER if t in ALLOWED_TRANSITIONS[s]]
            for s in STATUS_ORDER}


def _map_parts(request: Request, bounds, cls=offline.OfflineMap) -> offline.MapParts:
    settings = request.app.state.settings
    return offline.build_map(tiles_url=settings.tiles_url, attribution=settings.tiles_attribution,
                             bounds=bounds, cls=cls)


def _town(session, ags: str) -> dict:
    # a malformed AGS is just another page that does not exist (German 404, not a 422)
    if not AGS_RE.match(ags):
        raise NotFound(f"no municipality with AGS {ags}", field="ags")
    return map_extent(session=session, ags=ags)


# VacancyLayer's first page (static/app/map-common.js): few features put markers on screen fast
FIRST_PAGE = 200


def first_page_url(ags: str, bounds: tuple[float, float, float, float]) -> str:
    """The public map's first data request, started from the page's head (map_early.html) while
    the scripts still load: the vacancies of the extent the map first shows."""
    bbox = ",".join(f"{value:.6f}" for value in bounds)
    return f"/api/v1/vacancies?municipality={ags}&bbox={bbox}&limit={FIRST_PAGE}"


def _public_map(request: Request, town: dict, open_popup: dict | None = None) -> Response:
    parts = _map_parts(request, town["bounds"])
    config = {"page": "public", "map": parts.name, "ags": town["ags"], "name": town["name"],
              "statuses": _statuses(PUBLIC_STATUSES), "bounds": parts.bounds,
              # a logged-in staff member's cookie session makes the API check CSRF on public POSTs
              "csrf": csrf_token(request), "open": open_popup}
    return render(request, "map_public.html", town=town, map=parts, config=config,
                  first_page=first_page_url(town["ags"], town["bounds"]))


@router.get("/verwaltung")
def workbench(request: Request, session: SessionDep, principal: PrincipalDep,
              gemeinde: str | None = None) -> Response:
    """The staff home: today's tasks of the town (staff; admins choose a town), with
    "Noch aktuell" for the records due for re-checking. The working group has /uebersicht."""
    if not principal.authenticated:
        return RedirectResponse("/anmelden?next=/verwaltung", status_code=303)
    if not policy.edits_any_town(principal):
        return RedirectResponse("/uebersicht", status_code=303)
    town_id = policy.own_town(principal)
    if town_id is None and gemeinde is None:  # an admin: which town?
        towns = session.execute(text("SELECT ags, name FROM municipality ORDER BY name")).mappings()
        return render(request, "staff_home.html", town=None, towns=list(towns), tasks=[],
                      admin=True, digest=None)
    if town_id is not None:
        ags = session.execute(text("SELECT ags FROM municipality WHERE id = :id"),
                              {"id": town_id}).scalar_one()
    else:
        ags = _town(session, gemeinde or "")["ags"]
    found = home_tasks.for_principal(session=session, principal=principal, ags=ags)
    town = session.execute(text("SELECT ags, name FROM municipality WHERE ags = :ags"),
                           {"ags": ags}).mappings().one()
    digest = (session.get_one(User, principal.user_id).digest_daily
              if town_id is not None and principal.user_id else None)
    return render(request, "staff_home.html", town=town, towns=[], tasks=found["tasks"],
                  admin=policy.is_admin(principal), digest=digest,
                  recheck=next(t for t in found["tasks"] if t["key"] == "recheck"))


@router.post("/verwaltung/zusammenfassung")
def digest_setting(request: Request, session: SessionDep,
                   csrf_token: Annotated[str, Form()] = "",
                   taeglich: Annotated[str | None, Form()] = None) -> Response:
    """The staff home's toggle "Tägliche Zusammenfassung per E-Mail" (staff of a town); a
    form post, so the form's CSRF token (not the API's header) proves it is ours."""
    if not csrf_valid(request, csrf_token):
        raise Forbidden("Das Formular ist abgelaufen. Bitte laden Sie die Seite neu.")
    principal = page_principal(request)
    if not principal.authenticated:
        return RedirectResponse("/anmelden?next=/verwaltung", status_code=303)
    if policy.own_town(principal) is None or principal.user_id is None:
        raise Forbidden("Die tägliche Zusammenfassung gibt es für Mitarbeitende einer Stadt.")
    session.get_one(User, principal.user_id).digest_daily = taeglich == "on"
    return RedirectResponse("/verwaltung", status_code=303)


def _record_id(value: str, what: str) -> int:
    # like a malformed AGS, a malformed or absurd id is a page that does not exist
    if not (value.isascii() and value.isdigit() and len(value) <= 10 and 0 < int(value) < 2**31):
        raise NotFound(f"no {what} {value}", field="id")
    return int(value)


@router.get("/karte/{ags}")
def public_map(ags: str, request: Request, session: SessionDep) -> Response:
    return _public_map(request, _town(session, ags))


@router.get("/karte/{ags}/leerstand/{vacancy_id}")
def public_map_vacancy(ags: str, vacancy_id: str, request: Request, session: SessionDep,
                       principal: PrincipalDep) -> Response:
    """The public map with one vacancy's popup open (its link)."""
    town = _town(session, ags)
    vacancy = vacancies.get_readable(session=session, principal=principal,
                                     vacancy_id=_record_id(vacancy_id, "vacancy"))
    if vacancy.municipality_id != town["id"]:
        raise NotFound(f"no vacancy {vacancy_id} in {ags}", field="id")
    return _public_map(request, town, {"kind": "vacancy", "id": vacancy.id})


@router.get("/karte/{ags}/idee/{proposal_id}")
def public_map_proposal(ags: str, proposal_id: str, request: Request, session: SessionDep,
                        principal: PrincipalDep) -> Response:
    """The public map with one published idea's card open (its link)."""
    town = _town(session, ags)
    proposal = proposals.get_readable(session=session, principal=principal,
                                      proposal_id=_record_id(proposal_id, "proposal"))
    if proposal.municipality_id != town["id"]:
        raise NotFound(f"no proposal {proposal_id} in {ags}", field="id")
    return _public_map(request, town, {"kind": "proposal", "id": proposal.id})


@router.get("/verwaltung/{ags}")
def staff_map(ags: str, request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    town = _town(session, ags)
    if not principal.authenticated:
        return RedirectResponse(f"/anmelden?next=/verwaltung/{ags}", status_code=303)
    if not policy.may_edit(principal, town["id"]):
        raise Forbidden(f"Sie können die Karte von {town['name']} nicht bearbeiten: Ihr Zugang "
                        "gehört zu einer anderen Stadt oder erlaubt nur das Lesen.")
    parts = _map_parts(request, town["bounds"], cls=offline.StaffMap)
    config = {
        "page": "staff", "map": parts.name, "ags": ags, "name": town["name"],
        "statuses": _statuses(STATUS_ORDER), "initialStatuses": _statuses(INITIAL_STATUSES),
        "transitions": _transitions(), "bounds": parts.bounds, "csrf": csrf_token(request),
    }
    options = [(ags, town["name"])] + ([("", "Alle Städte")] if policy.is_admin(principal) else [])
    downloads = {"options": options, "without_internal": True,
                 "note": "Ohne interne Notizen, zum Weitergeben."}
    return render(request, "map_staff.html", town=town, config=config, map=parts,
                  downloads=downloads)


@router.get("/uebersicht")
def overview(request: Request, principal: PrincipalDep) -> Response:
    # Thuringia; the choropleth zooms to the towns with vacancies once loaded
    parts = _map_parts(request, (9.87, 50.20, 12.66, 51.65))
    # the towns with entries join the choice once the table is loaded (map-overview.js)
    downloads = {"options": [("", "Alle Städte")], "without_internal": False,
                 "note": ("Alle Einträge der Städte, die Sie lesen dürfen." if principal.authenticated
                          else "Ohne Anmeldung nur die veröffentlichten Einträge.")}
    return render(request, "map_overview.html", map=parts, downloads=downloads,
                  config={"page": "overview", "map": parts.name,
                          "statuses": _statuses(STATUS_ORDER), "bounds": parts.bounds})


@router.get("/hilfe/qgis")
def qgis_help(request: Request) -> Response:
    """How to open the register in QGIS: the OGC API - Features connection and the downloads."""
    return render(request, "help_qgis.html", ogc_url=public_url(request, "/ogc"),
                  gpkg_url=public_url(request, "/api/v1/export/vacancies.gpkg"))


MonthParam = Annotated[str | None, Query()]
PERIOD_HINT = ("Bitte wählen Sie einen gültigen Zeitraum: Monate wie 2026-03, „von“ nicht nach "
               "„bis“, höchstens 20 Jahre. Gezeigt werden die letzten 24 Monate.")


def _period(first: str | None, last: str | None) -> tuple[dict[str, str], str | None]:
    """The months to show (labels YYYY-MM) and a German hint when the chosen ones are invalid:
    then the page shows the default period with status 422."""
    try:
        lo, hi = trends.parse_period(first or None, last or None)
        error = None
    except InvalidInput:
        lo, hi = trends.parse_period(None, None)
        error = PERIOD_HINT
    return {"from": trends.month_label(lo), "to": trends.month_label(hi)}, error


def _statistics_page(request: Request, name: str, config: dict, error: str | None) -> Response:
    return render(request, name, config=config, error=error,
                  status_code=422 if error else 200)


@router.get("/statistik")
def statistics_comparison(request: Request, from_: Annotated[str | None, Query(alias="from")] = None,
                          to: MonthParam = None) -> Response:
    period, error = _period(from_, to)
    return _statistics_page(request, "statistics_comparison.html",
                            {"page": "comparison", **period}, error)


@router.get("/statistik/{ags}")
def statistics_town(ags: str, request: Request, session: SessionDep,
                    from_: Annotated[str | None, Query(alias="from")] = None,
                    to: MonthParam = None) -> Response:
    town = _town(session, ags)
    period, error = _period(from_, to)
    return _statistics_page(request, "statistics_town.html",
                            {"page": "town", "ags": ags, "name": town["name"], **period}, error)
