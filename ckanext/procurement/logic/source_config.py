"""The secrets in the config of the procurement harvest sources.

A literal `auth_header` is moved to the secret store (encrypted) and
replaced by `secret:<id>` before anything logs the source: ckanext-harvest
logs what `harvest_source_create`/`_update`/`_patch` receive, and CKAN's
package actions log theirs (at DEBUG), so the actions are chained here. The
harvester's `validate_config` does the same for any other way in.

The secret is bound to its source once the source exists (after create or
update) and resolves for that source only; the reference is shown only to
those who may edit the source.
"""
from __future__ import annotations

import json
import re

import ckan.model as model
import ckan.plugins as plugins
import ckan.plugins.toolkit as tk

from ckanext.procurement.fetch import has_userinfo, origin
from ckanext.procurement.harvesters.config import SECRET_PREFIX, ConfigError, seal_auth_header, secret_id
from ckanext.procurement.logic.auth import user_may
from ckanext.procurement.model import ProcurementSecret
from ckanext.procurement.secrets import SecretKeyError

SOURCE_TYPES = ("ocds", "procurement_csv")
HARVEST_SOURCE = "harvest"
HIDDEN_REFERENCE = SECRET_PREFIX + "(hidden)"


def seal_config(config: str | None) -> str | None:
    """The config with a literal auth_header moved to the secret store (unbound until the source is saved)."""
    return seal_auth_header(config, ProcurementSecret.store)


def _source_type(data_dict: dict) -> str | None:
    """The harvester of the source being saved: as sent, or as stored (a patch may not repeat it)."""
    if data_dict.get("source_type"):
        return data_dict["source_type"]
    from ckanext.harvest.model import HarvestSource

    package = model.Package.get(data_dict["id"]) if data_dict.get("id") else None
    source = HarvestSource.get(package.id) if package is not None else None
    return source.type if source is not None else None


def _sealed(data_dict: dict, harvest_action: bool) -> dict:
    if not isinstance(data_dict, dict) or "config" not in data_dict:
        return data_dict
    if not harvest_action and data_dict.get("type") != HARVEST_SOURCE and "source_type" not in data_dict:
        return data_dict
    source_type = _source_type(data_dict)
    data_dict = _from_guided_form(data_dict, source_type)
    if source_type not in SOURCE_TYPES:
        return data_dict
    try:
        sealed = dict(data_dict, config=seal_config(data_dict["config"]))
    except (ConfigError, SecretKeyError) as error:  # refused here, before ckanext-harvest logs the value
        raise tk.ValidationError({"config": [tk._("Error parsing the configuration options: {error}").format(error=error)]})
    _refuse_moving_secret_to_another_site(sealed)
    return sealed


def _refuse_credentials_in_url(data_dict: dict, harvest_action: bool) -> None:
    """A source's URL is public (its page, harvest_source_show, search): a user name or
    password in it would be read by everyone. The auth_header is stored encrypted instead."""
    if not isinstance(data_dict, dict) or not isinstance(data_dict.get("url"), str) or not has_userinfo(data_dict["url"]):
        return
    if not harvest_action and data_dict.get("type") != HARVEST_SOURCE and "source_type" not in data_dict:
        return
    if _source_type(data_dict) in SOURCE_TYPES:
        raise tk.ValidationError({"url": [tk._(
            "The URL must not hold a user name or password: everyone who may see the source would read it. "
            "Give the credentials as the auth_header in the configuration (for example Basic and the "
            "base64 of user:password), which is stored encrypted.")]})


def _from_guided_form(data_dict: dict, source_type: str | None) -> dict:
    """The config the harvest source form's fields describe (source_form/fields.py), before it is sealed."""
    from ckanext.procurement import settings
    from ckanext.procurement.source_form import fields, preview

    if not data_dict.get(fields.MARKER):
        return data_dict
    harvester = preview.harvester_for(source_type) if source_type in SOURCE_TYPES else None
    return fields.apply_to_action(data_dict, source_type, harvester.config_keys if harvester else {},
                                  harvester.formats if harvester else (), settings.release_schema() if harvester else None)


def _refuse_moving_secret_to_another_site(data_dict: dict) -> None:
    """A source's stored secret was entered for the site it pointed at: whoever may edit
    the source must not point it at a host of their own and have the secret sent there."""
    reference = secret_id(data_dict.get("config"))
    package = model.Package.get(data_dict["id"]) if data_dict.get("id") else None
    if not reference or package is None or "url" not in data_dict:
        return
    secret = ProcurementSecret.get(reference)
    if secret is None or secret.harvest_source_id != package.id:  # a new header, or one that won't resolve anyway
        return
    if origin(str(data_dict["url"] or "").strip()) != origin(package.url or ""):
        raise tk.ValidationError({"url": [tk._(
            "The source moves to another site ({url}): its stored auth_header was entered for {old} and is "
            "never sent elsewhere. Enter the auth_header value again in the configuration to move it."
        ).format(url=data_dict["url"], old="://".join(origin(package.url or "")[:2]))]})


def _chain(name: str):
    harvest_action = name.startswith("harvest_")

    @tk.chained_action
    def sealing_action(next_action, context, data_dict):
        _refuse_credentials_in_url(data_dict, harvest_action)
        return next_action(context, _sealed(data_dict, harvest_action))

    if harvest_action:  # like ckanext-harvest's own (they leave the auth check to the package actions)
        sealing_action.auth_audit_exempt = True
    sealing_action.__name__ = name
    sealing_action.__doc__ = f"{name}, with a literal auth_header of a procurement source sealed first."
    return sealing_action


def get_chained_actions() -> dict:
    names = ("harvest_source_create", "harvest_source_update", "harvest_source_patch",
             "package_create", "package_update", "package_patch")
    actions = {name: _chain(name) for name in names}
    actions["harvest_source_list"] = harvest_source_list
    actions["harvest_source_show_status"] = harvest_source_show_status
    if plugins.plugin_loaded("activity"):
        actions["activity_create"] = activity_create
    return actions


# --- binding ---------------------------------------------------------------------

def bind_secrets(pkg_dict: dict) -> None:
    """after_dataset_create/update of a harvest source: it owns the secret it was just given."""
    if pkg_dict.get("type") != HARVEST_SOURCE or "config" not in pkg_dict:
        return
    reference = secret_id(pkg_dict.get("config"))
    ProcurementSecret.bind([reference] if reference else [], pkg_dict["id"])


# --- showing -------------------------------------------------------------------

def hide_reference(config: str | None) -> str | None:
    if not secret_id(config):
        return config
    raw = json.loads(config)
    raw["auth_header"] = HIDDEN_REFERENCE
    return json.dumps(raw, indent=2)


def _may_edit(context: dict, source_id: str) -> bool:
    return bool(context.get("ignore_auth")) or user_may("harvest_source_update", context, {"id": source_id})


def _hide_in_dataset(pkg_dict: dict) -> None:
    pkg_dict["config"] = hide_reference(pkg_dict["config"])
    # ckanext-harvest's show schema also copies each config key to the top level
    if str(pkg_dict.get("auth_header", "")).startswith(SECRET_PREFIX):
        pkg_dict["auth_header"] = HIDDEN_REFERENCE


def after_dataset_show(context: dict, pkg_dict: dict) -> dict:
    if pkg_dict.get("type") == HARVEST_SOURCE and secret_id(pkg_dict.get("config")) and not _may_edit(context, pkg_dict["id"]):
        _hide_in_dataset(pkg_dict)
    return pkg_dict


# a reference as stored in the index's text fields (`fl=validated_data_dict`, `data_dict`, `*`)
INDEXED_REFERENCE = re.compile(re.escape(SECRET_PREFIX) + r"[0-9a-f]{32}")


def after_dataset_search(search_results: dict) -> dict:
    # no user here: search results never show a reference (the source's page and edit form do, to its editors)
    for result in search_results.get("results", []):
        if result.get("type") == HARVEST_SOURCE and secret_id(result.get("config")):
            _hide_in_dataset(result)
        for key, value in result.items():  # fields asked for with `fl` come as the index stores them
            if isinstance(value, str) and SECRET_PREFIX in value:
                result[key] = INDEXED_REFERENCE.sub(HIDDEN_REFERENCE, value)
    return search_results


@tk.chained_action
@tk.side_effect_free
def harvest_source_list(next_action, context, data_dict):
    """ckanext-harvest's list shows every source's config to anyone: not the secret references."""
    sources = next_action(context, data_dict)
    for source in sources:
        if secret_id(source.get("config")) and not _may_edit(context, source["id"]):
            source["config"] = hide_reference(source["config"])
    return sources


harvest_source_list.auth_audit_exempt = True  # as ckanext-harvest's own: it checks nothing (anyone may list)


# what a job's errors say: they name processes (some still waiting for review, private) and what is wrong
ERROR_SUMMARIES = ("object_error_summary", "gather_error_summary")


@tk.chained_action
@tk.side_effect_free
def harvest_source_show_status(next_action, context, data_dict):
    """ckanext-harvest adds a source's status to every show of the source, for anyone who may read it,
    and to its index entry: the last job's error messages only for those who may edit the source (as
    its job reports are); the others, and the index, get the job and its counts."""
    status = next_action(context, data_dict)
    job = status.get("last_job") if isinstance(status, dict) else None
    if job and not user_may("harvest_source_update", context, {"id": data_dict.get("id")}):
        status = dict(status, last_job={key: value for key, value in job.items() if key not in ERROR_SUMMARIES})
    return status


@tk.chained_action
def activity_create(next_action, context, data_dict):
    """A source's activity keeps its whole dataset, read by anyone who may read the
    source: its history never shows the secret reference (its editors see it on the source)."""
    package = (data_dict.get("data") or {}).get("package") if isinstance(data_dict, dict) else None
    if isinstance(package, dict) and package.get("type") == HARVEST_SOURCE and secret_id(package.get("config")):
        package = dict(package)
        _hide_in_dataset(package)
        data_dict = dict(data_dict, data=dict(data_dict["data"], package=package))
    return next_action(context, data_dict)
