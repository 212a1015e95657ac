"""Engine and the declarative base with a naming convention (the request session dependency is
in app.deps, so that this module loads no web framework)."""

from enum import StrEnum
from functools import lru_cache

from sqlalchemy import Enum, MetaData, create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

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
