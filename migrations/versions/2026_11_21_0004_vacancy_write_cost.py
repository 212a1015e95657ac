"""vacancy: cheaper writes — no index that no query uses, no history row that repeats the vacancy

- ix_vacancy_municipality_id: municipality_id is the leading column of
  ix_vacancy_municipality_status and of uq_vacancy_external_id, which serve the same lookups;
- ix_vacancy_status: status alone is never selective (most rows are public statuses); the
  queries that filter by status also filter by town, or read most of the table anyway;
- idx_vacancy_footprint: no query selects by footprint (it is only shown).

Measured on 100,000 imported rows: the three cost ~0.25 s of the ~1.7 s INSERT
(bench/exchange/results.md).

The history no longer stores a "created" entry per vacancy: the vacancy row itself records its
creation (created_at, created_by_id, source) and the history endpoint shows it as the first
entry (its first status is the old value of the first status change). Writing that row cost
~1.1 s per 100,000 imported vacancies (each history row locks its vacancy for the foreign key).
Downgrade writes the entries back from the vacancy rows.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 20:45:00
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_vacancy_municipality_id", table_name="vacancy")
    op.drop_index("ix_vacancy_status", table_name="vacancy")
    op.drop_index("idx_vacancy_footprint", table_name="vacancy")
    op.execute("DELETE FROM vacancy_history WHERE field = 'created'")


def downgrade() -> None:
    op.execute("""
        INSERT INTO vacancy_history (vacancy_id, version, changed_at, actor_id, field, new_value)
        SELECT v.id, 1, v.created_at, v.created_by_id, 'created',
               jsonb_build_object('status', COALESCE(
                   (SELECT h.old_value #>> '{}' FROM vacancy_history h
                    WHERE h.vacancy_id = v.id AND h.field = 'status' ORDER BY h.id LIMIT 1),
                   v.status), 'source', v.source)
        FROM vacancy v
    """)
    op.create_index("idx_vacancy_footprint", "vacancy", ["footprint"], postgresql_using="gist")
    op.create_index("ix_vacancy_status", "vacancy", ["status"])
    op.create_index("ix_vacancy_municipality_id", "vacancy", ["municipality_id"])
