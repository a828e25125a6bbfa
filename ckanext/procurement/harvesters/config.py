"""Harvest source configuration: parsed and validated with messages that
name the key that is wrong and why."""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

from ckanext.procurement.ocds.parse import FORMATS
from ckanext.procurement.ocds.redact import identifying_paths

PUBLISH_CHOICES = ("immediately", "after_review")
SECRET_PREFIX = "secret:"
ENV_PREFIX = "env:"
HEADER_BREAK = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # control characters but tab (CR and LF among them)


class ConfigError(ValueError):
    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}")
        self.key = key


@dataclass
class SourceConfig:
    format: str = "auto"
    since_parameter: str | None = None
    full_harvest_every: int = 7
    auth_header: str | None = None
    auth_header_name: str = "Authorization"
    timeout: float | None = None
    retries: int | None = None
    max_response_bytes: int | None = None
    ocid_prefixes: list[str] = field(default_factory=list)
    redact_paths: list[str] = field(default_factory=list)
    redaction_reason: str | None = None
    publish: str = "immediately"
    mapping: dict[str, Any] | None = None
    license: str | None = None
    source_id: str | None = None  # not a key: the source the config belongs to (its secrets resolve for it only)
    # not a key: the OCDS extensions the packages read by this gather declare (ocds_extensions.py)
    declared_extensions: list[str] = field(default_factory=list)

    @property
    def keep_private(self) -> bool:
        return self.publish == "after_review"


COMMON_KEYS = {
    "since_parameter": "name of the query parameter that asks for releases changed since a date-time (incremental runs)",
    "full_harvest_every": "with since_parameter: run a full listing (which also withdraws vanished processes) every N runs",
    "auth_header": "value of the authentication header: 'env:VARIABLE' to read it from the environment, or the secret itself (stored apart, never shown back)",
    "auth_header_name": "name of the authentication header (default Authorization)",
    "timeout": "seconds to wait for each response",
    "retries": "times to retry a failed request",
    "max_response_bytes": "largest response accepted, in bytes",
    "ocid_prefixes": "list of accepted OCID prefixes (others are reported and skipped)",
    "redact_paths": "list of OCDS paths to withhold, on top of the site-wide policy",
    "redaction_reason": "reason shown to the public for withheld values",
    "publish": "'immediately' or 'after_review' (new processes stay private until a coordinator publishes them)",
    "license": "id of the open license of new processes, from the site's license list (default: the site's default license)",
}
OCDS_KEYS = dict(COMMON_KEYS, format="one of auto, " + ", ".join(FORMATS))
FLAT_KEYS = dict(COMMON_KEYS, mapping="how columns become OCDS fields (see the README)", format="auto, csv or xlsx")


MAX_TIMEOUT = 3600  # seconds a source may wait for one response


def _positive_number(key: str, value: Any, integer: bool = False) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0 or (integer and not isinstance(value, int)):
        raise ConfigError(key, f"must be a positive {'whole ' if integer else ''}number, got {value!r}")
    return value


def _matching(key: str, value: Any, pattern: str, what: str) -> str:
    # fullmatch: `$` would let a final line break through
    if not isinstance(value, str) or not re.fullmatch(pattern, value):
        raise ConfigError(key, f"must be {what}, got {value!r}")
    return value


def _string_list(key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ConfigError(key, f"must be a list of non-empty strings, got {value!r}")
    return [item.strip() for item in value]


def parse_config(text: str | None, allowed: dict[str, str], formats: tuple[str, ...]) -> SourceConfig:
    if not text or not text.strip():
        return SourceConfig()
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise ConfigError("config", f"not valid JSON ({error})")
    if not isinstance(raw, dict):
        raise ConfigError("config", "must be a JSON object")
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise ConfigError(unknown[0], "unknown key; known keys are " + ", ".join(sorted(allowed)))

    config = SourceConfig()
    if "format" in raw:
        if raw["format"] not in formats:
            raise ConfigError("format", f"must be one of {', '.join(formats)}, got {raw['format']!r}")
        config.format = raw["format"]
    if "since_parameter" in raw:
        config.since_parameter = _matching("since_parameter", raw["since_parameter"], r"[A-Za-z0-9_.\-\[\]]+",
                                           "a query parameter name such as 'since'")
    if "full_harvest_every" in raw:
        config.full_harvest_every = _positive_number("full_harvest_every", raw["full_harvest_every"], integer=True)
    if "auth_header" in raw:
        if not isinstance(raw["auth_header"], str) or not raw["auth_header"].strip():
            raise ConfigError("auth_header", "must be a non-empty string")
        if HEADER_BREAK.search(raw["auth_header"]):
            # a line break would let the value add headers of its own to every request
            raise ConfigError("auth_header", "must not contain line breaks (CR or LF) or other control characters")
        if raw["auth_header"].startswith(ENV_PREFIX) and not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", raw["auth_header"][len(ENV_PREFIX):]):
            raise ConfigError("auth_header", "env: must be followed by an environment variable name")
        config.auth_header = raw["auth_header"]
    if "auth_header_name" in raw:
        config.auth_header_name = _matching("auth_header_name", raw["auth_header_name"], r"[A-Za-z0-9-]+",
                                            "an HTTP header name")
    if "timeout" in raw:
        config.timeout = _positive_number("timeout", raw["timeout"])
        if config.timeout > MAX_TIMEOUT:  # a huge one overflows the socket's clock (and would wait forever)
            raise ConfigError("timeout", f"must be at most {MAX_TIMEOUT} seconds, got {raw['timeout']!r}")
    if "retries" in raw:
        if isinstance(raw["retries"], bool) or not isinstance(raw["retries"], int) or not 0 <= raw["retries"] <= 10:
            raise ConfigError("retries", f"must be a whole number from 0 to 10, got {raw['retries']!r}")
        config.retries = raw["retries"]
    if "max_response_bytes" in raw:
        config.max_response_bytes = _positive_number("max_response_bytes", raw["max_response_bytes"], integer=True)
    if "ocid_prefixes" in raw:
        config.ocid_prefixes = _string_list("ocid_prefixes", raw["ocid_prefixes"])
    if "redact_paths" in raw:
        config.redact_paths = _string_list("redact_paths", raw["redact_paths"])
        forbidden = identifying_paths(config.redact_paths)
        if forbidden:
            raise ConfigError("redact_paths", f"{forbidden[0]!r} can't be withheld: ocid and id identify a release")
    if "redaction_reason" in raw:
        if not isinstance(raw["redaction_reason"], str):
            raise ConfigError("redaction_reason", "must be a string")
        config.redaction_reason = raw["redaction_reason"]
    if "publish" in raw:
        if raw["publish"] not in PUBLISH_CHOICES:
            raise ConfigError("publish", f"must be one of {', '.join(PUBLISH_CHOICES)}, got {raw['publish']!r}")
        config.publish = raw["publish"]
    if "license" in raw:
        # whether the site knows it as an open license is checked by the harvester (CKAN's license register)
        if not isinstance(raw["license"], str) or not raw["license"].strip():
            raise ConfigError("license", f"must be a license id such as 'cc-by', got {raw['license']!r}")
        config.license = raw["license"].strip()
    if "mapping" in raw:
        if not isinstance(raw["mapping"], dict):
            raise ConfigError("mapping", "must be a JSON object")
        config.mapping = raw["mapping"]
    return config


def resolve_auth_header(config: SourceConfig, secrets, env_allowlist: list[str]) -> str | None:
    """The header value a config refers to: from an allowed environment variable,
    or from the secret store if the secret belongs to this very source."""
    value = config.auth_header
    if not value:
        return None
    if value.startswith(ENV_PREFIX):
        name = value[len(ENV_PREFIX):]
        check_env_allowed(name, env_allowlist)
        if name not in os.environ:
            raise ConfigError("auth_header", f"environment variable {name} is not set")
        return _header_value(os.environ[name])
    if value.startswith(SECRET_PREFIX):
        secret = secrets.get(value[len(SECRET_PREFIX):])
        if secret is None:
            raise ConfigError("auth_header", "the stored secret is missing: enter the header value again")
        if not config.source_id or secret.harvest_source_id != config.source_id:
            raise ConfigError("auth_header", "the stored secret belongs to another harvest source (a source can only use "
                                             "the secrets entered for it): enter this source's header value; nothing was sent")
        plaintext = secret.plaintext()
        if plaintext is None:
            raise ConfigError("auth_header", "the stored secret can't be decrypted with the site's key "
                                             "(ckanext.procurement.secret_key changed?): enter the header value again")
        return _header_value(plaintext)
    return _header_value(value)


def check_env_allowed(name: str, env_allowlist: list[str]) -> None:
    if name not in env_allowlist:
        raise ConfigError("auth_header", f"environment variable {name} is not allowed for harvest sources; the site's "
                                         "ckanext.procurement.harvest.auth_env_allowlist lists those that are")


def _header_value(value: str) -> str:
    if HEADER_BREAK.search(value):
        raise ConfigError("auth_header", "must not contain line breaks (CR or LF) or other control characters")
    if value[:1] in (" ", "\t"):
        # requests can't send it, and its error would quote the value in the job report and the log
        raise ConfigError("auth_header", "must not begin with a space or a tab")
    return value


def seal_auth_header(text: str | None, store) -> str | None:
    """The config text with a literal auth_header replaced by `secret:<id>`, `store(value)` giving the id."""
    if not isinstance(text, str) or not text.strip():
        return text
    try:
        raw = json.loads(text)
    except ValueError:
        return text  # parse_config rejects it (without quoting it)
    header = raw.get("auth_header") if isinstance(raw, dict) else None
    if not isinstance(header, str) or not header.strip() or header.startswith((SECRET_PREFIX, ENV_PREFIX)):
        return text
    _header_value(header)  # a value that can't be sent is refused, not stored
    raw["auth_header"] = SECRET_PREFIX + store(header)
    return json.dumps(raw, indent=2)


def secret_id(text: str | None) -> str | None:
    """The id of the stored secret a config text refers to, if any."""
    try:
        raw = json.loads(text) if text else {}
    except ValueError:
        return None
    header = raw.get("auth_header") if isinstance(raw, dict) else None
    if isinstance(header, str) and header.startswith(SECRET_PREFIX):
        return header[len(SECRET_PREFIX):]
    return None
