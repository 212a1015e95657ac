"""Owner dialogue: the contacts log per vacancy, the owner's consent to publish, the next
follow-up, and the town's setting require_owner_consent.

Nothing existing moves: ``vacancy.owner_contact`` stays what it was (the owner's contact
details); the log starts empty, the consent at "none", the setting off — so with the setting off
no citizen sees anything different.

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-02 21:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

CONSENTS = ("none", "basic", "full")
CHANNELS = ("phone", "email", "letter", "visit", "other")
OUTCOMES = ("reached", "not_reached", "interested", "declined", "consent_given", "other")


def _enum(values: tuple[str, ...], name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def upgrade() -> None:
    op.add_column("vacancy", sa.Column("owner_consent", _enum(CONSENTS, "owner_consent"),
                                       server_default="none", nullable=False))
    op.add_column("vacancy", sa.Column("next_follow_up", sa.Date(), nullable=True))
    op.add_column("municipality", sa.Column("require_owner_consent", sa.Boolean(),
                                            server_default=sa.text("false"), nullable=False))
    op.create_table(
        "owner_contact_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("vacancy_id", sa.Integer(),
                  sa.ForeignKey("vacancy.id", ondelete="CASCADE",
                                name=op.f("fk_owner_contact_entry_vacancy_id_vacancy")),
                  nullable=False),
        sa.Column("municipality_id", sa.Integer(),
                  sa.ForeignKey("municipality.id", ondelete="CASCADE",
                                name=op.f("fk_owner_contact_entry_municipality_id_municipality")),
                  nullable=False),
        sa.Column("contacted_on", sa.Date(), nullable=False),
        sa.Column("channel", _enum(CHANNELS, "contact_channel"), nullable=False),
        sa.Column("person", sa.String(200), nullable=True),
        sa.Column("outcome", _enum(OUTCOMES, "contact_outcome"), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(),
                  sa.ForeignKey("app_user.id", ondelete="SET NULL",
                                name=op.f("fk_owner_contact_entry_created_by_id_app_user")),
                  nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
    )
    op.create_index("ix_owner_contact_entry_vacancy", "owner_contact_entry",
                    ["vacancy_id", "contacted_on"])
    op.create_index(op.f("ix_owner_contact_entry_municipality_id"), "owner_contact_entry",
                    ["municipality_id"])
    # the staff's list of owner follow-ups due: next_follow_up <= today, per town
    op.create_index("ix_vacancy_next_follow_up", "vacancy", ["municipality_id", "next_follow_up"],
                    postgresql_where=sa.text("next_follow_up IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_vacancy_next_follow_up", table_name="vacancy")
    op.drop_table("owner_contact_entry")
    op.drop_column("municipality", "require_owner_consent")
    op.drop_column("vacancy", "next_follow_up")
    op.drop_column("vacancy", "owner_consent")
