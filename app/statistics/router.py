"""HTTP for statistics: the numbers behind the working-group overview (/uebersicht)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.accounts.deps import PrincipalDep, ReadSessionDep
from app.responses import (
    GEOJSON_COLLECTION,
    GEOJSON_MEDIA_TYPE,
    GeoJSONResponse,
    content,
    errors,
    raw_geojson,
)
from app.statistics import downloads, report, service, trends

router = APIRouter(prefix="/api/v1/statistics", tags=["statistics"])


@router.get("/municipalities", summary="Vacancy counts per municipality (FeatureCollection)",
            response_class=GeoJSONResponse,
            responses={200: content(GEOJSON_MEDIA_TYPE, GEOJSON_COLLECTION), **errors(401, 503)})
def municipality_statistics(
    session: ReadSessionDep, principal: PrincipalDep,
    geometry: Annotated[Literal["boundary", "none"], Query()] = "boundary",
) -> Response:
    """Municipalities with vacancies: `counts` by status, `total`, `active` (threatened, vacant,
    interim use) and `active_per_10000` inhabitants. Anonymous callers count published
    vacancies only; the working group and admins count every status."""
    return raw_geojson(service.municipality_statistics(
        session=session, principal=principal, with_boundary=geometry == "boundary"))


MonthQuery = Annotated[str | None, Query(description="month YYYY-MM (Europe/Berlin)",
                                         examples=["2026-03"])]
TownsQuery = Annotated[str | None, Query(
    description="comma-separated AGS, at most 100; default: every municipality")]
_OBJECT = {"type": "object"}


@router.get("/timeseries", summary="Monthly figures per municipality from the history",
            responses={200: content("application/json", _OBJECT), **errors(401, 422, 503)})
def timeseries(
    session: ReadSessionDep, principal: PrincipalDep, municipality: TownsQuery = None,
    from_: Annotated[str | None, Query(alias="from", description="first month YYYY-MM; "
                                       "default: 23 months before `to`")] = None,
    to: MonthQuery = None,
) -> Response:
    """Per municipality and month (Europe/Berlin): `counts` by status at the month's end,
    `active` (threatened, vacant, interim use) and `per_10000` inhabitants, and the month's
    events `new` (entered an active status), `reused`, `interim_started`, `interim_ended`.
    Callers who may not read every status of a town (`published_only`) get the counts of
    published statuses only. At most 240 months and 100 municipalities; an unknown AGS is a
    422. Definitions: docs/statistics.md."""
    lo, hi = trends.parse_period(from_, to)
    agss = trends.parse_towns(municipality)
    body = trends.timeseries_json(session=session, principal=principal, agss=agss, lo=lo, hi=hi)
    return Response(body, media_type="application/json")


CSV_HEADERS = {"Content-Disposition": "attachment with a file name"}


def _csv(body: bytes, filename: str) -> Response:
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/timeseries.csv", summary="Monthly figures per municipality as CSV",
            responses={200: content("text/csv", {"type": "string"}, headers=CSV_HEADERS),
                       **errors(401, 422, 503)})
def timeseries_csv(
    session: ReadSessionDep, principal: PrincipalDep, municipality: TownsQuery = None,
    from_: Annotated[str | None, Query(alias="from", description="first month YYYY-MM; "
                                       "default: 23 months before `to`")] = None,
    to: MonthQuery = None,
) -> Response:
    """The time series (same parameters, errors and role rules) with one row per municipality
    and month: `ags`, `name`, `population`, `published_only`, `month`, `count_<status>` (empty
    where the caller may not see the status), `active`, `per_10000`, `new`, `reused`,
    `interim_started`, `interim_ended`. Comma-separated, UTF-8, header row, decimal point."""
    lo, hi = trends.parse_period(from_, to)
    agss = trends.parse_towns(municipality)
    body = trends.timeseries_json(session=session, principal=principal, agss=agss, lo=lo, hi=hi)
    name = f"leerstand-timeseries-{trends.month_label(lo)}-{trends.month_label(hi)}.csv"
    return _csv(downloads.timeseries_csv(body), name)


@router.get("/durations", summary="Vacancy durations per municipality",
            responses={200: content("application/json", _OBJECT), **errors(401, 422, 503)})
def durations(session: ReadSessionDep, principal: PrincipalDep,
              municipality: TownsQuery = None) -> dict[str, Any]:
    """Per municipality, in days: median and quartiles of the current vacancies (a run of
    active statuses up to now) and of the ended ones, the median time from falling empty to
    reuse, the share of ended interim uses that became permanent, and the durations by former
    use and floor-area band. Definitions: docs/statistics.md."""
    agss = trends.parse_towns(municipality)
    return trends.durations(session=session, principal=principal, agss=agss)


@router.get("/durations.csv", summary="Vacancy durations per municipality as CSV",
            responses={200: content("text/csv", {"type": "string"}, headers=CSV_HEADERS),
                       **errors(401, 422, 503)})
def durations_csv(session: ReadSessionDep, principal: PrincipalDep,
                  municipality: TownsQuery = None) -> Response:
    """The durations (same parameters and errors), in days: per municipality a row with
    `breakdown` = `all` (current and ended spells: count, q1, median, q3; vacant → reused;
    interim uses ended, became permanent, share), then rows `former_use` and `floor_area` with
    the `group` and its current and ended spells. Comma-separated, UTF-8, header row."""
    agss = trends.parse_towns(municipality)
    body = trends.durations(session=session, principal=principal, agss=agss)
    return _csv(downloads.durations_csv(body), "leerstand-durations.csv")


@router.get("/report.pdf", summary="Quarterly report (PDF)",
            responses={200: content("application/pdf", {"type": "string", "format": "binary"},
                                    headers={"Content-Disposition": "attachment; file name"}),
                       **errors(401, 422, 503)})
def quarterly_report(
    session: ReadSessionDep, principal: PrincipalDep,
    quarter: Annotated[str, Query(description="quarter YYYY-Qn (required), from 20 years back "
                                  "up to the current one", examples=["2026-Q4"])],
    municipality: TownsQuery = None,
) -> Response:
    """A German A4 PDF: a cover page (title, date of the data, towns, definitions), then per
    town the counts by status at the quarter's end with the change against the previous
    quarter's end, the quarter's events, vacancies per 10,000 inhabitants, the durations (as
    of today) and two charts. Same role rules as the time series: anonymous callers count
    published statuses only. Without `municipality`: every town with vacancies. Definitions:
    docs/statistics.md."""
    result = report.build(session=session, principal=principal, quarter=quarter,
                          municipality=municipality)
    return Response(result.pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{result.filename}"'})
