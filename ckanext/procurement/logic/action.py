"""Actions of the procurement extension.

`procurement_process_save` is the one way OCDS data becomes a dataset: the
harvesters call it, and so can any script with an API token.
"""
from __future__ import annotations

import datetime
import logging
import uuid
from typing import Any

import ckan.model as model
import ckan.plugins as plugins
import ckan.plugins.toolkit as tk

from ckanext.procurement import dataset as process_dataset
from ckanext.procurement import consistency, identity, interfaces, labels, process, quality, quality_guidance, quality_open, settings
from ckanext.procurement.logic import schema, validators
from ckanext.procurement.model import ProcurementProcessFigure, ProcurementRecord, ProcurementSupplierAward, release_dates
from ckanext.procurement.ocds import compile as ocds_compile
from ckanext.procurement.ocds import derive, parse, supplier_facts
from ckanext.procurement.review import state as review_state

log = logging.getLogger(__name__)

# dataset keys this extension owns; anything else a coordinator added is kept on update
OWNED_KEYS = set(process_dataset.SCALAR_FIELDS) | set(process_dataset.LIST_FIELDS) | set(process_dataset.REPEATING) | {
    "notes", "withheld_paths", "withheld_reason", "resources", "type", "name",
}


def procurement_process_save(context, data_dict):
    """Create or update the `contracting-process` dataset of one ocid from its OCDS releases.

    The releases are normalized, redacted (site-wide policy plus
    ``redact_paths``), compiled with the OCDS merge rules and summarized;
    the dataset gets the summary's fields and one resource per document,
    and every release plus the compiled release are stored as its record.
    A withdrawn (deleted) dataset of the same ocid is restored, with its name.

    :param id: for a new process, the id its dataset gets (optional; an existing dataset keeps its own)
    :param releases: every release of the process, in publication order
    :type releases: list of dicts
    :param owner_org: the publishing organization (id or name)
    :param private: for a new dataset, keep it private until a coordinator reviews it (default false):
        it waits in its organization's review queue (``procurement_review_publish``)
    :param redact_paths: OCDS paths to withhold, on top of the site-wide policy
    :type redact_paths: list of strings
    :param redaction_reason: the reason shown for withheld values
    :param harvest_source_id: set by the harvester that filled the dataset
    :param withheld_paths: paths already withheld from ``releases`` upstream (by a harvester's gather)
    :type withheld_paths: list of strings
    :param force: update the dataset even when the releases did not change (default false)
    :param license_id: the open license of a new process (default the site's
        ``ckanext.procurement.default_license``); an existing process keeps the license
        it has (a coordinator may have changed it); one without a license gets this one
    :returns: ``{"status": "created"|"updated"|"restored"|"unchanged", "package": dataset, "problems": [...]}``;
        with ``return_id_only`` in the context (as for ``package_create``), ``package`` is just ``{"id": ...}``
    """
    _check_shape(data_dict)
    tk.check_access("procurement_process_save", context, data_dict)
    data, errors = tk.navl_validate(dict(data_dict, releases=None), schema.process_save_schema(), context)
    release_errors = schema.releases_errors(data_dict.get("releases"))
    if release_errors:
        errors["releases"] = release_errors
    if errors:
        raise tk.ValidationError(errors)
    data["releases"] = data_dict["releases"]
    if interfaces.implementations():
        data["releases"] = _releases_from_hooks(context, data_dict)

    paths = settings.redact_paths() + list(data.get("redact_paths") or [])
    prepared = process.prepare(data["releases"], paths)
    if prepared.errors or not prepared.releases:
        messages = [str(p) for p in prepared.errors] or [tk._("No usable release")]
        raise tk.ValidationError({"releases": messages})
    ocid, problems = prepared.ocid, prepared.problems

    package = identity.package_for_ocid(ocid)  # by the exact ocid: derived names can collide
    if package is not None and data.get("id") and data["id"] != package.id:
        raise tk.ValidationError({"id": [tk._("ocid {ocid!r} already has a dataset, with id {id}").format(ocid=ocid, id=package.id)]})
    record = ProcurementRecord.get(ocid)
    source_id = data.get("harvest_source_id")
    # the organization an ocid's prefix is registered to takes its process back from whoever took it first
    rightful = identity.registered_to(ocid, _organization_id(data["owner_org"]))
    if record is not None and source_id and record.harvest_source_id and record.harvest_source_id != source_id \
            and package is not None and package.state == "active" and not rightful:
        raise tk.ValidationError({"ocid": [tk._("ocid {ocid!r} is already published by another harvest source ({source})").format(ocid=ocid, source=record.harvest_source_id)]})
    if source_id and package is not None and not (record is not None and record.harvest_source_id == source_id) \
            and package.owner_org != _organization_id(data["owner_org"]) and not rightful:
        # harvests run unchecked (as the site user): a source never takes another organization's process
        raise tk.ValidationError({"ocid": [tk._("ocid {ocid!r} is a process of another organization, not of this harvest source's").format(ocid=ocid)]})
    unchanged = record is not None and record.releases_hash == prepared.releases_hash
    if package is not None and package.state == "active" and unchanged and not data.get("force"):
        shown = {"id": package.id} if context.get("return_id_only") else _show(context, package.id)
        return {"status": "unchanged", "package": shown, "problems": [p.as_dict() for p in problems]}

    redacted = prepared.releases
    # a harvester's gather already redacted the releases: what it withheld is named here too
    withheld = sorted(set(prepared.withheld) | set(data.get("withheld_paths") or []))
    release_schema = settings.release_schema()
    compiled = ocds_compile.compile_releases(redacted, release_schema, problems=problems)
    summary = derive.summarize(
        compiled,
        redacted,
        now=datetime.datetime.now(datetime.timezone.utc),
        fiscal_year_start_month=settings.fiscal_year_start_month(),
        classification_mapping=settings.classification_mapping(),
        indicator_thresholds=settings.indicator_thresholds(),
        schema=release_schema,
    )
    fields = process_dataset.dataset_fields(summary)
    fields["withheld_paths"] = withheld
    fields["withheld_reason"] = (data.get("redaction_reason") or settings.redact_reason()) if withheld else ""
    fields = interfaces.process_fields(fields, compiled)
    fields["owner_org"] = data["owner_org"]
    license_id = data.get("license_id") or settings.default_license()
    fields["name"] = package.name if package is not None else identity.name_for_process(ocid, data.get("id"))

    # The record joins the session first, so the package action's own commit
    # stores dataset and record together: one transaction, and the dataset is
    # indexed before package_show and the activity stream read it (from the index).
    action_context = {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj"),  # looked up once
                      "ignore_auth": True, "model": model, "session": model.Session, validators.PUBLISHED_VALUES: True,
                      "return_id_only": context.get("return_id_only", False)}
    if package is None:
        fields["id"] = data.get("id") or str(uuid.uuid4())
        fields["private"] = data.get("private", False)
        fields.update(review_state.for_new_process(fields["private"]))  # private: waiting for review
        action_context[review_state.REVIEW_VALUES] = True
        fields["license_id"] = license_id
        fields["resources"], skipped = process_dataset.resources(summary["documents"])
        action, status = "package_create", "created"
    else:
        existing = _show(context, package.id)
        kept = {key: value for key, value in existing.items() if key not in OWNED_KEYS}
        fields["resources"], skipped = process_dataset.resources(summary["documents"], existing.get("resources"))
        fields = dict(kept, **fields, state="active")
        fields["license_id"] = fields.get("license_id") or license_id  # a coordinator's choice survives
        action, status = "package_update", "restored" if package.state != "active" else "updated"

    problems.extend(_unknown_codes(fields, ocid))
    for document in skipped:
        problems.append(parse.Problem(
            severity="warning",
            message=f"document {document.get('id')!r} has no http(s) URL and was not linked: {str(document.get('url'))[:100]!r}",
            path=f"{document.get('stage')}/documents",
            ocid=ocid,
        ))

    # what this save really withheld (a harvester's gather names what it withheld; anyone else's
    # withheld_paths is only a label and must not erase a dataset's history)
    removed = set(prepared.withheld) | (set(data.get("withheld_paths") or []) if source_id else set())
    if package is not None and record is not None and removed - set(record.withheld or []):
        _forget_history(package.id)
    _stage_record(record, fields["id"], ocid, redacted, compiled, prepared.releases_hash, withheld, source_id)
    ProcurementSupplierAward.replace(fields["id"], _supplier_rows(compiled, summary))
    ProcurementProcessFigure.replace(fields["id"], supplier_facts.process_figures(compiled, summary))
    # the package action indexes before it commits: the index must follow what the database holds
    with consistency.saving(fields["id"]):
        try:
            result = tk.get_action(action)(action_context, fields)
        except interfaces.HookIndexError as error:
            model.Session.rollback()  # a site's index hook failed before Solr was asked: nothing is kept
            raise error.error from error
        except Exception:
            model.Session.rollback()  # never leave a record without its dataset
            raise
    if isinstance(result, str):
        result = {"id": result}
    return {"status": status, "package": result, "problems": [p.as_dict() for p in problems]}


# dataset fields holding a code of a closed OCDS codelist: (codelist, OCDS path)
CODE_FIELDS = {
    "tender_status": ("tenderStatus", "tender/status"),
    "award_status": ("awardStatus", "awards/status"),
    "contract_status": ("contractStatus", "contracts/status"),
    "procurement_method": ("method", "tender/procurementMethod"),
    "main_category": ("procurementCategory", "tender/mainProcurementCategory"),
}


def _unknown_codes(fields: dict[str, Any], ocid: str) -> list[parse.Problem]:
    """Codes outside their codelist are kept as published, and said."""
    return [
        parse.Problem("warning", f"{fields[key]!r} is not a code of the OCDS {codelist} codelist; kept as published", path, ocid)
        for key, (codelist, path) in CODE_FIELDS.items()
        if isinstance(fields.get(key), str) and fields[key] and fields[key] not in labels.CODELISTS[codelist]
    ]


def _organization_id(name_or_id: str) -> str | None:
    group = model.Group.get(name_or_id)
    return group.id if group is not None else None


def _check_shape(data_dict) -> None:
    """What the auth function relies on, checked before it runs: no input too deep
    to handle, no NUL character PostgreSQL can't look up, and the releases of one ocid (a decoy first release of another ocid
    must not decide whose process this is)."""
    too_deep = schema.too_deep_errors(data_dict)
    if too_deep:
        raise tk.ValidationError(too_deep)
    nul = schema.nul_errors(data_dict)
    if nul:
        raise tk.ValidationError(nul)
    ocids = schema.releases_ocids(data_dict.get("releases"))
    if len(ocids) > 1:
        raise tk.ValidationError({"releases": [
            tk._("All releases must belong to one contracting process (one ocid); found {ocids}").format(
                ocids=", ".join(repr(ocid) for ocid in ocids[:10]) + (" ..." if len(ocids) > 10 else ""))]})


def _releases_from_hooks(context, data_dict) -> list[dict]:
    """The releases as the site's IProcurement plugins fixed them, checked again like the
    input: a hook may change an ocid, and the user must be allowed to publish that one too."""
    releases = interfaces.call_hook("before_releases_saved", list(data_dict["releases"]), context, expected=list)
    hooked = dict(data_dict, releases=releases)
    _check_shape(hooked)
    errors = schema.releases_errors(releases)
    if errors:
        raise tk.ValidationError({"releases": errors})
    tk.check_access("procurement_process_save", context, hooked)
    return releases


def _show(context, package_id: str) -> dict[str, Any]:
    return tk.get_action("package_show")({"ignore_auth": True, "user": context.get("user"), "use_cache": False}, {"id": package_id})


def _forget_history(package_id: str) -> None:
    """A path is withheld now that was not before: the dataset's earlier versions in its
    activity stream (public, like the dataset) hold the values, so they go; the save adds
    the redacted version."""
    if not plugins.plugin_loaded("activity"):
        return
    from ckanext.activity.model import Activity

    model.Session.query(Activity).filter(Activity.object_id == package_id).delete(synchronize_session=False)


def _supplier_rows(compiled: dict, summary: dict) -> list[dict]:
    """What the process awarded to each supplier, with the process facts the supplier pages group by."""
    process = {key: summary.get(key) for key in ("buyer_name", "main_category", "fiscal_year")}
    return [dict(row, **process) for row in supplier_facts.supplier_rows(compiled, summary)]


def _stage_record(record, package_id, ocid, releases, compiled, releases_hash, withheld, source_id):
    record = record or ProcurementRecord(ocid=ocid)
    record.package_id = package_id
    record.releases = releases
    record.release_dates = release_dates(releases)
    record.compiled_release = compiled
    record.releases_hash = releases_hash
    record.withheld = withheld
    if source_id:
        record.harvest_source_id = source_id
    record.modified = datetime.datetime.utcnow()
    model.Session.add(record)


@tk.side_effect_free
def procurement_record_show(context, data_dict):
    """The OCDS record of a contracting process: every release and the compiled release.

    Respects the dataset's visibility: a private or withdrawn process is
    only shown to those who may see its dataset.

    :param id: the process's ocid, or its dataset's name or id
    :returns: ``{"ocid": ..., "releases": [...], "compiledRelease": {...}}``
    """
    data, errors = tk.navl_validate(data_dict, schema.record_show_schema(), context)
    if errors:
        raise tk.ValidationError(errors)
    tk.check_access("procurement_record_show", context, data)
    identifier = data["id"]
    record = ProcurementRecord.get(identifier)  # the exact ocid, never the name derived from it
    if record is None:
        package = model.Package.get(identifier)
        record = ProcurementRecord.by_package(package.id) if package else None
    if record is None:
        raise tk.ObjectNotFound(tk._("No contracting process with ocid or name {id!r}").format(id=identifier))
    if model.Package.get(record.package_id) is None:
        raise tk.ObjectNotFound(tk._("No contracting process with ocid or name {id!r}").format(id=identifier))
    # package_show's permission labels apply every visibility rule (private, withdrawn, collaborators)
    tk.check_access("package_show", context, {"id": record.package_id})
    return {
        "ocid": record.ocid,
        "releases": record.releases,
        "compiledRelease": record.compiled_release,
        "withheld": record.withheld,
    }


@tk.side_effect_free
def procurement_quality_show(context, data_dict):
    """Publication quality of an organization, or of the whole portal: every figure as JSON.

    Reads the figures stored by the last computation (after each harvest, or
    ``ckan procurement quality recompute``); ``computed_at`` is ``None`` until then.
    Public unless ``ckanext.procurement.quality.public`` is off (then members only).

    :param owner_org: the organization's name or id; omitted, the whole portal
    :returns: processes, stages, fields, timeliness, schema, checks and maturity
    """
    data, errors = tk.navl_validate(data_dict, schema.quality_show_schema(), context)
    if errors:
        raise tk.ValidationError(errors)
    organization_id = None
    if data.get("owner_org"):
        organization = model.Group.get(data["owner_org"])
        if organization is None or not organization.is_organization or organization.state != "active":
            raise tk.ObjectNotFound(tk._("No organization {name!r}").format(name=data["owner_org"]))
        organization_id = organization.id
    tk.check_access("procurement_quality_show", context, {"owner_org": organization_id})
    figures = quality.report(organization_id)
    figures["owner_org"] = organization_id
    figures["open_data"] = quality_open.report(organization_id, context)
    quality_guidance.add_to_steps(figures, organization_id, context)
    return figures


def get_actions():
    return {
        "procurement_process_save": procurement_process_save,
        "procurement_record_show": procurement_record_show,
        "procurement_quality_show": procurement_quality_show,
    }
