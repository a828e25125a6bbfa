"""A city's plugin as tests see it: `procurement_test_hooks` (an entry point in
pyproject.toml) implements every IProcurement hook the way a city would.

- `before_releases_saved` fixes a purchasing system's quirk: tender titles
  arrive with a trailing " [SICOP]" tag;
- `dataset_fields` adds the city's own field (an extra) from the compiled release;
- `before_process_index` indexes one more field.

Setting `fail_in` to a hook's name makes that hook raise, as a buggy plugin would.
"""
from __future__ import annotations

import ckan.plugins as p

from ckanext.procurement.interfaces import IProcurement

QUIRK = " [SICOP]"
EXTRA_KEY = "city_tender_reference"
INDEX_FIELD = "extras_city_tender_reference"


class ProcurementTestHooks(p.SingletonPlugin):
    p.implements(IProcurement, inherit=True)

    fail_in: str | None = None
    calls: list[str] = []  # hook names, in call order

    def _called(self, hook: str) -> None:
        self.calls.append(hook)
        if self.fail_in == hook:
            raise RuntimeError(f"the city's {hook} broke")

    def before_releases_saved(self, releases, context):
        self._called("before_releases_saved")
        for release in releases:
            tender = release.get("tender")
            if isinstance(tender, dict) and isinstance(tender.get("title"), str):
                tender["title"] = tender["title"].removesuffix(QUIRK)
        return releases

    def dataset_fields(self, fields, compiled_release):
        self._called("dataset_fields")
        reference = f"REF-{(compiled_release.get('tender') or {}).get('id')}"
        extras = [extra for extra in fields.get("extras") or [] if extra.get("key") != EXTRA_KEY]
        fields["extras"] = extras + [{"key": EXTRA_KEY, "value": reference}]
        (compiled_release.get("tender") or {}).pop("title", None)  # careless, but only its own copy
        return fields

    def before_process_index(self, index_dict, compiled_release):
        self._called("before_process_index")
        index_dict[INDEX_FIELD] = f"indexed {compiled_release.get('ocid')}"
        (compiled_release.get("tender") or {}).pop("title", None)  # its own copy again
        return index_dict
