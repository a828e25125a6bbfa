"""The `ocds_lifecycle` resource view: a contracting process's lifecycle
for an OCDS JSON file (release or record package) attached to any dataset."""
from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk

OCDS_FORMATS = {"json", "ocds", "application/json", "ocds json"}


class OcdsLifecycleView(p.SingletonPlugin):
    p.implements(p.IResourceView, inherit=True)
    p.implements(p.IConfigurer)

    # IConfigurer

    def update_config(self, config):
        tk.add_template_directory(config, "templates")

    # IResourceView

    def info(self):
        return {
            "name": "ocds_lifecycle",
            "title": tk._("Contract lifecycle"),
            "icon": "clock",
            "iframed": False,
            "always_available": False,
            "default_title": tk._("Contract lifecycle"),
        }

    def can_view(self, data_dict):
        resource = data_dict["resource"]
        fmt = (resource.get("format") or "").strip().lower()
        return fmt in OCDS_FORMATS or (resource.get("url") or "").lower().endswith(".json")

    def view_template(self, context, data_dict):
        return "procurement/resource_view.html"

    def form_template(self, context, data_dict):
        return "procurement/resource_view_form.html"
