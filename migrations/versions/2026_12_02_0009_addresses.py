"""address: house coordinates per municipality, with a trigram index for the fuzzy search

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 16:30:00
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # both ship with PostgreSQL (contrib), in the postgis/postgis image too. btree_gin lets the
    # trigram index hold the town as well: a town's search reads only that town's postings
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.create_geospatial_table(
        "address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("house_number", sa.String(length=20), nullable=False),
        sa.Column("postcode", sa.String(length=5), nullable=True),
        sa.Column("geom", Geometry(geometry_type="POINT", srid=4326, dimension=2,
                                   spatial_index=False, from_text="ST_GeomFromEWKT",
                                   name="geometry", nullable=False), nullable=False),
        sa.Column("street_key", sa.String(length=200), nullable=False),
        sa.Column("house_number_key", sa.String(length=20), nullable=False),
        sa.Column("search", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.ForeignKeyConstraint(["municipality_id"], ["municipality.id"],
                                name=op.f("fk_address_municipality_id_municipality"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address")),
        sa.UniqueConstraint("municipality_id", "street_key", "house_number_key",
                            name="uq_address_municipality_id_street_key_house_number_key"),
    )
    op.create_geospatial_index("idx_address_geom", "address", ["geom"], unique=False,
                               postgresql_using="gist", postgresql_ops={})
    op.create_index("ix_address_municipality_id_search_trgm", "address",
                    ["municipality_id", "search"], unique=False, postgresql_using="gin",
                    postgresql_ops={"search": "gin_trgm_ops"})


def downgrade() -> None:
    op.drop_index("ix_address_municipality_id_search_trgm", table_name="address",
                  postgresql_using="gin")
    op.drop_geospatial_index("idx_address_geom", table_name="address", postgresql_using="gist",
                             column_name="geom")
    op.drop_geospatial_table("address")
    # pg_trgm and btree_gin stay: another schema object (or the operator's own index) may use it
