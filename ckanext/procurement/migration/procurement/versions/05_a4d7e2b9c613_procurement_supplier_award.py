"""What each process awarded to each supplier, per currency, and each process's own figures: the tables
of the supplier and department pages.

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
    op.create_index("ix_procurement_supplier_award_buyer_name", "procurement_supplier_award", ["buyer_name"])
    op.create_table(
        "procurement_process_figure",
        sa.Column("package_id", sa.UnicodeText, primary_key=True),
        sa.Column("buyer_name", sa.UnicodeText),
        sa.Column("fiscal_year", sa.Integer),
        sa.Column("main_category", sa.UnicodeText),
        sa.Column("procurement_method", sa.UnicodeText),
        sa.Column("number_of_tenderers", sa.Integer),
        sa.Column("single_bid", sa.Boolean),
        sa.Column("currency", sa.UnicodeText),
        sa.Column("awarded", sa.Numeric),
        sa.Column("contracted", sa.Numeric),
        sa.Column("paid", sa.Numeric),
    )
    op.create_index("ix_procurement_process_figure_buyer_name", "procurement_process_figure", ["buyer_name"])


def downgrade():
    op.drop_table("procurement_process_figure")
    op.drop_table("procurement_supplier_award")
