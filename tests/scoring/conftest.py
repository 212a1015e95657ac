"""Fixtures of the scoring tests: an admin."""

import pytest

from tests.helpers.users import bearer


@pytest.fixture
def admin(users):
    return bearer(users.token("admin"))
