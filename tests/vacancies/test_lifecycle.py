"""The status lifecycle table (pure)."""

import pytest

from app.vacancies.lifecycle import (
    ALLOWED_TRANSITIONS,
    INITIAL_STATUSES,
    PUBLIC_STATUSES,
    VacancyStatus,
    can_transition,
)

S = VacancyStatus


def test_every_status_has_a_row():
    assert set(ALLOWED_TRANSITIONS) == set(VacancyStatus)


@pytest.mark.parametrize("current, target", [
    (S.reported, S.vacant), (S.reported, S.threatened), (S.reported, S.rejected),
    (S.threatened, S.vacant), (S.vacant, S.interim_use), (S.interim_use, S.vacant),
    (S.interim_use, S.reused), (S.reused, S.vacant), (S.withdrawn, S.vacant),
])
def test_allowed(current, target):
    assert can_transition(current, target)


@pytest.mark.parametrize("current, target", [
    (S.reused, S.reported), (S.vacant, S.reported), (S.rejected, S.vacant),
    (S.demolished, S.vacant), (S.vacant, S.threatened), (S.reported, S.reused),
])
def test_forbidden(current, target):
    assert not can_transition(current, target)


def test_nothing_returns_to_reported():
    assert all(S.reported not in targets for targets in ALLOWED_TRANSITIONS.values())


def test_unverified_and_closed_records_are_not_public():
    assert S.reported not in PUBLIC_STATUSES and S.rejected not in PUBLIC_STATUSES
    assert S.reported not in INITIAL_STATUSES
