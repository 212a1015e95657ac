"""Request dependencies shared by the routers: the request's database session.

Kept apart from app.database so that the command line and the importers load no web framework.
"""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker


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
