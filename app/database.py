"""Engine, session dependency and the declarative base with a naming convention."""

from collections.abc import Iterator
from enum import StrEnum
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Enum, MetaData, create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

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
    adding a value is a plain constraint change in a migration)."""
    return Enum(cls, native_enum=False, create_constraint=True, length=20, name=name)


@lru_cache(maxsize=8)
def make_engine(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; the request boundary commits or rolls back."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# scope="function": the commit happens when the route returns, BEFORE the response is sent.
# (FastAPI's default "request" scope would commit after sending, so a client could act on a
# 200 before the write is visible, or get a 200 for a commit that then fails.) Streaming
# responses read through their own connection from the engine.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
