"""Fetching from a purchasing system without trusting it.

Only http and https; hosts that resolve to loopback or private addresses are
refused unless the site allows them (`ckanext.procurement.allow_private_addresses`),
and link-local, multicast and reserved ones always; every redirect is checked
the same way; responses are streamed with a size limit; connection errors,
HTTP 429 and 5xx are retried with exponential backoff.
"""
from __future__ import annotations

import ipaddress
import logging
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO, Iterator
from urllib.parse import urljoin, urlsplit

import requests

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
RETRY_STATUSES = {429, 500, 502, 503, 504}
USER_AGENT = "ckanext-procurement harvester (+https://github.com/ckan/ckanext-procurement)"


class FetchError(Exception):
    """A request that failed for good: the message says which URL and why."""


class UnsafeURLError(FetchError):
    pass


def _never_allowed(address) -> bool:
    """Link-local (cloud metadata services live there), multicast, unspecified and reserved
    addresses are refused even where the site allows internal systems."""
    return address.is_link_local or address.is_multicast or address.is_unspecified or (address.is_reserved and not address.is_loopback)


def check_url(url: str, allow_private: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeURLError(f"{url!r}: only http and https URLs can be harvested")
    if not parts.hostname:
        raise UnsafeURLError(f"{url!r}: the URL has no host")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise FetchError(f"{url!r}: cannot resolve host {parts.hostname!r} ({error})")
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if _never_allowed(address):
            raise UnsafeURLError(f"{url!r}: {parts.hostname} resolves to {address}, an address that is never harvested")
        if not address.is_global and not allow_private:
            raise UnsafeURLError(
                f"{url!r}: {parts.hostname} resolves to {address}, a loopback or private address; "
                "set ckanext.procurement.allow_private_addresses = true to harvest internal systems"
            )


class _LimitedReader:
    """A binary file object over a response that stops at `limit` bytes."""

    def __init__(self, raw, limit: int, url: str):
        self.raw, self.limit, self.url, self.count = raw, limit, url, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size if size and size > 0 else 65536)
        self.count += len(chunk)
        if self.count > self.limit:
            raise FetchError(f"{self.url!r}: the response is larger than the {self.limit:,}-byte limit")
        return chunk

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.raw.close()


@dataclass
class Fetcher:
    timeout: float = 60
    retries: int = 3
    max_bytes: int = 200 * 1024 * 1024
    headers: dict[str, str] = field(default_factory=dict)
    allow_private: bool = False
    backoff: float = 1.0
    session: requests.Session = field(default_factory=requests.Session)

    @contextmanager
    def open(self, url: str, accept: tuple[str, ...] = ()) -> Iterator[tuple[BinaryIO, requests.Response]]:
        """Yield (binary stream, response) for `url`, after checks, redirects and retries."""
        response = self._get(url)
        try:
            content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if accept and content_type and not any(content_type == a or content_type.endswith(a) for a in accept):
                raise FetchError(f"{response.url!r}: expected {', '.join(accept)} but the server sent {content_type!r}")
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > self.max_bytes:
                raise FetchError(f"{response.url!r}: the response ({int(length):,} bytes) is larger than the {self.max_bytes:,}-byte limit")
            response.raw.decode_content = True
            yield _LimitedReader(response.raw, self.max_bytes, response.url), response
        finally:
            response.close()

    def _get(self, url: str) -> requests.Response:
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip", **self.headers}
        for attempt in range(self.retries + 1):
            current = url
            try:
                for _ in range(MAX_REDIRECTS + 1):
                    check_url(current, self.allow_private)
                    response = self.session.get(current, headers=headers, timeout=self.timeout, stream=True, allow_redirects=False)
                    if response.is_redirect or response.status_code in (301, 302, 303, 307, 308):
                        location = response.headers.get("Location")
                        response.close()
                        if not location:
                            raise FetchError(f"{current!r}: redirect without a Location")
                        current = urljoin(current, location)
                        continue
                    break
                else:
                    raise FetchError(f"{url!r}: more than {MAX_REDIRECTS} redirects")
            except UnsafeURLError:
                raise
            except (requests.ConnectionError, requests.Timeout) as error:
                if attempt >= self.retries:
                    raise FetchError(f"{current!r}: {type(error).__name__} after {attempt + 1} attempts ({error})")
                self._wait(attempt, current, str(error))
                continue
            if response.status_code in RETRY_STATUSES and attempt < self.retries:
                response.close()
                self._wait(attempt, current, f"HTTP {response.status_code}")
                continue
            if response.status_code >= 400:
                response.close()
                raise FetchError(f"{current!r}: HTTP {response.status_code} {response.reason}" + (f" after {attempt + 1} attempts" if attempt else ""))
            return response
        raise FetchError(f"{url!r}: failed after {self.retries + 1} attempts")  # pragma: no cover

    def _wait(self, attempt: int, url: str, why: str) -> None:
        delay = self.backoff * (2 ** attempt)
        log.warning("%s: %s, retrying in %.1fs", url, why, delay)
        time.sleep(delay)
