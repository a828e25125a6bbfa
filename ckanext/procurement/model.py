"""The OCDS record of each contracting process, kept beside its dataset.

The dataset holds what the catalog shows and indexes; this table holds what
the publisher sent (every release, after redaction) and the compiled release,
so that nothing is lost and `procurement_record_show` can return it.
"""
from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from ckan.model import meta
from ckan.model.base import BaseModel


class ProcurementRecord(BaseModel):
    __tablename__ = "procurement_record"

    ocid = sa.Column(sa.UnicodeText, primary_key=True)
    package_id = sa.Column(sa.UnicodeText, nullable=False, index=True)
    releases = sa.Column(JSONB, nullable=False)
    compiled_release = sa.Column(JSONB, nullable=False)
    releases_hash = sa.Column(sa.UnicodeText, nullable=False)
    withheld = sa.Column(JSONB, nullable=False, default=list)
    harvest_source_id = sa.Column(sa.UnicodeText, nullable=True, index=True)
    modified = sa.Column(sa.DateTime, nullable=False, default=datetime.datetime.utcnow)

    @classmethod
    def get(cls, ocid: str) -> "ProcurementRecord | None":
        return meta.Session.get(cls, ocid)

    @classmethod
    def by_package(cls, package_id: str) -> "ProcurementRecord | None":
        return meta.Session.query(cls).filter(cls.package_id == package_id).first()

    @classmethod
    def for_source(cls, source_id: str) -> dict[str, tuple[str, str, str]]:
        """ocid -> (releases hash, dataset state, dataset id) for every process a harvest source filled."""
        from ckan.model import Package

        rows = (
            meta.Session.query(cls.ocid, cls.releases_hash, Package.state, cls.package_id)
            .outerjoin(Package, Package.id == cls.package_id)
            .filter(cls.harvest_source_id == source_id)
        )
        return {ocid: (digest, state or "purged", package_id) for ocid, digest, state, package_id in rows}


class ProcurementSecret(BaseModel):
    """A harvest source's secret (an authentication header). The source
    config only holds `secret:<id>`, so the secret is never shown back."""

    __tablename__ = "procurement_secret"

    id = sa.Column(sa.UnicodeText, primary_key=True)
    value = sa.Column(sa.UnicodeText, nullable=False)
    created = sa.Column(sa.DateTime, nullable=False, default=datetime.datetime.utcnow)

    @classmethod
    def store(cls, value: str) -> str:
        import uuid

        secret = cls(id=uuid.uuid4().hex, value=value)
        meta.Session.add(secret)
        meta.Session.commit()
        return secret.id

    @classmethod
    def get(cls, secret_id: str) -> str | None:
        secret = meta.Session.get(cls, secret_id)
        return secret.value if secret else None
