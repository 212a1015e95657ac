"""app_user.digest_daily: a staff member's opt-in to the daily e-mail digest of their town's
tasks (app/mail/digest.py). The address is the account's own ``email``.

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-02 21:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("app_user", sa.Column("digest_daily", sa.Boolean(), nullable=False,
                                        server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("app_user", "digest_daily")
