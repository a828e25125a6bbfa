"""Default resource views, without asking every resource for its views first.

CKAN's ``package_create_default_resource_views`` (run by every package_create)
lists the views of each resource of the dataset, one query
and one authorization check each, and only then asks the default view plugins
(``ckan.views.default_views``) whether they can show it. A contracting
process has several documents that no default view shows, and a harvest saves
thousands of processes: only the resources some default view can show go on
to CKAN's own ``add_views_to_resource``, which lists and creates as before.
"""
from __future__ import annotations

from typing import Any

import ckan.lib.datapreview as datapreview
import ckan.plugins.toolkit as tk


@tk.chained_action
def package_create_default_resource_views(original_action, context, data_dict: dict[str, Any]) -> list[dict]:
    # the whole of CKAN's action, so the original is not called (it would list every resource again)
    dataset = tk.get_or_bust(data_dict, "package")  # first, as CKAN's: its auth function reads it
    tk.check_access("package_create_default_resource_views", context, data_dict)
    with_datastore = tk.asbool(data_dict.get("create_datastore_views", False))
    view_plugins = datapreview.get_default_view_plugins(with_datastore)
    created: list[dict] = []
    for resource in dataset.get("resources", []):
        if any(plugin.can_view({"resource": resource, "package": dataset}) for plugin in view_plugins):
            created.extend(datapreview.add_views_to_resource(context, resource, dataset, [], with_datastore))
    return created


def get_chained_actions() -> dict:
    return {"package_create_default_resource_views": package_create_default_resource_views}
