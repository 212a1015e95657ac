"""Account rules without HTTP."""

import pytest

from app.accounts import service
from app.accounts.models import Role
from app.errors import Conflict, InvalidInput, NotFound


def test_staff_needs_a_municipality(session):
    with pytest.raises(InvalidInput, match="municipality"):
        service.create_user(session=session, email="a@example.org", role=Role.staff)


def test_unknown_municipality(session):
    with pytest.raises(NotFound):
        service.create_user(session=session, email="a@example.org", role=Role.staff,
                            municipality_ags="16999999")


def test_email_is_normalised_and_unique(session):
    user = service.create_user(session=session, email="  Amt@Example.ORG ", role=Role.admin)
    assert user.email == "amt@example.org"
    with pytest.raises(Conflict):
        service.create_user(session=session, email="amt@example.org", role=Role.admin)


@pytest.mark.parametrize("email", ["", "kein-at", "a@b", "a b@example.org"])
def test_bad_emails(session, email):
    with pytest.raises(InvalidInput):
        service.create_user(session=session, email=email, role=Role.admin)


def test_short_password_refused(session):
    with pytest.raises(InvalidInput, match="mindestens 12 Zeichen"):
        service.create_user(session=session, email="a@example.org", role=Role.admin,
                            password="kurz")


def test_token_is_stored_only_as_hash(session):
    from app.accounts.models import ApiToken

    user = service.create_user(session=session, email="a@example.org", role=Role.admin)
    token = service.create_token(session=session, user=user)
    stored = session.query(ApiToken).one()
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    assert service.authenticate_token(session=session, token=token).id == user.id
    assert service.authenticate_token(session=session, token=token + "x") is None
