"""create_app(): routers, error handlers, middleware, static files."""

from __future__ import annotations

import logging
import traceback
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from app.accounts.router import router as accounts_router
from app.config import PROJECT_DIR, Settings, get_settings
from app.database import error_class, make_engine
from app.errors import DomainError, status_for
from app.exchange.ogc_router import router as ogc_router
from app.exchange.router import MAX_UPLOAD_BYTES, UPLOAD_PREFIX, import_router
from app.exchange.router import router as exports_router
from app.labels import TABLES as LABEL_TABLES
from app.labels import router as labels_router
from app.maps.router import router as pages_router
from app.matching.router import router as matching_router
from app.middleware import BodyGuardMiddleware, SecurityHeadersMiddleware
from app.municipalities.router import router as municipalities_router
from app.proposals.router import pages as proposal_pages
from app.proposals.router import router as proposals_router
from app.review.router import router as review_router
from app.scoring.router import router as scoring_router
from app.statistics.router import router as statistics_router
from app.templating import render, templates
from app.vacancies.reports_router import router as reports_router
from app.vacancies.router import router as vacancies_router

log = logging.getLogger(__name__)
API_PREFIXES = ("/api/", "/ogc")  # /ogc: OGC clients get JSON exception bodies
# anonymous writes get tighter body limits than the staff API (a proposal may carry a polygon)
PUBLIC_BODY_LIMITS = {"/api/v1/reports": 16 * 1024, "/api/v1/proposals": 64 * 1024}
GERMAN_TITLES = {
    401: "Anmeldung erforderlich", 403: "Kein Zugriff", 404: "Seite nicht gefunden",
    405: "Nicht erlaubt", 413: "Anfrage zu groß", 422: "Ungültige Eingabe",
    429: "Zu viele Anfragen",
}


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIXES) and "text/html" in request.headers.get(
        "accept", "text/html"
    )


def _error_response(request: Request, status: int, body: dict) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if _wants_html(request):
        title = GERMAN_TITLES.get(status, "Fehler")
        return render(request, "error.html", status_code=status, title=title,
                      message=body.get("detail") if status != 404 else
                      "Diese Seite gibt es nicht. Vielleicht ist der Link veraltet.")
    return JSONResponse(body, status_code=status, headers=headers)


def _clean_validation_errors(errors: list[dict]) -> list[dict]:
    # the request's own values are not echoed back (they may hold private data)
    return [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
            for e in errors]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    def domain_error(request: Request, exc: DomainError) -> Response:
        response = _error_response(request, status_for(exc), exc.body())
        response.headers.update(getattr(exc, "headers", {}))
        return response

    @app.exception_handler(RequestValidationError)
    def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = _clean_validation_errors(list(exc.errors()))
        if any(e["type"] == "json_invalid" for e in errors):
            return _error_response(request, 400, {
                "detail": "request body is not valid JSON", "code": "bad_request", "errors": errors,
            })
        fields = ", ".join(".".join(str(p) for p in e["loc"][1:] or e["loc"]) for e in errors)
        return _error_response(request, 422, {
            "detail": f"invalid input: {fields}", "code": "validation_error", "errors": errors,
        })

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error_response(request, exc.status_code, {"detail": exc.detail, "code": "http_error"})

    @app.exception_handler(IntegrityError)
    def integrity_error(request: Request, exc: IntegrityError) -> Response:
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        log.warning("integrity error on %s %s: constraint %s", request.method,
                    request.url.path, constraint)
        return _error_response(request, 409, {
            "detail": f"conflicts with stored data (constraint {constraint})", "code": "conflict",
        })

    @app.exception_handler(DBAPIError)
    def database_error(request: Request, exc: DBAPIError) -> Response:
        _log_database_error(request, exc)
        if isinstance(exc, DataError):  # SQLSTATE class 22: a value the column cannot take
            return _error_response(request, 422, {
                "detail": "a value is out of range or not valid for the database",
                "code": "invalid_input"})
        if isinstance(exc, OperationalError):
            return _error_response(request, 503, {
                "detail": "the database is not available", "code": "unavailable"})
        return _error_response(request, 500, {"detail": "internal error", "code": "internal_error"})


def _log_database_error(request: Request, exc: DBAPIError) -> None:
    """Where it failed and PostgreSQL's error class, never the message (``error_class``)."""
    name, sqlstate = error_class(exc)
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("database error on %s %s: %s (SQLSTATE %s)\n%s", request.method, request.url.path,
              name, sqlstate, frames)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    if not settings.database_url:
        raise RuntimeError("create_app needs a database URL; `leerstand serve` provides one")
    if not settings.secret_key:
        raise RuntimeError("create_app needs LEERSTAND_SECRET_KEY")
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        engine.dispose()

    app = FastAPI(
        title="Leerstand API",
        summary="Register of vacant inner-city shops: vacancies, municipalities, scores, proposals",
        version="1",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = sessionmaker(engine, expire_on_commit=False)

    install_error_handlers(app)
    # public writes get tight limits; file uploads may exceed the JSON limit, but are still cut
    # off while streaming in
    app.add_middleware(BodyGuardMiddleware, max_bytes=settings.max_body_bytes,
                       limits={**PUBLIC_BODY_LIMITS, UPLOAD_PREFIX: MAX_UPLOAD_BYTES},
                       uploads=(UPLOAD_PREFIX,))
    app.add_middleware(
        SessionMiddleware, secret_key=settings.secret_key, session_cookie="leerstand_session",
        max_age=settings.session_max_age_s, same_site="lax", https_only=settings.cookie_secure,
    )

    app.add_middleware(SecurityHeadersMiddleware)

    for router in (vacancies_router, municipalities_router, accounts_router, pages_router,
                   reports_router, proposals_router, matching_router, review_router,
                   proposal_pages, statistics_router, scoring_router, exports_router,
                   import_router, ogc_router, labels_router):
        app.include_router(router)
    # every template reads enum labels from the one table (app/labels.py)
    templates.env.globals["labels"] = LABEL_TABLES
    app.mount("/static", StaticFiles(directory=PROJECT_DIR / "static"), name="static")
    return app
