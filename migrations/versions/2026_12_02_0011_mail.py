"""Mail: citizens' addresses with their opt-in state, and the outbox that is the send queue.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 17:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

STATES = ("held", "queued", "sent", "cancelled", "failed")


def upgrade() -> None:
    op.create_table(
        "mail_recipient",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("confirm_token_hash", sa.String(64), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.UniqueConstraint("email", name=op.f("uq_mail_recipient_email")),
        sa.UniqueConstraint("confirm_token_hash", name=op.f("uq_mail_recipient_confirm_token_hash")),
    )
    op.create_table(
        "mail_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("recipient_id", sa.Integer(),
                  sa.ForeignKey("mail_recipient.id", ondelete="CASCADE",
                                name=op.f("fk_mail_message_recipient_id_mail_recipient")),
                  nullable=False),
        sa.Column("event_key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("unsubscribe_token_hash", sa.String(64), nullable=False),
        sa.Column("unsubscribe_url", sa.Text(), nullable=False),
        sa.Column("state", sa.Enum(*STATES, name="mail_state", native_enum=False,
                                   create_constraint=True, length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.UniqueConstraint("event_key", "recipient_id", name="uq_mail_message_event_recipient"),
        sa.UniqueConstraint("unsubscribe_token_hash",
                            name=op.f("uq_mail_message_unsubscribe_token_hash")),
    )
    op.create_index(op.f("ix_mail_message_recipient_id"), "mail_message", ["recipient_id"])
    op.create_index("ix_mail_message_due", "mail_message", ["next_attempt_at"],
                    postgresql_where=sa.text("state = 'queued'"))


def downgrade() -> None:
    op.drop_table("mail_message")
    op.drop_table("mail_recipient")
