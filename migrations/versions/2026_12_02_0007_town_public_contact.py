"""municipality.public_contact: the town's contact for interested parties, printed on exposés
(never the owner's).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 17:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("municipality", sa.Column("public_contact", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("municipality", "public_contact")
