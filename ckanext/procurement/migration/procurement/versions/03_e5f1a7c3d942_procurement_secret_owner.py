"""Secrets of harvest sources: bound to the source that created them, and encrypted.

Each existing secret is bound to the one harvest source whose config refers
to it, and its value is encrypted with the site's key (see
`ckanext.procurement.secrets`: `ckanext.procurement.secret_key`, or a key
derived from CKAN's SECRET_KEY), so the sources keep working. A secret that
no source or several sources refer to is deleted (its id used to be shown to
anyone, so no source may claim it now): the job report of such a source says
the stored secret is missing; edit the source and enter the header value again.

Revision ID: e5f1a7c3d942
Revises: b3e9a4c2d810
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "e5f1a7c3d942"
down_revision = "b3e9a4c2d810"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("procurement_secret", sa.Column("harvest_source_id", sa.UnicodeText, nullable=True))
    op.create_index("ix_procurement_secret_harvest_source_id", "procurement_secret", ["harvest_source_id"])
    connection = op.get_bind()
    secrets = connection.execute(sa.text("SELECT id, value FROM procurement_secret")).fetchall()
    if not secrets:
        return
    from ckanext.procurement.secrets import encrypt

    owners = _owners(connection)
    for secret_id, value in secrets:
        sources = owners.get(secret_id, [])
        if len(sources) != 1:
            connection.execute(sa.text("DELETE FROM procurement_secret WHERE id = :id"), {"id": secret_id})
            continue
        connection.execute(
            sa.text("UPDATE procurement_secret SET value = :value, harvest_source_id = :source WHERE id = :id"),
            {"value": encrypt(value), "source": sources[0], "id": secret_id},
        )


def _owners(connection) -> dict:
    """secret id -> the harvest sources whose config refers to it."""
    import json

    if not sa.inspect(connection).has_table("harvest_source"):
        return {}
    owners: dict = {}
    for source_id, config in connection.execute(sa.text("SELECT id, config FROM harvest_source WHERE config LIKE '%secret:%'")):
        try:
            reference = json.loads(config).get("auth_header") or ""
        except (ValueError, AttributeError):
            continue
        if reference.startswith("secret:"):
            owners.setdefault(reference[len("secret:"):], []).append(source_id)
    return owners


def downgrade():
    connection = op.get_bind()
    secrets = connection.execute(sa.text("SELECT id, value FROM procurement_secret")).fetchall()
    if secrets:
        from ckanext.procurement.secrets import decrypt

        for secret_id, token in secrets:
            value = decrypt(token)
            if value is None:  # not openable with this site's key: the source needs its header value again
                connection.execute(sa.text("DELETE FROM procurement_secret WHERE id = :id"), {"id": secret_id})
            else:
                connection.execute(sa.text("UPDATE procurement_secret SET value = :value WHERE id = :id"),
                                   {"value": value, "id": secret_id})
    op.drop_index("ix_procurement_secret_harvest_source_id", "procurement_secret")
    op.drop_column("procurement_secret", "harvest_source_id")
