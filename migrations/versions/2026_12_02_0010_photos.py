"""photo: photos of vacancies and of citizen reports, re-encoded, stored with their thumbnail.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 17:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vacancy_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("caption", sa.String(length=300), nullable=True),
        sa.Column("is_cover", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("thumbnail_sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("report_id IS NULL OR report_id = vacancy_id",
                           name=op.f("ck_photo_report_is_vacancy")),
        sa.CheckConstraint("position >= 0", name=op.f("ck_photo_position_positive")),
        sa.ForeignKeyConstraint(["vacancy_id"], ["vacancy.id"], ondelete="CASCADE",
                                name=op.f("fk_photo_vacancy_id_vacancy")),
        sa.ForeignKeyConstraint(["report_id"], ["vacancy_report.vacancy_id"], ondelete="CASCADE",
                                name=op.f("fk_photo_report_id_vacancy_report")),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"], ondelete="SET NULL",
                                name=op.f("fk_photo_created_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo")),
    )
    # the image bytes are JPEG already: compressing them again costs CPU and saves nothing
    op.execute("ALTER TABLE photo ALTER COLUMN data SET STORAGE EXTERNAL, "
               "ALTER COLUMN thumbnail SET STORAGE EXTERNAL")
    op.create_index("uq_photo_cover", "photo", ["vacancy_id"], unique=True,
                    postgresql_where=sa.text("is_cover"))
    op.create_index("ix_photo_vacancy_position", "photo", ["vacancy_id", "position"])
    op.create_index(op.f("ix_photo_report_id"), "photo", ["report_id"])


def downgrade() -> None:
    op.drop_table("photo")
