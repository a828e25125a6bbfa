"""The procurement plugins. Each `# IInterface` section delegates to the
module named for what it does; this file is the table of contents."""
from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation

from ckanext.procurement import (
    cli, dcat, default_views, harvest_guard, harvest_index, helpers, import_indexing, insights, interfaces, published, search,
    toast_compression, views,
)
from ckanext.procurement.api import views as ocds_api
from ckanext.procurement.bulk import triggers as bulk_triggers, views as bulk_views
from ckanext.procurement.dcat import datajson
from ckanext.procurement.dataset import DATASET_TYPE
from ckanext.procurement.logic import action, auth, buyers, source_config, suppliers, validators
from ckanext.procurement.source_form import helpers as source_form_helpers, views as source_form_views
from ckanext.procurement.review import logic as review, views as review_views


@tk.blanket.config_declarations
class ProcurementPlugin(p.SingletonPlugin, DefaultTranslation):
    p.implements(p.IConfigurer)
    p.implements(p.IConfigurable)
    p.implements(p.IActions)
    p.implements(p.IAuthFunctions)
    p.implements(p.IValidators)
    p.implements(p.ITemplateHelpers)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IFacets, inherit=True)
    p.implements(p.IBlueprint)
    p.implements(p.IClick)
    p.implements(p.ITranslation)

    # IConfigurer (ITranslation comes from DefaultTranslation: i18n/ beside this file)

    def update_config(self, config):
        tk.add_template_directory(config, "templates")
        tk.add_public_directory(config, "public")
        tk.add_resource("assets", "procurement")
        # ckanext-harvest reads its tables for contracting processes only
        harvest_index.guard_harvest_index()

    # IConfigurable

    def configure(self, config):
        # large values (releases, records, activities) compressed with lz4 where the server has it
        toast_compression.apply()
        # a harvest leaves Solr's commits to autoSoftCommit: say so if the site's Solr has none
        import_indexing.check_solr_at_startup()

    # IActions

    def get_actions(self):
        actions = dict(action.get_actions(), **review.get_actions(), **suppliers.get_actions(), **buyers.get_actions(),
                       **source_config.get_chained_actions(), **bulk_triggers.get_chained_actions(),
                       **dcat.get_chained_actions(), **import_indexing.get_chained_actions(),
                       **default_views.get_chained_actions())
        actions["bulk_update_public"] = review.also_after_bulk_update_public(actions["bulk_update_public"])
        return actions

    # IAuthFunctions

    def get_auth_functions(self):
        return dict(auth.get_auth_functions(), **review.get_auth_functions(), **suppliers.get_auth_functions(),
                    **buyers.get_auth_functions())

    # IValidators

    def get_validators(self):
        return validators.get_validators()

    # ITemplateHelpers

    def get_helpers(self):
        return dict(helpers.get_helpers(), **source_form_helpers.get_helpers())

    # IPackageController

    def before_dataset_index(self, pkg_dict):
        import_indexing.remember_indexed(pkg_dict)
        pkg_dict = review.before_dataset_index(search.before_dataset_index(pkg_dict))
        if pkg_dict.get("dataset_type") == DATASET_TYPE:
            pkg_dict = interfaces.index_process(pkg_dict)  # the site's IProcurement plugins
        return pkg_dict

    def before_dataset_search(self, search_params):
        return dcat.limit_catalog_search(search.before_dataset_search(search_params))

    def after_dataset_create(self, context, pkg_dict):
        source_config.bind_secrets(pkg_dict)
        bulk_triggers.after_dataset_change(context, pkg_dict)

    def after_dataset_update(self, context, pkg_dict):
        source_config.bind_secrets(pkg_dict)
        published.touch(pkg_dict)
        bulk_triggers.after_dataset_change(context, pkg_dict)

    def after_dataset_delete(self, context, pkg_dict):
        bulk_triggers.after_dataset_change(context, pkg_dict)

    def after_dataset_show(self, context, pkg_dict):
        return review.after_dataset_show(context, source_config.after_dataset_show(context, pkg_dict))

    def after_dataset_search(self, search_results, search_params):
        search_results = search.after_dataset_search(search_results, search_params)
        return review.after_dataset_search(source_config.after_dataset_search(search_results))

    # IFacets

    def dataset_facets(self, facets_dict, package_type):
        if package_type == DATASET_TYPE:
            return search.process_facets()
        return facets_dict

    # IBlueprint

    def get_blueprint(self):
        return (views.get_blueprints() + harvest_guard.get_blueprints() + bulk_views.get_blueprints()
                + ocds_api.get_blueprints() + [datajson.blueprint] + source_form_views.get_blueprints()
                + review_views.get_blueprints() + insights.get_blueprints())

    # IClick

    def get_commands(self):
        return cli.get_commands()
