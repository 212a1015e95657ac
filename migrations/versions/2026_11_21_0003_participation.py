"""participation: citizen reports, proposals, supports, flags, matches, rate limits

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 18:10:47.038422
"""
from alembic import op
import sqlalchemy as sa
import geoalchemy2
from geoalchemy2 import Geometry

revision = '0003'
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_limit_window',
    sa.Column('client_hash', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('client_hash', 'action', 'window_start', name=op.f('pk_rate_limit_window'))
    )
    op.create_index(op.f('ix_rate_limit_window_window_start'), 'rate_limit_window', ['window_start'], unique=False)
    op.create_geospatial_table('proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category', sa.Enum('culture', 'creative', 'social', 'education', 'gastronomy', 'retail_popup', 'co_working', 'other', name='category', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('min_area_m2', sa.Numeric(precision=9, scale=1), nullable=True),
    sa.Column('max_area_m2', sa.Numeric(precision=9, scale=1), nullable=True),
    sa.Column('needs_ground_floor', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('needs_shop_window', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('needs_step_free', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('duration', sa.Enum('interim', 'permanent', 'either', name='duration', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('max_rent_eur_m2', sa.Numeric(precision=7, scale=2), nullable=True),
    sa.Column('vacancy_id', sa.Integer(), nullable=True),
    sa.Column('area', Geometry(geometry_type='POLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.Column('radius_m', sa.Integer(), nullable=True),
    sa.Column('display_name', sa.String(length=100), nullable=True),
    sa.Column('status', sa.Enum('pending', 'published', 'rejected', 'withdrawn', 'realised', name='proposal_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('status_token_hash', sa.String(length=64), nullable=False),
    sa.Column('support_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(location IS NULL) = (radius_m IS NULL)', name=op.f('ck_proposal_location_with_radius')),
    sa.CheckConstraint('max_rent_eur_m2 >= 0', name=op.f('ck_proposal_rent_not_negative')),
    sa.CheckConstraint('min_area_m2 IS NULL OR max_area_m2 IS NULL OR min_area_m2 <= max_area_m2', name=op.f('ck_proposal_area_range_ordered')),
    sa.CheckConstraint('radius_m > 0 AND radius_m <= 10000', name=op.f('ck_proposal_radius_range')),
    sa.CheckConstraint('support_count >= 0', name=op.f('ck_proposal_support_count_not_negative')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['app_user.id'], name=op.f('fk_proposal_decided_by_id_app_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_proposal_municipality_id_municipality'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['vacancy_id'], ['vacancy.id'], name=op.f('fk_proposal_vacancy_id_vacancy'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal')),
    sa.UniqueConstraint('status_token_hash', name=op.f('uq_proposal_status_token_hash'))
    )
    op.create_geospatial_index('idx_proposal_area', 'proposal', ['area'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_index('idx_proposal_location', 'proposal', ['location'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('ix_proposal_municipality_status', 'proposal', ['municipality_id', 'status'], unique=False)
    op.create_index(op.f('ix_proposal_vacancy_id'), 'proposal', ['vacancy_id'], unique=False)
    op.create_table('report_contact',
    sa.Column('vacancy_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['vacancy_id'], ['vacancy.id'], name=op.f('fk_report_contact_vacancy_id_vacancy'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('vacancy_id', name=op.f('pk_report_contact'))
    )
    op.create_index(op.f('ix_report_contact_email'), 'report_contact', ['email'], unique=False)
    op.create_table('vacancy_report',
    sa.Column('vacancy_id', sa.Integer(), nullable=False),
    sa.Column('hint', sa.Text(), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['app_user.id'], name=op.f('fk_vacancy_report_decided_by_id_app_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['vacancy_id'], ['vacancy.id'], name=op.f('fk_vacancy_report_vacancy_id_vacancy'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('vacancy_id', name=op.f('pk_vacancy_report'))
    )
    op.create_table('proposal_contact',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_contact_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('proposal_id', name=op.f('pk_proposal_contact'))
    )
    op.create_index(op.f('ix_proposal_contact_email'), 'proposal_contact', ['email'], unique=False)
    op.create_table('proposal_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('spam', 'offensive', 'personal_data', name='flag_reason', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('client_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_flag_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_flag')),
    sa.UniqueConstraint('proposal_id', 'client_hash', name='uq_proposal_flag_client')
    )
    op.create_index(op.f('ix_proposal_flag_created_at'), 'proposal_flag', ['created_at'], unique=False)
    op.create_table('proposal_match',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('vacancy_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('suggested', 'contacted', 'agreed', 'declined', name='match_state', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_match_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['app_user.id'], name=op.f('fk_proposal_match_updated_by_id_app_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['vacancy_id'], ['vacancy.id'], name=op.f('fk_proposal_match_vacancy_id_vacancy'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_match')),
    sa.UniqueConstraint('proposal_id', 'vacancy_id', name='uq_proposal_match_pair')
    )
    op.create_index(op.f('ix_proposal_match_vacancy_id'), 'proposal_match', ['vacancy_id'], unique=False)
    op.create_table('proposal_support',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('client_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_support_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_support')),
    sa.UniqueConstraint('proposal_id', 'client_hash', name='uq_proposal_support_client')
    )
    op.create_index(op.f('ix_proposal_support_created_at'), 'proposal_support', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_proposal_support_created_at'), table_name='proposal_support')
    op.drop_table('proposal_support')
    op.drop_index(op.f('ix_proposal_match_vacancy_id'), table_name='proposal_match')
    op.drop_table('proposal_match')
    op.drop_index(op.f('ix_proposal_flag_created_at'), table_name='proposal_flag')
    op.drop_table('proposal_flag')
    op.drop_index(op.f('ix_proposal_contact_email'), table_name='proposal_contact')
    op.drop_table('proposal_contact')
    op.drop_table('vacancy_report')
    op.drop_index(op.f('ix_report_contact_email'), table_name='report_contact')
    op.drop_table('report_contact')
    op.drop_index(op.f('ix_proposal_vacancy_id'), table_name='proposal')
    op.drop_index('ix_proposal_municipality_status', table_name='proposal')
    op.drop_geospatial_index('idx_proposal_location', table_name='proposal', postgresql_using='gist', column_name='location')
    op.drop_geospatial_index('idx_proposal_area', table_name='proposal', postgresql_using='gist', column_name='area')
    op.drop_geospatial_table('proposal')
    op.drop_index(op.f('ix_rate_limit_window_window_start'), table_name='rate_limit_window')
    op.drop_table('rate_limit_window')
