"""An index of datasets by ocid: CKAN indexes package_extra by dataset only, so finding the
dataset of an ocid read every extra of the catalog (at 100,000 processes, three million rows,
for each process a harvest imports).

Revision ID: b5c8e1f4a702
Revises: a4d7e2b9c610
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "b5c8e1f4a702"
down_revision = "a4d7e2b9c610"
branch_labels = None
depends_on = None

INDEX = "procurement_package_extra_ocid_idx"


def upgrade():
    op.create_index(INDEX, "package_extra", ["value"], postgresql_where=sa.text("key = 'ocid'"))


def downgrade():
    op.drop_index(INDEX, table_name="package_extra")
