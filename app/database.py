"""Engine, the declarative base with a naming convention, and the typed ways to a DML statement's
row count and to the psycopg connection for COPY (the request session dependency is in app.deps,
so that this module loads no web framework)."""

import threading
import weakref
from collections.abc import Mapping
from enum import StrEnum
from functools import lru_cache
from typing import Any

import psycopg
from sqlalchemy import Enum, Executable, MetaData, create_engine, event, make_url
from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.pool import NullPool

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
CONNECT_TIMEOUT_S = 3
POOL_TIMEOUT_S = 3


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def str_enum(cls: type[StrEnum], name: str) -> Enum:
    """A lifecycle/choice column: VARCHAR with a CHECK constraint (no PostgreSQL ENUM type, so
    adding a value is a plain constraint change in a migration). It stores the values, not the
    member names, so a member can be renamed without a migration."""
    return Enum(cls, native_enum=False, create_constraint=True, length=20, name=name,
                values_callable=lambda members: [m.value for m in members])


def rowcount(session: Session, statement: Executable, params: Mapping[str, Any] | None = None) -> int:
    """Run an UPDATE or DELETE; returns how many rows it touched. Session.execute is typed as
    returning a Result, but a DML statement's is a CursorResult, the one that has rowcount."""
    result = session.execute(statement, params)
    if not isinstance(result, CursorResult):
        raise TypeError(f"{type(result).__name__} of a statement that is not DML has no rowcount")
    return result.rowcount


def psycopg_connection(conn: Connection) -> psycopg.Connection[Any]:
    """The psycopg connection under a SQLAlchemy one, for COPY (which DB-API does not have)."""
    raw = conn.connection.dbapi_connection
    if not isinstance(raw, psycopg.Connection):
        raise TypeError(f"COPY needs a psycopg connection, not {type(raw).__name__}")
    return raw


def as_dbapi_error(exc: psycopg.Error) -> DBAPIError:
    """A psycopg error from the raw connection (COPY) as SQLAlchemy would have raised it
    (OperationalError, DataError, …), so that the one error table maps it; no parameters."""
    wrapped = DBAPIError.instance(None, None, exc, psycopg.Error, hide_parameters=True)
    assert isinstance(wrapped, DBAPIError)
    return wrapped


def error_class(exc: BaseException) -> tuple[str, str | None]:
    """A failed statement's error class and SQLSTATE for the log, never its message: besides the
    statement's parameters (hidden by the engine) PostgreSQL's own text can quote values
    ("Failing row contains (...)", 'invalid input syntax for type integer: "..."')."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    return type(orig).__name__, getattr(orig, "sqlstate", None)


@lru_cache(maxsize=8)
def make_engine(url: str) -> Engine:
    # hide_parameters: an error's text (logged, printed) never carries the statement's values,
    # which include owner contacts, internal notes and citizens' e-mails.
    # With the database unreachable a request must fail fast (503), not hang: connecting gives
    # up after CONNECT_TIMEOUT_S (a host that drops packets would otherwise take the OS's ~2
    # minutes), waiting for a free pooled connection after POOL_TIMEOUT_S (default 30 s).
    # pool_pre_ping replaces connections PostgreSQL dropped, so the service recovers by itself.
    # pool_use_lifo: the connection used last serves next, its backend's caches and prepared
    # statements warm; in FIFO order a request often got one that had not run its query yet,
    # and the map's first page then took ~0.5 s instead of ~30 ms (bench/maps)
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10,
                           pool_use_lifo=True,
                           pool_timeout=POOL_TIMEOUT_S, hide_parameters=True,
                           connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    _IN_USE[engine] = CheckedOut(engine)
    return engine


class CheckedOut:
    """The psycopg connections an engine has lent out now. Weak: a connection the pool
    invalidated is checked in without its DB-API connection, and must not stay listed."""

    def __init__(self, engine: Engine) -> None:
        self._lock = threading.Lock()
        self._connections: weakref.WeakSet[psycopg.Connection[Any]] = weakref.WeakSet()
        event.listen(engine, "checkout", self._checkout)
        event.listen(engine, "checkin", self._checkin)

    def _checkout(self, dbapi_connection: Any, record: Any, proxy: Any) -> None:
        with self._lock:
            self._connections.add(dbapi_connection)

    def _checkin(self, dbapi_connection: Any, record: Any) -> None:
        if dbapi_connection is not None:
            with self._lock:
                self._connections.discard(dbapi_connection)

    def now(self) -> list[psycopg.Connection[Any]]:
        with self._lock:
            return list(self._connections)


_IN_USE: weakref.WeakKeyDictionary[Engine, CheckedOut] = weakref.WeakKeyDictionary()


def cancel_running_statements(engine: Engine) -> int:
    """Asks PostgreSQL to cancel what the engine's checked-out connections are running; returns
    how many it asked. For shutting down: a request stuck on a lock holds a worker thread that
    no task cancellation reaches, and the process cannot exit until that thread returns."""
    in_use = _IN_USE.get(engine)
    connections = in_use.now() if in_use else []
    for connection in connections:
        try:
            connection.cancel_safe(timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error:  # gone already, or the server is unreachable: nothing to cancel
            pass
    return len(connections)


def make_probe_engine(url: str, *, timeout_s: int = 2) -> Engine:
    """An engine for the readiness check: a fresh connection per check (no pool: a busy request
    pool cannot make the probe wait, and a check stuck on a dead connection leaves nothing behind
    for the next), bounded in connecting, in the statement and in unacknowledged network traffic
    (libpq's connect_timeout minimum is 2 s)."""
    given = make_url(url).query.get("options", ())
    options = [*([given] if isinstance(given, str) else given),
               f"-c statement_timeout={timeout_s * 1000 - 500}"]
    return create_engine(url, poolclass=NullPool, hide_parameters=True,
                         connect_args={"connect_timeout": timeout_s, "options": " ".join(options),
                                       "tcp_user_timeout": timeout_s * 1000})
