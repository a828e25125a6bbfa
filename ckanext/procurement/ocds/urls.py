"""The one rule for links taken from published data or typed by an editor."""

from __future__ import annotations

from urllib.parse import urlsplit

WEB_SCHEMES = ("http", "https")


def is_web_url(value: object) -> bool:
    """Whether ``value`` is an absolute http(s) URL with a host: the only links a page shows or a
    release keeps. Never ``javascript:``, ``data:``, ``file:`` or a relative path.

    The scheme may be in any letter case (``HTTPS://``) and surrounding spaces are ignored;
    a control character anywhere, or a space in the host, refuses the URL.
    """
    if not isinstance(value, str):
        return False
    text = value.strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        return False  # urlsplit would drop tabs and newlines silently: "java\tscript:" is not a link
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(host) and not any(c.isspace() for c in parts.netloc)
