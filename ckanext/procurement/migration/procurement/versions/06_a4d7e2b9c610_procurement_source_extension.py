"""The OCDS extensions each harvest source's packages declare (their `extensions` URLs),
carried into the package metadata of the bulk files and the OCDS API.

Revision ID: a4d7e2b9c610
Revises: a4d7e2b9c613
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "a4d7e2b9c610"
down_revision = "a4d7e2b9c613"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "procurement_source_extension",
        sa.Column("harvest_source_id", sa.UnicodeText, primary_key=True),
        sa.Column("extensions", JSONB, nullable=False, server_default="[]"),
        sa.Column("modified", sa.DateTime, nullable=False, server_default=sa.func.now()),
    )


def downgrade():
    op.drop_table("procurement_source_extension")
