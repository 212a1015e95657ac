"""Engine, the declarative base with a naming convention, and the typed ways to a DML statement's
row count and to the psycopg connection for COPY (the request session dependency is in app.deps,
so that this module loads no web framework)."""

from collections.abc import Mapping
from enum import StrEnum
from functools import lru_cache
from typing import Any

import psycopg
from sqlalchemy import Enum, Executable, MetaData, create_engine
from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


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
    # which include owner contacts, internal notes and citizens' e-mails
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10,
                         hide_parameters=True)
