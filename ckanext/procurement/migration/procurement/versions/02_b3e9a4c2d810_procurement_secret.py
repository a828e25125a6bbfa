"""Secrets of harvest sources (authentication headers), kept out of the source config.

Revision ID: b3e9a4c2d810
Revises: 7d1c0f3a9b21
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

revision = "b3e9a4c2d810"
down_revision = "7d1c0f3a9b21"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "procurement_secret",
        sa.Column("id", sa.UnicodeText, primary_key=True),
        sa.Column("value", sa.UnicodeText, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False, server_default=sa.func.now()),
    )


def downgrade():
    op.drop_table("procurement_secret")
