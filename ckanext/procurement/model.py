"""The OCDS record of each contracting process, kept beside its dataset.

The dataset holds what the catalog shows and indexes; this table holds what
the publisher sent (every release, after redaction) and the compiled release,
so that nothing is lost and `procurement_record_show` can return it.
"""
from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

import ckan.plugins.toolkit as tk
from ckan.model import meta

from ckanext.procurement.ocds.dates import parse_date


class ProcurementRecord(tk.BaseModel):
    __tablename__ = "procurement_record"
    # the OCDS API counts from this index alone (migration 04)
    __table_args__ = (sa.Index("ix_procurement_record_package_dates", "package_id",
                               postgresql_include=["release_dates", "modified"]),)

    ocid = sa.Column(sa.UnicodeText, primary_key=True)
    package_id = sa.Column(sa.UnicodeText, nullable=False, index=True)
    releases = sa.Column(JSONB, nullable=False)
    compiled_release = sa.Column(JSONB, nullable=False)
    releases_hash = sa.Column(sa.UnicodeText, nullable=False)
    withheld = sa.Column(JSONB, nullable=False, default=list)
    harvest_source_id = sa.Column(sa.UnicodeText, nullable=True, index=True)
    modified = sa.Column(sa.DateTime, nullable=False, default=datetime.datetime.utcnow, index=True)
    # each release's date (UTC, None when it has none or an invalid one), in the order of
    # `releases`: what the OCDS API filters and counts by without reading the releases
    release_dates = sa.Column(ARRAY(sa.DateTime), nullable=False, default=list)

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


def release_dates(releases: list[dict]) -> list[datetime.datetime | None]:
    """The date of each release as naive UTC (as `modified` is stored), None for an undated one."""
    dates = []
    for release in releases:
        parsed = parse_date(release.get("date") if isinstance(release, dict) else None)
        dates.append(parsed.astimezone(datetime.timezone.utc).replace(tzinfo=None) if parsed else None)
    return dates


class ProcurementSourceExtension(tk.BaseModel):
    """The OCDS extensions (URLs of their extension.json) a harvest source's packages declare:
    the package metadata of what the portal publishes from it names them (ocds_extensions.py)."""

    __tablename__ = "procurement_source_extension"

    harvest_source_id = sa.Column(sa.UnicodeText, primary_key=True)
    extensions = sa.Column(JSONB, nullable=False, default=list)
    modified = sa.Column(sa.DateTime, nullable=False, default=datetime.datetime.utcnow)


_UNBOUND = "procurement_unbound_secrets"  # Session.info key: secrets stored in this session, not bound yet


class ProcurementSecret(tk.BaseModel):
    """A harvest source's secret (an authentication header), encrypted (see
    `ckanext.procurement.secrets`). The source config only holds
    `secret:<id>`, so the secret is never shown back; it is bound to the
    source that created it and resolves for that source only."""

    __tablename__ = "procurement_secret"

    id = sa.Column(sa.UnicodeText, primary_key=True)
    value = sa.Column(sa.UnicodeText, nullable=False)  # Fernet token
    harvest_source_id = sa.Column(sa.UnicodeText, nullable=True, index=True)  # None until its source exists
    created = sa.Column(sa.DateTime, nullable=False, default=datetime.datetime.utcnow)

    @classmethod
    def store(cls, value: str, source_id: str | None = None) -> str:
        """Encrypt and keep `value`; returns its id. Flushed, committed with the source."""
        import uuid

        from ckanext.procurement import secrets

        secret = cls(id=uuid.uuid4().hex, value=secrets.encrypt(value), harvest_source_id=source_id)
        meta.Session.add(secret)
        meta.Session.flush()
        if source_id is None:  # only the source saved in this session can claim it
            meta.Session.info.setdefault(_UNBOUND, set()).add(secret.id)
        return secret.id

    @classmethod
    def get(cls, secret_id: str) -> "ProcurementSecret | None":
        return meta.Session.get(cls, secret_id)

    def plaintext(self) -> str | None:
        """The secret, or None if the site's key no longer opens it."""
        from ckanext.procurement import secrets

        return secrets.decrypt(self.value)

    @classmethod
    def bind(cls, secret_ids: list[str], source_id: str) -> None:
        """Give the source the secrets stored for it in this session; drop the ones it no longer uses.

        A secret stored earlier and never bound (its id may have been seen) can't be claimed.
        """
        table = cls.__table__
        new = meta.Session.info.get(_UNBOUND, set())
        claimed = [secret_id for secret_id in secret_ids if secret_id in new]
        if claimed:
            meta.Session.execute(table.update()
                                 .where(table.c.id.in_(claimed), table.c.harvest_source_id.is_(None))
                                 .values(harvest_source_id=source_id))
            new.difference_update(claimed)
        meta.Session.execute(table.delete()
                             .where(table.c.harvest_source_id == source_id, table.c.id.notin_(secret_ids)))


class ProcurementSupplierAward(tk.BaseModel):
    """What one process awarded to one supplier, per currency (``ocds.supplier_facts``), with the process
    facts the supplier pages group by. Rewritten with the record, in the same transaction, by
    procurement_process_save; public figures join the dataset (active and public only)."""

    __tablename__ = "procurement_supplier_award"

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    package_id = sa.Column(sa.UnicodeText, nullable=False, index=True)
    supplier_key = sa.Column(sa.UnicodeText, nullable=False, index=True)
    supplier_name = sa.Column(sa.UnicodeText, nullable=False)
    identifier_scheme = sa.Column(sa.UnicodeText)
    identifier_id = sa.Column(sa.UnicodeText)
    scale = sa.Column(sa.UnicodeText)
    categories = sa.Column(ARRAY(sa.UnicodeText), nullable=False, default=list)
    currency = sa.Column(sa.UnicodeText)
    awarded = sa.Column(sa.Numeric)
    contracted = sa.Column(sa.Numeric)
    paid = sa.Column(sa.Numeric)
    buyer_name = sa.Column(sa.UnicodeText, index=True)
    main_category = sa.Column(sa.UnicodeText)
    fiscal_year = sa.Column(sa.Integer)

    @classmethod
    def replace(cls, package_id: str, rows: list[dict]) -> None:
        """The rows of one process, in the session's transaction (committed with its dataset)."""
        meta.Session.query(cls).filter(cls.package_id == package_id).delete(synchronize_session=False)
        meta.Session.add_all([cls(package_id=package_id, **row) for row in rows])


class ProcurementProcessFigure(tk.BaseModel):
    """One process's figures for the department pages (amounts in the process's currency, as its summary
    gives them), rewritten with the record in the same transaction by procurement_process_save."""

    __tablename__ = "procurement_process_figure"

    package_id = sa.Column(sa.UnicodeText, primary_key=True)
    buyer_name = sa.Column(sa.UnicodeText, index=True)
    fiscal_year = sa.Column(sa.Integer)
    main_category = sa.Column(sa.UnicodeText)
    procurement_method = sa.Column(sa.UnicodeText)
    number_of_tenderers = sa.Column(sa.Integer)
    single_bid = sa.Column(sa.Boolean)  # None: not assessed
    currency = sa.Column(sa.UnicodeText)
    awarded = sa.Column(sa.Numeric)
    contracted = sa.Column(sa.Numeric)
    paid = sa.Column(sa.Numeric)

    @classmethod
    def replace(cls, package_id: str, figures: dict) -> None:
        meta.Session.merge(cls(package_id=package_id, **figures))
