"""scoring: context places, versioned scoring profiles, stored vacancy scores

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 18:13:06.610317
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_geospatial_table('place',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('attribution', sa.Text(), nullable=True),
    sa.Column('external_id', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("category IN ('station', 'tram_stop', 'bus_stop', 'culture', 'retail', 'gastronomy', 'education', 'service', 'other')", name=op.f('ck_place_category_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_place'))
    )
    op.create_geospatial_index('idx_place_geom', 'place', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_place_category'), 'place', ['category'], unique=False)
    op.create_index('ix_place_source_category', 'place', ['source', 'category'], unique=False)
    op.create_index('ix_place_stop_utm', 'place', [sa.text('ST_Transform(geom, 25832)')], unique=False,
                    postgresql_using='gist', postgresql_where=sa.text("category IN ('station', 'tram_stop')"))
    op.create_table('scoring_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('weights', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('thresholds', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('version >= 1', name=op.f('ck_scoring_profile_version_positive')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_scoring_profile_municipality_id_municipality'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], name=op.f('fk_scoring_profile_updated_by_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scoring_profile')),
    sa.UniqueConstraint('municipality_id', name='uq_scoring_profile_municipality_id', postgresql_nulls_not_distinct=True)
    )
    op.create_table('vacancy_score',
    sa.Column('vacancy_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('interim', sa.SmallInteger(), nullable=True),
    sa.Column('permanent', sa.SmallInteger(), nullable=True),
    sa.Column('recommendation', sa.String(length=20), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('profile_version', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("recommendation IN ('interim', 'permanent', 'conversion', 'insufficient_data')", name=op.f('ck_vacancy_score_recommendation_known')),
    sa.CheckConstraint('confidence BETWEEN 0 AND 1', name=op.f('ck_vacancy_score_confidence_range')),
    sa.CheckConstraint('interim BETWEEN 0 AND 100', name=op.f('ck_vacancy_score_interim_range')),
    sa.CheckConstraint('permanent BETWEEN 0 AND 100', name=op.f('ck_vacancy_score_permanent_range')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_vacancy_score_municipality_id_municipality'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['profile_id'], ['scoring_profile.id'], name=op.f('fk_vacancy_score_profile_id_scoring_profile'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vacancy_id'], ['vacancy.id'], name=op.f('fk_vacancy_score_vacancy_id_vacancy'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('vacancy_id', name=op.f('pk_vacancy_score'))
    )


def downgrade() -> None:
    op.drop_table('vacancy_score')
    op.drop_table('scoring_profile')
    op.drop_index('ix_place_stop_utm', table_name='place', postgresql_using='gist')
    op.drop_index('ix_place_source_category', table_name='place')
    op.drop_index(op.f('ix_place_category'), table_name='place')
    op.drop_geospatial_index('idx_place_geom', table_name='place', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('place')
