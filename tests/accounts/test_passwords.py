"""The password policy (pure), and that creating a user or setting a password applies it."""

import pytest

from app.accounts import passwords, service
from app.accounts.models import Role
from app.errors import InvalidInput

# the four the adversarial probe got accepted, and their 12-character cousins
WEAK = ["aaaaaaaaaa", "1234567890", "password12", " " * 10, " " * 12, "\t" * 14,
        "aaaaaaaaaaaa", "abababababab", "123456789012", "password1234", "Password2024!",
        "qwertyuiop12", "iloveyou!!!!", "1q2w3e4r5t6y"]
GOOD = ["ein-langes-passwort", "map-test-password-1", "leerstand-demo", "Kornblume-Ziegel-7"]


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused(password):
    assert passwords.password_problem(password) is not None


@pytest.mark.parametrize("password", GOOD)
def test_good_passwords_pass(password):
    assert passwords.password_problem(password) is None


def test_the_shipped_list_is_read_without_its_header():
    common = passwords.common_passwords()
    assert len(common) > 25_000 and "password" in common and "123456" in common
    assert not any(word.startswith("#") for word in common)


def test_messages_are_german():
    assert "mindestens 12 Zeichen" in passwords.password_problem("kurz")
    assert "verbreitet" in passwords.password_problem("password1234")
    assert "Leerzeichen" in passwords.password_problem(" " * 12)


@pytest.mark.parametrize("password", ["aaaaaaaaaa", "1234567890", "password12", " " * 10])
def test_create_user_refuses_weak_passwords(session, password):
    with pytest.raises(InvalidInput) as caught:
        service.create_user(session=session, email="a@example.org", role=Role.admin,
                            password=password)
    assert caught.value.field == "password"


def test_set_password_refuses_weak_passwords(session):
    user = service.create_user(session=session, email="a@example.org", role=Role.admin)
    with pytest.raises(InvalidInput):
        service.set_password(session=session, user=user, password="password1234")
