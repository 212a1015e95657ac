"""The access policy, without a database: every role against every rule and scope."""

from __future__ import annotations

import pytest

from app.accounts import policy
from app.accounts.models import Role
from app.accounts.policy import PrivateAccess, ReadScope
from app.accounts.principal import ANONYMOUS, Principal
from app.errors import Forbidden
from app.vacancies import query
from app.vacancies.query import VacancyFilter

STAFF = Principal(user_id=1, role=Role.staff, municipality_id=7)
GROUP = Principal(user_id=2, role=Role.working_group)
ADMIN = Principal(user_id=3, role=Role.admin)
# a staff account whose town was deleted: no town, so no staff rights anywhere
ORPHAN = Principal(user_id=4, role=Role.staff, municipality_id=None)


def test_edit_moderate_and_private_fields():
    assert policy.may_edit(STAFF, 7) and not policy.may_edit(STAFF, 8)
    assert policy.sees_private(STAFF, 7) and not policy.sees_private(STAFF, 8)
    assert policy.may_moderate(STAFF, 7) and not policy.may_moderate(GROUP, 7)
    assert not policy.may_edit(GROUP, 7) and not policy.sees_private(GROUP, 7)
    assert policy.sees_moderation(GROUP, 7) and not policy.sees_moderation(STAFF, 8)
    assert policy.may_edit(ADMIN, 8) and policy.sees_private(ADMIN, 8)
    for nobody in (ANONYMOUS, ORPHAN):
        assert not policy.may_edit(nobody, 7) and not policy.sees_private(nobody, 7)
        assert not policy.sees_moderation(nobody, 7)


@pytest.mark.parametrize(("principal", "own", "other"), [
    (ANONYMOUS, False, False), (ORPHAN, False, False), (STAFF, True, False),
    (GROUP, True, True), (ADMIN, True, True),
])
def test_non_public_rows(principal, own, other):
    assert policy.may_read(principal, 7, public=False) is own
    assert policy.may_read(principal, 8, public=False) is other
    assert policy.may_read(principal, 8, public=True)


def test_private_towns():
    assert policy.private_towns(STAFF) == (False, (7,))
    assert policy.private_towns(ADMIN) == (True, ())
    assert policy.private_towns(GROUP) == (False, ())
    assert policy.private_towns(ANONYMOUS) == (False, ())


def test_read_scopes():
    assert policy.read_scope(ANONYMOUS) == ReadScope()
    assert policy.read_scope(GROUP) == ReadScope(all_rows=True)
    assert policy.read_scope(STAFF) == ReadScope(own_town=7, private=PrivateAccess.personal)
    assert policy.read_scope(ADMIN) == ReadScope(all_rows=True, private=PrivateAccess.personal,
                                                 private_everywhere=True)


def test_export_scopes():
    assert policy.export_scope(ANONYMOUS) == ReadScope()
    assert policy.export_scope(GROUP) == ReadScope(all_rows=True)
    assert policy.export_scope(STAFF) == ReadScope(all_rows=True, own_town=7, towns=(7,),
                                                   private=PrivateAccess.internal)
    assert policy.export_scope(STAFF, include_private=True).private == PrivateAccess.personal
    assert policy.export_scope(ADMIN).private == PrivateAccess.none
    assert policy.export_scope(ADMIN, include_private=True).private == PrivateAccess.personal
    for principal in (ANONYMOUS, GROUP, ORPHAN):
        with pytest.raises(Forbidden):
            policy.export_scope(principal, include_private=True)


def test_row_filter_sql():
    public = "v.status IN ('vacant')"
    assert ReadScope().row_filter(public=public, town="v.municipality_id") == (public, {})
    assert ReadScope(all_rows=True).row_filter(public=public, town="t") == ("TRUE", {})
    sql, params = policy.read_scope(STAFF).row_filter(public=public, town="t")
    assert sql == f"({public} OR t = :scope_own_town)" and params == {"scope_own_town": 7}
    sql, params = policy.export_scope(STAFF).row_filter(public=public, town="t")
    assert sql == "t = ANY(:scope_towns)" and params == {"scope_towns": [7], "scope_own_town": 7}


def test_private_fields_per_scope():
    def private(scope: ReadScope) -> list[tuple[str, str]]:
        return [(c.name, sql) for c, sql in query.flat_columns(scope)
                if c.name in ("owner_contact", "internal_notes")]

    assert private(policy.read_scope(ANONYMOUS)) == []
    assert private(policy.read_scope(GROUP)) == []
    assert private(policy.export_scope(ADMIN)) == []
    assert private(policy.read_scope(ADMIN)) == [("owner_contact", "v.owner_contact"),
                                                 ("internal_notes", "v.internal_notes")]
    # staff across towns (OGC): their own town's values only, NULL elsewhere
    assert private(policy.read_scope(STAFF)) == [
        ("owner_contact", "CASE WHEN v.municipality_id = :scope_own_town THEN v.owner_contact END"),
        ("internal_notes", "CASE WHEN v.municipality_id = :scope_own_town THEN v.internal_notes END"),
    ]
    assert [name for name, _ in private(policy.export_scope(STAFF))] == ["internal_notes"]
    nested = query.nested_properties_sql(policy.read_scope(GROUP))
    assert "owner_contact" not in nested and "internal_notes" not in nested
    assert "CASE WHEN v.municipality_id = :scope_own_town" in query.nested_properties_sql(
        policy.read_scope(STAFF))


def test_staff_may_not_name_another_town():
    scope = policy.export_scope(STAFF)
    with pytest.raises(Forbidden):
        query.check_towns(scope, VacancyFilter(municipalities=["16053000"]), own_ags="16077043")
    query.check_towns(scope, VacancyFilter(municipalities=["16077043"]), own_ags="16077043")
