"""What the OCDS API filters and counts without reading every release: each record's
release dates, an index on its modification time, and a narrow index the API's count
reads instead of the table (an index-only scan: the records' JSON is never visited).

`release_dates` holds the date of each release, in the order of `releases`, as UTC
(NULL for a release without a valid date), so that `since`/`until` on the release
date and the release count are plain SQL. Existing records are filled from their releases.

Revision ID: c81f2d6e4a37
Revises: e5f1a7c3d942
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "c81f2d6e4a37"
down_revision = "e5f1a7c3d942"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade():
    op.add_column("procurement_record", sa.Column(
        "release_dates", ARRAY(sa.DateTime), nullable=False, server_default="{}"))
    op.create_index("ix_procurement_record_modified", "procurement_record", ["modified"])
    op.create_index("ix_procurement_record_package_dates", "procurement_record", ["package_id"],
                    postgresql_include=["release_dates", "modified"])
    _fill_release_dates(op.get_bind())


def _fill_release_dates(connection):
    from ckanext.procurement.model import release_dates

    last = ""
    while True:  # by keyset, a batch at a time: 100,000 records never sit in memory
        rows = connection.execute(sa.text(
            "SELECT ocid, releases FROM procurement_record WHERE ocid > :last ORDER BY ocid LIMIT :batch"),
            {"last": last, "batch": BATCH}).fetchall()
        if not rows:
            return
        for ocid, releases in rows:
            connection.execute(sa.text("UPDATE procurement_record SET release_dates = :dates WHERE ocid = :ocid")
                               .bindparams(sa.bindparam("dates", type_=ARRAY(sa.DateTime))),
                               {"dates": release_dates(releases), "ocid": ocid})
        last = rows[-1][0]


def downgrade():
    op.drop_index("ix_procurement_record_package_dates", "procurement_record")
    op.drop_index("ix_procurement_record_modified", "procurement_record")
    op.drop_column("procurement_record", "release_dates")
