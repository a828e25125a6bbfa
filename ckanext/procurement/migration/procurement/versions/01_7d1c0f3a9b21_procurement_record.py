"""Store the OCDS record (every release and the compiled release) of each contracting process.

Revision ID: 7d1c0f3a9b21
Revises:
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "7d1c0f3a9b21"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "procurement_record",
        sa.Column("ocid", sa.UnicodeText, primary_key=True),
        # no foreign key: a withdrawn (deleted, possibly purged) dataset
        # keeps its record so that a later harvest restores it
        sa.Column("package_id", sa.UnicodeText, nullable=False, index=True),
        sa.Column("releases", JSONB, nullable=False),
        sa.Column("compiled_release", JSONB, nullable=False),
        sa.Column("releases_hash", sa.UnicodeText, nullable=False),
        sa.Column("withheld", JSONB, nullable=False, server_default="[]"),
        sa.Column("harvest_source_id", sa.UnicodeText, nullable=True, index=True),
        sa.Column("modified", sa.DateTime, nullable=False, server_default=sa.func.now()),
    )


def downgrade():
    op.drop_table("procurement_record")
