"""Mail, second part: "Meine Beiträge" links, Reply-To of staff contact mails, the working
group's weekly summary opt-in.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 21:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("mail_recipient", sa.Column("contributions_token_hash", sa.String(64), nullable=True))
    op.add_column("mail_recipient", sa.Column("contributions_token_expires_at",
                                              sa.DateTime(timezone=True), nullable=True))
    op.create_unique_constraint(op.f("uq_mail_recipient_contributions_token_hash"),
                                "mail_recipient", ["contributions_token_hash"])
    op.add_column("mail_message", sa.Column("reply_to", sa.String(320), nullable=True))
    op.add_column("app_user", sa.Column("weekly_summary", sa.Boolean(), nullable=False,
                                        server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("app_user", "weekly_summary")
    op.drop_column("mail_message", "reply_to")
    op.drop_constraint(op.f("uq_mail_recipient_contributions_token_hash"), "mail_recipient")
    op.drop_column("mail_recipient", "contributions_token_expires_at")
    op.drop_column("mail_recipient", "contributions_token_hash")
