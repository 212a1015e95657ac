"""create_app(): routers, error handlers, middleware, static files."""

from __future__ import annotations

import logging
import re
import traceback
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount, compile_path
from starlette.types import ASGIApp, Scope

from app import migrate
from app.accounts.deps import SESSION_ID
from app.accounts.router import router as accounts_router
from app.addresses.router import router as addresses_router
from app.api_viewers import REDOC_URL, install_api_viewers
from app.config import Settings, get_settings
from app.coordinates import router as coordinates_router
from app.database import cancel_running_statements, error_class, make_engine, make_probe_engine
from app.errors import DomainError, status_for
from app.exchange.ogc_router import router as ogc_router
from app.exchange.router import MAX_UPLOAD_BYTES, UPLOAD_PREFIX, import_router
from app.exchange.router import router as exports_router
from app.expose.router import router as expose_router
from app.labels import TABLES as LABEL_TABLES
from app.labels import router as labels_router
from app.mail import service as mail_service
from app.mail.router import pages as mail_pages
from app.maps.router import router as pages_router
from app.matching.router import router as matching_router
from app.middleware import BodyGuardMiddleware, SecurityHeadersMiddleware, csp_source
from app.municipalities.router import router as municipalities_router
from app.observability.context import RequestContextMiddleware, loggable_path
from app.observability.metrics import Metrics, MetricsMiddleware
from app.observability.readiness import ReadinessProbe
from app.observability.router import router as observability_router
from app.photos.router import ENVELOPE_BYTES as PHOTO_ENVELOPE_BYTES
from app.photos.router import UPLOAD_PATHS as PHOTO_UPLOAD_PATHS
from app.photos.router import router as photos_router
from app.proposals.router import STATUS_PAGE, STATUS_PATH
from app.proposals.router import pages as proposal_pages
from app.proposals.router import router as proposals_router
from app.replica import Replica
from app.responses import install_openapi
from app.review.router import router as review_router
from app.scoring.router import router as scoring_router
from app.static_assets import STATIC_PREFIX, HashedStaticFiles, static_url
from app.statistics.router import router as statistics_router
from app.templating import render, templates
from app.vacancies.owner_router import router as owner_router
from app.vacancies.reports_router import router as reports_router
from app.vacancies.router import router as vacancies_router

log = logging.getLogger(__name__)
API_PREFIXES = ("/api/", "/ogc")  # /ogc: OGC clients get JSON exception bodies
# anonymous writes get tighter body limits than the staff API (a proposal may carry a polygon)
PUBLIC_BODY_LIMITS = {"/api/v1/reports": 16 * 1024, "/api/v1/proposals": 64 * 1024}
GERMAN_TITLES = {
    401: "Anmeldung erforderlich", 403: "Kein Zugriff", 404: "Seite nicht gefunden",
    405: "Nicht erlaubt", 413: "Anfrage zu groß", 422: "Ungültige Eingabe",
    429: "Zu viele Anfragen", 503: "Vorübergehend nicht erreichbar",
    504: "Zeitüberschreitung",
}
GERMAN_MESSAGES = {
    404: "Diese Seite gibt es nicht. Vielleicht ist der Link veraltet.",
    503: "Die Datenbank ist gerade nicht erreichbar. Bitte versuchen Sie es in ein paar "
         "Sekunden noch einmal.",
}
# seconds a client is asked to wait while the database is unreachable (503)
RETRY_AFTER_S = 5
UNAVAILABLE = {"detail": "the database is not available", "code": "unavailable"}
# paths whose last segment is a secret (the authors' status links): redacted in logs
SECRET_LINKS = (STATUS_PATH, STATUS_PAGE, mail_service.CONFIRM_PAGE, mail_service.UNSUBSCRIBE_PAGE)
# never stored by a browser or proxy: the login forms' answers and the secret links
PRIVATE_PATHS = ("/anmelden", "/abmelden", *SECRET_LINKS)
STATIC_METHODS = {"GET", "HEAD"}  # what StaticFiles answers
# below this, gzip's header and a lost round of TCP slow start cost more than they save
GZIP_MINIMUM_BYTES = 1024
# zlib's default: leaflet.js 146.7 kB → 42.4 kB in 5.5 ms; level 9 saves 0.2 kB for twice the CPU
GZIP_LEVEL = 6
# already compressed or binary: GeoPackage and zip exports, images, PDFs
NOT_COMPRESSED = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/geopackage+sqlite3",
                  "application/pdf", "application/octet-stream")


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(API_PREFIXES) and "text/html" in request.headers.get(
        "accept", "text/html"
    )


def _error_response(request: Request, status: int, body: dict) -> Response:
    retry = {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else {}
    if not _wants_html(request):
        auth = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
        return JSONResponse(body, status_code=status, headers={**auth, **retry})
    response = render(request, "error.html", status_code=status,
                      title=GERMAN_TITLES.get(status, "Fehler"),
                      message=GERMAN_MESSAGES.get(status, body.get("detail")))
    response.headers.update(retry)
    return response


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
        response = _error_response(request, exc.status_code,
                                   {"detail": exc.detail, "code": "http_error"})
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:
            response.headers["Allow"] = ", ".join(allowed_methods(request.app, request.scope))
        return response

    @app.exception_handler(IntegrityError)
    def integrity_error(request: Request, exc: IntegrityError) -> Response:
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        log.warning("integrity error on %s %s: constraint %s", request.method,
                    loggable_path(request.scope), constraint)
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
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            return _error_response(request, 503, UNAVAILABLE)
        return _error_response(request, 500, {"detail": "internal error", "code": "internal_error"})

    @app.exception_handler(PoolTimeout)
    def pool_timeout(request: Request, exc: PoolTimeout) -> Response:
        log.error("no free database connection for %s %s within the pool timeout",
                  request.method, request.url.path)
        return _error_response(request, 503, UNAVAILABLE)

    @app.exception_handler(psycopg.Error)
    def psycopg_error(request: Request, exc: psycopg.Error) -> Response:
        # psycopg's own errors, not wrapped by SQLAlchemy: COPY on the raw connection (exports,
        # imports)
        _log_database_error(request, exc)
        if isinstance(exc, psycopg.OperationalError):
            return _error_response(request, 503, UNAVAILABLE)
        return _error_response(request, 500, {"detail": "internal error", "code": "internal_error"})


def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """Every method that some route of the request's path takes (RFC 9110: a 405 names them in
    ``Allow``). Starlette's 405 names only the first route that matched the path, though a path
    often has one route per method (and FastAPI's handler passes no headers on)."""
    # the path as the app's router saw it: a Mount (static files) has moved root_path since
    root = scope.get("app_root_path", scope.get("root_path", ""))
    path: str = scope["path"][len(root):] if root and scope["path"].startswith(root) else scope["path"]
    methods: set[str] = set()
    for route in iter_route_contexts(app.routes):  # included routers are branches (FastAPI 0.16x)
        template = route.path
        if template is None:
            continue
        if isinstance(route.original_route, Mount):
            if path == template or path.startswith(template.rstrip("/") + "/"):
                methods |= STATIC_METHODS if isinstance(route.original_route.app, StaticFiles) else set()
        elif _path_regex(template).match(path):
            methods |= route.methods or set()
    return sorted(methods)


@lru_cache(maxsize=256)
def _path_regex(template: str) -> re.Pattern[str]:
    return compile_path(template)[0]


def _log_database_error(request: Request, exc: DBAPIError | psycopg.Error) -> None:
    """Where it failed and PostgreSQL's error class, never the message (``error_class``)."""
    name, sqlstate = error_class(exc)
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("database error on %s %s: %s (SQLSTATE %s)\n%s", request.method,
              loggable_path(request.scope), name, sqlstate, frames)


class LeerstandApp(FastAPI):
    """FastAPI with the security headers outermost: Starlette's ServerErrorMiddleware sends its
    500 answer past every middleware added with ``add_middleware``, which would leave it bare."""

    security_headers: dict[str, Any]

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeadersMiddleware(super().build_middleware_stack(), **self.security_headers)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    if not settings.database_url:
        raise RuntimeError("create_app needs a database URL; `leerstand serve` provides one")
    if not settings.secret_key:
        raise RuntimeError("create_app needs LEERSTAND_SECRET_KEY")
    engine = make_engine(settings.database_url)
    replica = (Replica(make_engine(settings.read_database_url), max_lag_s=settings.replica_max_lag_s)
               if settings.read_database_url else None)
    probe_engine = make_probe_engine(settings.database_url)
    metrics = Metrics.for_engine(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        # uvicorn has waited timeout_graceful_shutdown for the requests in flight; a statement
        # still running is hung (e.g. on a lock): cancel it, or its thread keeps the process up
        if cancelled := cancel_running_statements(engine):
            log.warning("shutdown: cancelled the statements of %s request(s) still running",
                        cancelled)
        engine.dispose()
        if replica is not None:
            replica.engine.dispose()
        probe_engine.dispose()
        metrics.close()

    app = LeerstandApp(
        title="Leerstand API",
        summary="Register of vacant inner-city shops: vacancies, municipalities, scores, proposals",
        version="1",
        lifespan=lifespan,
        docs_url=None, redoc_url=None,  # served from static/vendor/ (install_api_viewers)
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = sessionmaker(engine, expire_on_commit=False)
    app.state.replica = replica
    app.state.read_session_factory = replica and sessionmaker(replica.engine,
                                                              expire_on_commit=False)
    # the scripts' head is read once, at start-up; every probe compares the database with it
    app.state.readiness = ReadinessProbe(engine=probe_engine, scripts=migrate.script_revisions())
    app.state.metrics = metrics

    install_error_handlers(app)
    install_openapi(app)
    install_api_viewers(app)
    # public writes get tight limits; file uploads may exceed the JSON limit, but are still cut
    # off while streaming in
    # photo uploads first: a report's photos lie under the reports' tight prefix
    photo_limit = settings.photo_max_bytes + PHOTO_ENVELOPE_BYTES
    app.add_middleware(BodyGuardMiddleware, max_bytes=settings.max_body_bytes,
                       limits={**dict.fromkeys(PHOTO_UPLOAD_PATHS, photo_limit),
                               **PUBLIC_BODY_LIMITS, UPLOAD_PREFIX: MAX_UPLOAD_BYTES},
                       uploads=(UPLOAD_PREFIX, *PHOTO_UPLOAD_PATHS))
    app.add_middleware(
        SessionMiddleware, secret_key=settings.secret_key, session_cookie="leerstand_session",
        max_age=settings.session_max_age_s, same_site="lax", https_only=settings.cookie_secure,
    )

    # outermost: they count and time what the client gets, 413s and error pages included
    app.add_middleware(MetricsMiddleware, metrics=metrics.requests)
    app.add_middleware(RequestContextMiddleware)
    # every text answer, the guards' errors included; only the security headers (outermost,
    # LeerstandApp) and the crash page of ServerErrorMiddleware pass outside it
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES,
                       compresslevel=GZIP_LEVEL, exclude_content_types=NOT_COMPRESSED)
    tiles = csp_source(settings.tiles_url)
    app.security_headers = {
        "image_sources": (tiles,) if tiles else (), "private_paths": PRIVATE_PATHS,
        "session_login_key": SESSION_ID, "redoc_paths": (REDOC_URL,),
    }

    # mail pages before the staff map: /verwaltung/postausgang is no town's /verwaltung/{ags}
    for router in (vacancies_router, municipalities_router, accounts_router, mail_pages, pages_router,
                   reports_router, proposals_router, matching_router, review_router,
                   proposal_pages, statistics_router, scoring_router, exports_router,
                   import_router, ogc_router, labels_router, observability_router, expose_router,
                   addresses_router, photos_router, owner_router, coordinates_router):
        app.include_router(router)
    # every template reads enum labels from the one table (app/labels.py)
    templates.env.globals["labels"] = LABEL_TABLES
    templates.env.globals["static_url"] = static_url
    # hashed URLs (static_url in every template) are cached for a year, plain ones revalidated
    app.mount(STATIC_PREFIX, HashedStaticFiles(), name="static")
    return app
