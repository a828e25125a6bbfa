"""Extension points: what a city's own plugin can change without forking.

Implement `IProcurement` in a CKAN plugin (``p.implements(IProcurement,
inherit=True)`` and override only the hooks needed). Each hook receives a
value and returns it, changed or not; with several plugins, each gets what the
one before returned, in the order of ``ckan.plugins``.

A hook that raises `ckan.plugins.toolkit.ValidationError` refuses the save with
its own message; any other error in a hook refuses it too, with a message
naming the plugin and the hook (and the traceback in the log): nothing is saved
half-changed, and nothing is skipped silently.
"""
from __future__ import annotations

import copy
import logging
from typing import Any, Callable

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.search import SearchIndexError

from ckanext.procurement.model import ProcurementRecord

log = logging.getLogger(__name__)


class IProcurement(p.Interface):
    """Hooks into how a contracting process is saved and indexed."""

    def before_releases_saved(self, releases: list[dict[str, Any]], context: dict[str, Any]) -> list[dict[str, Any]]:
        """Fix a purchasing system's quirks in the releases of one process before they are saved.

        Called by ``procurement_process_save`` (so for harvests and API callers
        alike) after the input is checked and before the releases are
        normalized, redacted, compiled and stored. The result is checked again
        (one ocid, each release an object) and so is the permission to publish
        its ocid.

        :param releases: every release of the process, as sent (do not rely on them being normalized yet)
        :param context: the action's context (``user``; ``ignore_auth`` for harvests)
        :returns: the releases to save
        """
        return releases

    def dataset_fields(self, fields: dict[str, Any], compiled_release: dict[str, Any]) -> dict[str, Any]:
        """Add or change fields of the process's dataset from its compiled release.

        A field must be one the dataset schema keeps (a field of the site's
        scheming schema, or an entry of ``extras``). ``id``, ``name``,
        ``owner_org``, ``state`` and ``resources`` are the action's and are set
        after this hook. A field it stops setting keeps its earlier value (like
        a field a coordinator added).

        :param fields: the dataset fields computed from the summary
        :param compiled_release: a copy of the compiled (redacted) release
        :returns: the fields to save
        """
        return fields

    def before_process_index(self, index_dict: dict[str, Any], compiled_release: dict[str, Any]) -> dict[str, Any]:
        """Adjust what the search index gets for a contracting process.

        Called after the extension has shaped the process's index document (see
        ``search.py``) on every indexing of it (saves and ``ckan search-index rebuild``).
        The stock Solr schema indexes ``extras_*`` keys as text and ``*_date`` keys as dates.

        :param index_dict: the document sent to Solr
        :param compiled_release: a copy of the compiled release stored for the process ({} if it has none)
        :returns: the document to index
        """
        return index_dict


class HookError(tk.ValidationError):
    """A hook of a site's plugin failed: the save is refused, naming the plugin and the hook."""


class HookIndexError(SearchIndexError):
    """A `before_process_index` hook failed. Raised as a SearchIndexError, the one error
    CKAN's indexing lets through (it logs any other and leaves the dataset unindexed);
    `procurement_process_save` turns it back into the HookError it carries."""

    def __init__(self, error: tk.ValidationError):
        super().__init__(_format(error.error_dict))
        self.error = error


def implementations() -> list[IProcurement]:
    return list(p.PluginImplementations(IProcurement))


def call_hook(hook: str, value: Any, *args: Any, expected: type = dict) -> Any:
    """Pass `value` through `hook` of every IProcurement plugin, each getting the one before's result."""
    for plugin in implementations():
        method: Callable[..., Any] = getattr(plugin, hook)
        try:
            value = method(value, *args)
        except tk.ValidationError:
            raise  # the hook refused the data with its own message
        except Exception as error:
            log.exception("IProcurement hook %s of plugin %s failed", hook, plugin.name)
            raise _hook_error(plugin, hook, f"{type(error).__name__}: {error}") from error
        if not isinstance(value, expected):
            raise _hook_error(plugin, hook, tk._("returned {type}, not a {expected}").format(
                type=type(value).__name__, expected=expected.__name__))
    return value


def _hook_error(plugin: IProcurement, hook: str, problem: str) -> HookError:
    return HookError({"extension": [tk._("{hook} of the plugin {plugin} failed: {problem}").format(
        hook=hook, plugin=plugin.name, problem=problem)]})


def process_fields(fields: dict[str, Any], compiled_release: dict[str, Any]) -> dict[str, Any]:
    """`dataset_fields` of every plugin; they get a copy of the compiled release (the one stored stays as it is)."""
    if not implementations():
        return fields
    return call_hook("dataset_fields", fields, copy.deepcopy(compiled_release))


def index_process(index_dict: dict[str, Any]) -> dict[str, Any]:
    """`before_process_index` of every plugin, for a contracting process's index document."""
    if not implementations():
        return index_dict  # no record to read
    try:
        return call_hook("before_process_index", index_dict, _compiled_release(index_dict))
    except tk.ValidationError as error:
        raise HookIndexError(error) from error


def _compiled_release(index_dict: dict[str, Any]) -> dict[str, Any]:
    # by ocid first: while a save indexes, its record is in the session (no query)
    record = ProcurementRecord.get(index_dict["ocid"]) if index_dict.get("ocid") else None
    if record is None or record.package_id != index_dict.get("id"):
        record = ProcurementRecord.by_package(index_dict.get("id"))
    return copy.deepcopy(record.compiled_release) if record is not None else {}


def _format(error_dict: dict[str, Any]) -> str:
    return " | ".join(f"{key}: {'; '.join(map(str, messages)) if isinstance(messages, list) else messages}"
                      for key, messages in error_dict.items())
