"""One support per browser, not per connection: proposal_support.client_hash and
proposal_flag.client_hash now hold the keyed hash of a browser id (app/abuse/supporter.py), and
the new ip_hash holds the keyed hash of the client address, which caps the supports and flags
of one proposal from one address (LEERSTAND_SUPPORTS_PER_IP).

The old client_hash was that very address hash (same key, same purpose string), so it becomes
the ip_hash of the rows already there and they keep counting against the ceiling.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 16:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("proposal_support", sa.Column("ip_hash", sa.String(length=64), nullable=True))
    op.execute("UPDATE proposal_support SET ip_hash = client_hash")
    op.alter_column("proposal_support", "ip_hash", nullable=False)
    op.create_index("ix_proposal_support_ip", "proposal_support", ["proposal_id", "ip_hash"])
    op.add_column("proposal_flag", sa.Column("ip_hash", sa.String(length=64), nullable=True))
    op.execute("UPDATE proposal_flag SET ip_hash = client_hash")
    op.create_index("ix_proposal_flag_ip", "proposal_flag", ["proposal_id", "ip_hash"])


def downgrade() -> None:
    # back to one per address: the first support of each address keeps its row (as its
    # de-duplication key), later ones from that address lose theirs (the public count stays);
    # flags all stay, only the first of each address keeps a key
    op.execute("""
        DELETE FROM proposal_support s USING proposal_support first
        WHERE first.proposal_id = s.proposal_id AND first.ip_hash = s.ip_hash AND first.id < s.id
    """)
    op.execute("UPDATE proposal_support SET client_hash = ip_hash")
    op.execute("""
        UPDATE proposal_flag f SET client_hash = CASE WHEN NOT EXISTS (
            SELECT 1 FROM proposal_flag first WHERE first.proposal_id = f.proposal_id
              AND first.ip_hash = f.ip_hash AND first.id < f.id) THEN f.ip_hash END
    """)
    op.drop_index("ix_proposal_flag_ip", table_name="proposal_flag")
    op.drop_column("proposal_flag", "ip_hash")
    op.drop_index("ix_proposal_support_ip", table_name="proposal_support")
    op.drop_column("proposal_support", "ip_hash")
