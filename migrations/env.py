"""Alembic environment: the URL comes from the caller (app.migrate) or LEERSTAND_DATABASE_URL."""

import os

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine

from app.models import Base

config = context.config
target_metadata = Base.metadata
GEO_KW = {
    "include_object": alembic_helpers.include_object,
    "process_revision_directives": alembic_helpers.writer,
    "render_item": alembic_helpers.render_item,
    "compare_type": True,
}


def _url() -> str:
    url = config.attributes.get("url") or os.environ.get("LEERSTAND_DATABASE_URL")
    if not url:
        raise SystemExit("no database URL: use `leerstand migrate` or set LEERSTAND_DATABASE_URL")
    return url


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, **GEO_KW)
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, **GEO_KW)
        with context.begin_transaction():
            context.run_migrations()
    else:
        engine = create_engine(_url(), hide_parameters=True)
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=target_metadata, **GEO_KW)
            with context.begin_transaction():
                context.run_migrations()
        engine.dispose()
