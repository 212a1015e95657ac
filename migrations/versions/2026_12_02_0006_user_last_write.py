"""app_user.last_write_at: when the user last sent a write. For a short while after it, their
reads go to the primary rather than a read replica, so they see what they just changed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 14:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("app_user", sa.Column("last_write_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("app_user", "last_write_at")
