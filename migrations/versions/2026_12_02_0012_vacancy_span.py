"""Status spans and their monthly marks, kept by triggers.

``vacancy_span``: one row per span of a vacancy's status timeline; ``vacancy_month``: per town,
month (Europe/Berlin) and status the spans that start (+1) and end (−1) in it and the events of
the spans that start in it. The time series reads the marks instead of rebuilding the spans from
the history on every request (docs/statistics.md). Triggers on ``vacancy`` and ``vacancy_history`` rebuild the spans
of every vacancy a statement touched, in the same transaction, whichever code path wrote it
(service, import, reports, demo data, raw SQL); deleting a vacancy deletes its spans.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 21:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ACTIVE = "('interim_use', 'threatened', 'vacant')"  # app.vacancies.lifecycle.ACTIVE_STATUSES
# a moment → its month in Europe/Berlin as year × 12 + month − 1
_MONTH = ("(extract(year FROM {0} AT TIME ZONE 'Europe/Berlin') * 12"
          " + extract(month FROM {0} AT TIME ZONE 'Europe/Berlin') - 1)::int")

# the spans of the vacancies ``vids`` (the same definition as app.statistics.trends.SPANS_SQL
# and app.statistics.timeline): the first starts at the creation — or midnight of vacant_since
# when earlier — with the old value of the first status change (or the current status), every
# status change starts the next one; ties in time are ordered by the history row's id
REFRESH = f"""
CREATE FUNCTION vacancy_span_refresh(vids integer[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    gone_spans vacancy_span[];
BEGIN
    WITH gone AS (DELETE FROM vacancy_span WHERE vacancy_id = ANY(vids) RETURNING *)
    SELECT coalesce(array_agg(gone), '{{}}') INTO gone_spans FROM gone;
    INSERT INTO vacancy_span (vacancy_id, municipality_id, seq, starts_at, ends_at, status,
                              prev_status, next_status, start_month, end_month)
    WITH born AS (
        SELECT v.id AS vid, v.municipality_id AS mid, v.status::text AS cur,
               LEAST(v.created_at, v.vacant_since::timestamp AT TIME ZONE 'Europe/Berlin') AS t
        FROM vacancy v WHERE v.id = ANY(vids)
    ), entries AS (
        SELECT vid, mid, t, 0::bigint AS seq, NULL::text AS old, NULL::text AS new, cur FROM born
        UNION ALL
        SELECT h.vacancy_id, b.mid, h.changed_at, h.id, h.old_value #>> '{{}}',
               h.new_value #>> '{{}}', NULL
        FROM vacancy_history h JOIN born b ON b.vid = h.vacancy_id WHERE h.field = 'status'
    ), spans AS (
        SELECT vid, mid, seq, t AS s, lead(t) OVER w AS e,
               CASE WHEN seq = 0 THEN coalesce(lead(old) OVER w, cur) ELSE new END AS status,
               CASE WHEN seq = 0 THEN NULL WHEN lag(seq) OVER w = 0 THEN old
                    ELSE lag(new) OVER w END AS prev,
               lead(new) OVER w AS next
        FROM entries WINDOW w AS (PARTITION BY vid ORDER BY t, seq)
    )
    SELECT vid, mid, seq, s, e, status, prev, next, {_MONTH.format('s')},
           CASE WHEN e IS NOT NULL THEN {_MONTH.format('e')} END
    FROM spans;
    -- the marks: the new spans' minus the old ones', in one statement in key order (row locks
    -- always taken in the same order)
    INSERT INTO vacancy_month AS m (municipality_id, month, status, change, new, reused,
                                    interim_started, interim_ended)
    SELECT mid, month, status, sum(change), sum(new), sum(reused), sum(i_start), sum(i_end)
    FROM (
        SELECT k.* FROM (
            SELECT 1 AS sign, * FROM vacancy_span WHERE vacancy_id = ANY(vids)
            UNION ALL
            SELECT -1, * FROM unnest(gone_spans)
        ) x, LATERAL (VALUES
            (x.municipality_id, x.start_month, x.status, x.sign,
             x.sign * (x.status IN {ACTIVE} AND (x.prev_status IS NULL
                                                 OR x.prev_status NOT IN {ACTIVE}))::int,
             x.sign * (x.status = 'reused' AND x.prev_status IS DISTINCT FROM 'reused')::int,
             x.sign * (x.status = 'interim_use'
                       AND x.prev_status IS DISTINCT FROM 'interim_use')::int,
             x.sign * coalesce(x.prev_status = 'interim_use' AND x.status <> 'interim_use',
                               false)::int),
            (x.municipality_id, x.end_month, x.status, -x.sign, 0, 0, 0, 0)
        ) k(mid, month, status, change, new, reused, i_start, i_end)
        WHERE k.month IS NOT NULL
    ) marks
    GROUP BY mid, month, status
    HAVING sum(change) <> 0 OR sum(new) <> 0 OR sum(reused) <> 0 OR sum(i_start) <> 0
           OR sum(i_end) <> 0
    ORDER BY mid, month, status
    ON CONFLICT (municipality_id, month, status) DO UPDATE SET
        change = m.change + excluded.change, new = m.new + excluded.new,
        reused = m.reused + excluded.reused,
        interim_started = m.interim_started + excluded.interim_started,
        interim_ended = m.interim_ended + excluded.interim_ended;
END $$;
"""

# statement-level triggers with transition tables: one rebuild per statement, however many rows
TRIGGERS = """
CREATE FUNCTION vacancy_span_on_vacancy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM vacancy_span_refresh(ARRAY(SELECT id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM vacancy_span_refresh(ARRAY(SELECT id FROM old_rows));
    ELSE
        PERFORM vacancy_span_refresh(ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (n.status, n.created_at, n.vacant_since, n.municipality_id)
                  IS DISTINCT FROM (o.status, o.created_at, o.vacant_since, o.municipality_id)));
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION vacancy_span_on_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM vacancy_span_refresh(ARRAY(
            SELECT DISTINCT vacancy_id FROM new_rows WHERE field = 'status'));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM vacancy_span_refresh(ARRAY(
            SELECT vacancy_id FROM new_rows WHERE field = 'status'
            UNION SELECT vacancy_id FROM old_rows WHERE field = 'status'));
    ELSE
        PERFORM vacancy_span_refresh(ARRAY(
            SELECT DISTINCT vacancy_id FROM old_rows WHERE field = 'status'));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER vacancy_span_insert AFTER INSERT ON vacancy
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION vacancy_span_on_vacancy();
CREATE TRIGGER vacancy_span_update AFTER UPDATE ON vacancy
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION vacancy_span_on_vacancy();
CREATE TRIGGER vacancy_span_delete AFTER DELETE ON vacancy
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION vacancy_span_on_vacancy();
CREATE TRIGGER vacancy_span_history_insert AFTER INSERT ON vacancy_history
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION vacancy_span_on_history();
CREATE TRIGGER vacancy_span_history_update AFTER UPDATE ON vacancy_history
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION vacancy_span_on_history();
CREATE TRIGGER vacancy_span_history_delete AFTER DELETE ON vacancy_history
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION vacancy_span_on_history();
"""


def upgrade() -> None:
    op.create_table(
        "vacancy_span",
        # no foreign key: deleting a vacancy takes its spans away through the trigger, which
        # also takes their marks away
        sa.Column("vacancy_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        # 0: the span from the creation; else the id of the history row that started it
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("prev_status", sa.Text(), nullable=True),
        sa.Column("next_status", sa.Text(), nullable=True),
        # months in Europe/Berlin as year × 12 + month − 1
        sa.Column("start_month", sa.Integer(), nullable=False),
        sa.Column("end_month", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("vacancy_id", "seq", name=op.f("pk_vacancy_span")),
    )
    op.create_index("ix_vacancy_span_municipality_id", "vacancy_span",
                    ["municipality_id", "start_month"])
    op.create_table(
        "vacancy_month",
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        # spans of this status that start in the month minus those that end in it
        sa.Column("change", sa.Integer(), nullable=False),
        # the events of the spans of this status that start in the month
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("reused", sa.Integer(), nullable=False),
        sa.Column("interim_started", sa.Integer(), nullable=False),
        sa.Column("interim_ended", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("municipality_id", "month", "status",
                                name=op.f("pk_vacancy_month")),
    )
    op.execute(REFRESH)
    op.execute(TRIGGERS)
    # the spans of the register as it is
    op.execute("SELECT vacancy_span_refresh(ARRAY(SELECT id FROM vacancy))")


def downgrade() -> None:
    for name in ("vacancy_span_insert", "vacancy_span_update", "vacancy_span_delete"):
        op.execute(f"DROP TRIGGER {name} ON vacancy")
    for name in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER vacancy_span_history_{name} ON vacancy_history")
    op.execute("DROP FUNCTION vacancy_span_on_history()")
    op.execute("DROP FUNCTION vacancy_span_on_vacancy()")
    op.execute("DROP FUNCTION vacancy_span_refresh(integer[])")
    op.drop_table("vacancy_month")
    op.drop_table("vacancy_span")
