"""The one rule for links taken from published data or typed by an editor."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

WEB_SCHEMES = ("http", "https")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SPACE = re.compile(r"\s")


def is_web_url(value: object) -> bool:
    """Whether ``value`` is an absolute http(s) URL with a host: the only links a page shows or a
    release keeps. Never ``javascript:``, ``data:``, ``file:`` or a relative path.

    The scheme may be in any letter case (``HTTPS://``) and surrounding spaces are ignored;
    a control character anywhere, or a space in the host, refuses the URL.
    """
    if not isinstance(value, str):
        return False
    text = value.strip()
    if _CONTROL.search(text):
        return False  # urlsplit would drop tabs and newlines silently: "java\tscript:" is not a link
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname) and not _SPACE.search(parts.netloc)
