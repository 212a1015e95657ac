"""register core

Revision ID: 0001
Revises:
Create Date: 2026-11-21 18:02:16.595922
"""
from alembic import op
import sqlalchemy as sa
import geoalchemy2
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # autogenerate does not emit this; geometry types need it
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_geospatial_table('municipality',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ags', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('boundary', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('core_area', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('centre', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('stale_after_days', sa.Integer(), server_default='180', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("ags ~ '^[0-9]{8}$'", name=op.f('ck_municipality_ags_8_digits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_municipality')),
    sa.UniqueConstraint('ags', name=op.f('uq_municipality_ags'))
    )
    op.create_geospatial_index('idx_municipality_boundary', 'municipality', ['boundary'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_index('idx_municipality_centre', 'municipality', ['centre'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_index('idx_municipality_core_area', 'municipality', ['core_area'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('role', sa.Enum('admin', 'staff', 'working_group', name='role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default='true', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role <> 'staff' OR municipality_id IS NOT NULL", name=op.f('ck_app_user_staff_has_municipality')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_app_user_email_lowercase')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_app_user_municipality_id_municipality'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('email', name=op.f('uq_app_user_email'))
    )
    op.create_index(op.f('ix_app_user_municipality_id'), 'app_user', ['municipality_id'], unique=False)
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_api_token_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    op.create_index(op.f('ix_api_token_user_id'), 'api_token', ['user_id'], unique=False)
    op.create_geospatial_table('vacancy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('footprint', Geometry(geometry_type='POLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('street', sa.String(length=200), nullable=True),
    sa.Column('house_number', sa.String(length=20), nullable=True),
    sa.Column('postcode', sa.String(length=5), nullable=True),
    sa.Column('floor_area_m2', sa.Numeric(precision=9, scale=1), nullable=True),
    sa.Column('floor', sa.Enum('basement', 'ground', 'upper', name='floor', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('shop_window_m', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('condition', sa.Enum('ready', 'minor_renovation', 'major_renovation', name='condition', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('has_wc', sa.Boolean(), nullable=True),
    sa.Column('has_heating', sa.Boolean(), nullable=True),
    sa.Column('step_free', sa.Boolean(), nullable=True),
    sa.Column('former_use', sa.String(length=200), nullable=True),
    sa.Column('vacant_since', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('reported', 'threatened', 'vacant', 'interim_use', 'reused', 'withdrawn', 'demolished', 'rejected', name='status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('owner_interim_willing', sa.Enum('yes', 'no', 'unknown', name='owner_interim_willing', native_enum=False, create_constraint=True, length=20), server_default='unknown', nullable=False),
    sa.Column('asking_rent_eur_m2', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('owner_contact', sa.Text(), nullable=True),
    sa.Column('internal_notes', sa.Text(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('external_id', sa.String(length=100), nullable=True),
    sa.Column('source', sa.String(length=20), server_default='staff', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('asking_rent_eur_m2 >= 0 AND asking_rent_eur_m2 <= 1000', name=op.f('ck_vacancy_asking_rent_range')),
    sa.CheckConstraint('floor_area_m2 > 0 AND floor_area_m2 <= 100000', name=op.f('ck_vacancy_floor_area_range')),
    sa.CheckConstraint('shop_window_m >= 0 AND shop_window_m <= 1000', name=op.f('ck_vacancy_shop_window_range')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_vacancy_version_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_vacancy_created_by_id_app_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_vacancy_municipality_id_municipality'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vacancy')),
    sa.UniqueConstraint('municipality_id', 'external_id', name='uq_vacancy_external_id')
    )
    op.create_geospatial_index('idx_vacancy_footprint', 'vacancy', ['footprint'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_index('idx_vacancy_location', 'vacancy', ['location'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_vacancy_municipality_id'), 'vacancy', ['municipality_id'], unique=False)
    op.create_index('ix_vacancy_municipality_status', 'vacancy', ['municipality_id', 'status'], unique=False)
    op.create_index(op.f('ix_vacancy_status'), 'vacancy', ['status'], unique=False)
    op.create_table('vacancy_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vacancy_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('field', sa.String(length=50), nullable=False),
    sa.Column('old_value', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('new_value', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_vacancy_history_actor_id_app_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['vacancy_id'], ['vacancy.id'], name=op.f('fk_vacancy_history_vacancy_id_vacancy'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vacancy_history'))
    )
    op.create_index(op.f('ix_vacancy_history_vacancy_id'), 'vacancy_history', ['vacancy_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_vacancy_history_vacancy_id'), table_name='vacancy_history')
    op.drop_table('vacancy_history')
    op.drop_index(op.f('ix_vacancy_status'), table_name='vacancy')
    op.drop_index('ix_vacancy_municipality_status', table_name='vacancy')
    op.drop_index(op.f('ix_vacancy_municipality_id'), table_name='vacancy')
    op.drop_geospatial_index('idx_vacancy_location', table_name='vacancy', postgresql_using='gist', column_name='location')
    op.drop_geospatial_index('idx_vacancy_footprint', table_name='vacancy', postgresql_using='gist', column_name='footprint')
    op.drop_geospatial_table('vacancy')
    op.drop_index(op.f('ix_api_token_user_id'), table_name='api_token')
    op.drop_table('api_token')
    op.drop_index(op.f('ix_app_user_municipality_id'), table_name='app_user')
    op.drop_table('app_user')
    op.drop_geospatial_index('idx_municipality_core_area', table_name='municipality', postgresql_using='gist', column_name='core_area')
    op.drop_geospatial_index('idx_municipality_centre', table_name='municipality', postgresql_using='gist', column_name='centre')
    op.drop_geospatial_index('idx_municipality_boundary', table_name='municipality', postgresql_using='gist', column_name='boundary')
    op.drop_geospatial_table('municipality')
