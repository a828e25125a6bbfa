"""The OCDS API's database queries: a page of releases or records, and their count.

Pages are read by keyset, never by offset, so the thousandth page costs what the
first does. The order is a stable key that a harvest cannot reorder:

- releases: (ocid, release id). Release ids are unique within a process, so the
  key of a release that exists never changes, wherever a harvest puts it: a process
  changed, added or withdrawn between two pages neither repeats nor skips a release
  that existed when the crawl started (a release added to a process the crawl has
  passed is found by the next crawl with `modified_since`);
- records: ocid.

Visibility is `published.records()`'s rule (active and public; a member's own
private processes), written here in SQL so the releases can be unnested in the
same query. What a record holds is already redacted.
"""
from __future__ import annotations

from typing import Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from ckan import model

from ckanext.procurement.api.params import Cursor, Query
from ckanext.procurement.dataset import DATASET_TYPE

RELEASE_KEY = (str, str, int)
RECORD_KEY = (str,)

# the release's own id (unique in its process); releases without one (a publisher's error, kept)
# sort first in their process, by position: only they ever need it
RELEASE_ID = "COALESCE(e.release->>'id', '')"
TIEBREAK = "(CASE WHEN e.release->>'id' IS NULL THEN e.position ELSE 0 END)"


def _visible(query: Query, visible_private_organizations: list[str], params: dict) -> list[str]:
    """WHERE clauses on the record `r` and its dataset `p`: published, and the record filters."""
    params.update(dataset_type=DATASET_TYPE, private_orgs=list(visible_private_organizations or []) or [""])
    clauses = ["p.state = 'active'", "p.type = :dataset_type", "(NOT p.private OR p.owner_org = ANY(:private_orgs))"]
    if query.publisher is not None:
        clauses.append("p.owner_org = :publisher_id")
    if query.ocid is not None:
        clauses.append("r.ocid = :ocid")
        params["ocid"] = query.ocid
    if query.modified_since is not None:
        clauses.append("r.modified >= :modified_since")
        params["modified_since"] = query.modified_since
    if query.modified_until is not None:
        clauses.append("r.modified < :modified_until")
        params["modified_until"] = query.modified_until
    return clauses


def _release_date_clause(query: Query, params: dict, date: str) -> Optional[str]:
    """A condition on the release date expression `date` (NULL for an undated release:
    never within a range)."""
    clauses = []
    if query.since is not None:
        clauses.append(f"{date} >= :since")
        params["since"] = query.since
    if query.until is not None:
        clauses.append(f"{date} < :until")
        params["until"] = query.until
    return " AND ".join(clauses) or None


def _keyset(cursor: Optional[Cursor], columns: list[str], params: dict) -> tuple[list[str], str]:
    """The WHERE clauses and ORDER BY of a page starting after (or, going back, before) `cursor`.

    The leading `r.ocid >=` (or `<=`) clause lets PostgreSQL walk the primary key from the cursor on."""
    forward = cursor is None or cursor.forward
    direction = "ASC" if forward else "DESC"
    order = ", ".join(f"{column} {direction}" for column in columns)
    if cursor is None:
        return [], order
    names = [f"key_{index}" for index in range(len(columns))]
    params.update(zip(names, cursor.key))
    compare = ">" if forward else "<"
    clauses = [f"({', '.join(columns)}) {compare} ({', '.join(':' + name for name in names)})"]
    if len(columns) > 1:
        clauses.append(f"r.ocid {compare}= :key_0")
    return clauses, order


def _page(query: Query, params: dict, clauses: list[str], key: list[str], select: str, unnest: str = "") -> list:
    """Up to `query.limit + 1` rows in key order from the cursor (the extra row says there is
    more that way), always returned in ascending order."""
    params["limit"] = query.limit + 1
    keyset, order = _keyset(query.cursor, key, params)
    sql = f"""
        SELECT {select}, p.owner_org
        FROM procurement_record r
        JOIN package p ON p.id = r.package_id {unnest}
        WHERE {' AND '.join(clauses + keyset)}
        ORDER BY {order}
        LIMIT :limit"""
    rows = model.Session.execute(_text(sql), params).fetchall()
    return rows if query.cursor is None or query.cursor.forward else rows[::-1]


def release_rows(query: Query, visible_private_organizations: list[str], publisher_id: Optional[str] = None) -> list:
    """Rows (ocid, release_id, tiebreak, release, owner_org) of a page of releases."""
    params: dict = {"publisher_id": publisher_id}
    clauses = _visible(query, visible_private_organizations, params)
    dated = _release_date_clause(query, params, "r.release_dates[e.position]")
    if dated:
        clauses.append(dated)
    return _page(query, params, clauses, ["r.ocid", RELEASE_ID, TIEBREAK],
                 select=f"r.ocid, {RELEASE_ID} AS release_id, {TIEBREAK} AS tiebreak, e.release",
                 unnest="CROSS JOIN LATERAL jsonb_array_elements(r.releases) WITH ORDINALITY AS e(release, position)")


def record_rows(query: Query, visible_private_organizations: list[str], publisher_id: Optional[str] = None) -> list:
    """Rows (ocid, releases, compiled_release, owner_org) of a page of records; with
    `since`/`until`, the records having a release dated in that range."""
    params: dict = {"publisher_id": publisher_id}
    clauses = _visible(query, visible_private_organizations, params)
    dated = _release_date_clause(query, params, "d")
    if dated:
        clauses.append(f"EXISTS (SELECT 1 FROM unnest(r.release_dates) AS d WHERE {dated})")
    return _page(query, params, clauses, ["r.ocid"], select="r.ocid, r.releases, r.compiled_release")


def count_releases(query: Query, visible_private_organizations: list[str], publisher_id: Optional[str] = None) -> int:
    """How many releases the whole crawl holds (whatever the cursor): from each record's
    `release_dates`, so no release is read."""
    params: dict = {"publisher_id": publisher_id}
    clauses = _visible(query, visible_private_organizations, params)
    dated = _release_date_clause(query, params, "d")
    per_record = (f"(SELECT count(*) FROM unnest(r.release_dates) AS d WHERE {dated})" if dated
                  else "cardinality(r.release_dates)")
    sql = f"""
        SELECT COALESCE(SUM({per_record}), 0)
        FROM procurement_record r JOIN package p ON p.id = r.package_id
        WHERE {' AND '.join(clauses)}"""
    return int(model.Session.execute(_text(sql), params).scalar())


def count_records(query: Query, visible_private_organizations: list[str], publisher_id: Optional[str] = None) -> int:
    params: dict = {"publisher_id": publisher_id}
    clauses = _visible(query, visible_private_organizations, params)
    dated = _release_date_clause(query, params, "d")
    if dated:
        clauses.append(f"EXISTS (SELECT 1 FROM unnest(r.release_dates) AS d WHERE {dated})")
    sql = f"""
        SELECT count(*) FROM procurement_record r JOIN package p ON p.id = r.package_id
        WHERE {' AND '.join(clauses)}"""
    return int(model.Session.execute(_text(sql), params).scalar())


def _text(sql: str) -> sa.TextClause:
    """Every value is a bound parameter; the lists are PostgreSQL arrays."""
    clause = sa.text(sql)
    return clause.bindparams(sa.bindparam("private_orgs", type_=ARRAY(sa.UnicodeText)))
