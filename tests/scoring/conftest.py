"""Fixtures of the scoring tests: a staff member of Schmölln and an admin."""

import pytest

from tests.helpers.towns import SCHMOELLN
from tests.helpers.users import bearer


@pytest.fixture
def staff(users):
    return bearer(users.token("staff", SCHMOELLN))


@pytest.fixture
def admin(users):
    return bearer(users.token("admin"))
