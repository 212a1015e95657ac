"""Users and API tokens in the test database, and the header that carries a token."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.accounts.models import Role
from app.database import make_engine

# the password the map tests give the users they log in with
PASSWORD = "map-test-password-1"
_counter = itertools.count()


class Users:
    """Creates users with API tokens in the test database."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url

    def token(self, role: Role | str, ags: str | None = None, email: str | None = None,
              password: str | None = None) -> str:
        role = Role(role)
        email = email or f"{role.value}-{ags or 'all'}-{next(_counter)}@example.org"
        with Session(make_engine(self.url)) as s, s.begin():
            user = accounts.create_user(session=s, email=email, role=role, municipality_ags=ags,
                                        password=password)
            return accounts.create_token(session=s, user=user)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
