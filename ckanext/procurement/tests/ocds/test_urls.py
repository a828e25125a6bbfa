"""The one URL rule of the project (ocds/urls.py), on plain strings."""
from __future__ import annotations

import pytest

from ckanext.procurement.dataset import is_safe_url
from ckanext.procurement.ocds.urls import is_web_url


@pytest.mark.parametrize("url", [
    "https://example.org/contract.pdf",
    "http://example.org",
    "HTTPS://EXAMPLE.ORG/A.PDF",  # the scheme in any letter case
    "Http://example.org/a.pdf",
    "  https://example.org/a.pdf  ",  # as typed or exported, with spaces around
    "https://example.org/Shared Documents/contract 12.pdf",  # spaces in the path are a browser's to encode
    "https://user@example.org:8443/a?b=c#d",
    "http://[2001:db8::1]/a.pdf",
])
def test_web_urls_are_accepted(url):
    assert is_web_url(url)


@pytest.mark.parametrize("url", [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "ftp://example.org/a.pdf",
    "http://",  # no host
    "http:example.org",  # no host either: not an absolute URL
    "https:///a.pdf",
    "http://user@/a.pdf",
    "//example.org/a.pdf",  # relative to the page's scheme
    "/dataset/a.pdf",
    "https://exa mple.org/a.pdf",  # a space in the host
    "java\tscript:alert(1)",  # urlsplit would drop the tab
    "https://example.org/\na.pdf",
    "http://[2001:db8::1/a.pdf",  # unclosed bracket: urlsplit raises
    "",
    None,
    42,
    ["https://example.org"],
])
def test_other_values_are_refused(url):
    assert not is_web_url(url)


def test_pages_use_the_same_rule():
    assert is_safe_url is is_web_url
