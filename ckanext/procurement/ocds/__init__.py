"""OCDS handling for ckanext-procurement: reading feeds, compiling, deriving, redacting, diffing.

This package knows nothing of CKAN (it never imports ckan or ckanext.harvest), so every
function here can be used and tested on plain JSON. The CKAN glue calls:

- :mod:`.schema` - ``load_release_schema``, ``get_merger``, ``codelist``
- :mod:`.parse` - ``FeedReader`` (streaming, any shape), ``normalize_release``, ``Problem``
- :mod:`.compile` - ``compile_releases``, ``releases_hash``, ``group_by_ocid``
- :mod:`.derive` - ``summarize`` (every derived field, documented in ``SUMMARY_FIELDS``), built from
  :mod:`.stages` (published stages, the furthest one, the plain-language status), :mod:`.amounts`
  (which value counts: ``VALUE_PRECEDENCE``, ``best_value``; bands, sort keys), :mod:`.rows` (the
  repeating lists, suppliers) and :mod:`.amendments`; the codes and labels are in :mod:`.vocabulary`,
  the tolerant accessors every rule reads releases with in :mod:`.access`
- :mod:`.redact` - ``redact``, ``redact_releases``, ``identifying_paths``
- :mod:`.depth` - ``MAX_DEPTH``, ``deeper_than``, ``json_deeper_than`` (nesting measured without recursion)
- :mod:`.diff` - ``release_changes`` (what each release changed)
"""

from .compile import compile_releases, group_by_ocid, merge_order, releases_hash, versioned_release
from .amounts import VALUE_PRECEDENCE, best_value, value_band, value_sort_key
from .dates import fiscal_year, parse_date
from .depth import MAX_DEPTH, deeper_than, json_deeper_than
from .derive import DEFAULT_CLASSIFICATION_MAPPING, SUMMARY_FIELDS, summarize
from .diff import path_to_str, release_changes
from .errors import FeedError, OcdsError, SchemaError
from .parse import FORMATS, FeedReader, Problem, detect_format, normalize_release, ocid_prefix_ok
from .redact import identifying_paths, redact, redact_releases
from .schema import DEFAULT_SCHEMA_URL, PACKAGED_SCHEMA, codelist, get_merger, load_release_schema
from .stages import furthest_stage, published_stages
from .vocabulary import STAGE_LABELS, STAGES, STATUS_LABELS, STATUSES, VALUE_BAND_LABELS, VALUE_BANDS

__all__ = [
    "DEFAULT_CLASSIFICATION_MAPPING",
    "DEFAULT_SCHEMA_URL",
    "PACKAGED_SCHEMA",
    "FORMATS",
    "MAX_DEPTH",
    "STAGES",
    "STAGE_LABELS",
    "STATUSES",
    "STATUS_LABELS",
    "SUMMARY_FIELDS",
    "VALUE_BANDS",
    "VALUE_BAND_LABELS",
    "VALUE_PRECEDENCE",
    "FeedError",
    "FeedReader",
    "OcdsError",
    "Problem",
    "SchemaError",
    "best_value",
    "codelist",
    "compile_releases",
    "deeper_than",
    "detect_format",
    "fiscal_year",
    "furthest_stage",
    "get_merger",
    "group_by_ocid",
    "identifying_paths",
    "json_deeper_than",
    "load_release_schema",
    "merge_order",
    "normalize_release",
    "ocid_prefix_ok",
    "parse_date",
    "path_to_str",
    "published_stages",
    "redact",
    "redact_releases",
    "release_changes",
    "releases_hash",
    "summarize",
    "value_band",
    "value_sort_key",
    "versioned_release",
]
