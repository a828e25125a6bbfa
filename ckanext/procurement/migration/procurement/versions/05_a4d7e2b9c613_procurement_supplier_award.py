"""What each process awarded to each supplier, per currency: the supplier pages' table.

Existing processes get their rows the next time they are saved (a harvest, or
`procurement_process_save` with `force`).

Revision ID: a4d7e2b9c613
Revises: c81f2d6e4a37
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "a4d7e2b9c613"
down_revision = "c81f2d6e4a37"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "procurement_supplier_award",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("package_id", sa.UnicodeText, nullable=False),
        sa.Column("supplier_key", sa.UnicodeText, nullable=False),
        sa.Column("supplier_name", sa.UnicodeText, nullable=False),
        sa.Column("identifier_scheme", sa.UnicodeText),
        sa.Column("identifier_id", sa.UnicodeText),
        sa.Column("scale", sa.UnicodeText),
        sa.Column("categories", ARRAY(sa.UnicodeText), nullable=False, server_default="{}"),
        sa.Column("currency", sa.UnicodeText),
        sa.Column("awarded", sa.Numeric),
        sa.Column("contracted", sa.Numeric),
        sa.Column("paid", sa.Numeric),
        sa.Column("buyer_name", sa.UnicodeText),
        sa.Column("main_category", sa.UnicodeText),
        sa.Column("fiscal_year", sa.Integer),
    )
    op.create_index("ix_procurement_supplier_award_package_id", "procurement_supplier_award", ["package_id"])
    op.create_index("ix_procurement_supplier_award_supplier_key", "procurement_supplier_award", ["supplier_key"])


def downgrade():
    op.drop_table("procurement_supplier_award")
