"""Safe fetching of URLs that others choose (harvest sources, resource URLs).

Only http and https. Each host is resolved once, every address it resolves to
is checked, and the connection goes to the checked address (the Host header,
TLS SNI and certificate check keep the host name), so a DNS answer that
changes between the check and the connection (DNS rebinding) gains nothing.
Loopback and private addresses are refused unless the site allows them
(`ckanext.procurement.allow_private_addresses`); link-local, multicast,
reserved addresses and the cloud metadata services always. Every redirect
hop is checked the same way, and the authentication header is only sent to
the origin (scheme, host, port) it was configured for. Responses are
streamed with a size limit and, when asked, a total deadline; connection
errors, HTTP 429 and 5xx are retried with exponential backoff.
"""
from __future__ import annotations

import contextvars
import ipaddress
import logging
import re
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Iterator
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
RETRY_STATUSES = {429, 500, 502, 503, 504}
USER_AGENT = "ckanext-procurement harvester (+https://github.com/ckan/ckanext-procurement)"

# Cloud instance metadata and platform services: refused even where private
# addresses are allowed (169.254.0.0/16 is link-local and refused anyway).
METADATA_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "169.254.0.0/16",     # AWS, GCP, Azure, OpenStack, DigitalOcean... 169.254.169.254; ECS 169.254.170.2
    "100.100.100.200/32",  # Alibaba Cloud
    "192.0.0.192/32",     # Oracle Cloud
    "168.63.129.16/32",   # Azure wireserver
    "fd00:ec2::/32",      # AWS over IPv6 (metadata fd00:ec2::254, DNS, time)
    "fd20:ce::254/128",   # Google Cloud over IPv6
))
METADATA_HOSTS = {"metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"}
NAT64 = ipaddress.ip_network("64:ff9b::/96")

Resolver = Callable[..., list]


# the user:password@ part of a URL: never written to a log or an error message
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s'\"@]*@")


def without_userinfo(text: str) -> str:
    """`text` (a URL, or a message naming URLs) with any URL's user name and password removed."""
    return _USERINFO.sub(r"\1", text)


def has_userinfo(url: str) -> bool:
    """Whether `url` holds a user name or password (`user:password@`)."""
    return without_userinfo(url) != url


class FetchError(Exception):
    """A request that failed for good: the message says which URL and why (never a URL's password)."""

    def __init__(self, message: str, *args):
        super().__init__(without_userinfo(str(message)), *args)


class UnsafeURLError(FetchError):
    pass


class TooLargeError(FetchError):
    """The response is larger than the limit."""


class HTTPStatusError(FetchError):
    """The server answered with an error status (`status`, e.g. "404 Not Found")."""

    def __init__(self, message: str, status: str):
        self.status = status
        super().__init__(message)


class DeadlineError(FetchError):
    """The fetch's total deadline passed."""

    def __init__(self, url: str, seconds: float):
        self.seconds = seconds
        super().__init__(f"{url!r}: no complete response within {seconds:g} seconds")


# --- address checks ----------------------------------------------------------------------------

def _embedded_ipv4(address):
    """The IPv4 address an IPv6 one stands for (IPv4-mapped, NAT64), if any."""
    if address.version != 6:
        return None
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _never_allowed(address) -> bool:
    """Link-local, metadata services, multicast, unspecified and reserved addresses
    are refused even where the site allows internal systems."""
    return (
        address.is_link_local or address.is_multicast or address.is_unspecified
        or (address.is_reserved and not address.is_loopback)
        or any(address in network for network in METADATA_NETWORKS if network.version == address.version)
    )


def check_address(url: str, host: str, address) -> None:
    """Raise UnsafeURLError if `address` may never be fetched."""
    for candidate in filter(None, (address, _embedded_ipv4(address))):
        if _never_allowed(candidate):
            raise UnsafeURLError(f"{url!r}: {host} resolves to {address}, an address that is never harvested")


def check_url(url: str, allow_private: bool, resolve: Resolver | None = None) -> list[str]:
    """Check `url` and every address its host resolves to; return the addresses (to connect to).

    `resolve` is getaddrinfo's stand-in (default socket.getaddrinfo)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeURLError(f"{url!r}: only http and https URLs can be harvested")
    if not parts.hostname:
        raise UnsafeURLError(f"{url!r}: the URL has no host")
    host = parts.hostname.rstrip(".").lower()
    if host in METADATA_HOSTS:
        raise UnsafeURLError(f"{url!r}: {host} is a cloud metadata service, which is never harvested")
    try:
        infos = (resolve or socket.getaddrinfo)(host, _port(parts), proto=socket.IPPROTO_TCP)
    except (socket.gaierror, ValueError) as error:
        raise FetchError(f"{url!r}: cannot resolve host {host!r} ({error})")
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        check_address(url, host, address)
        embedded = _embedded_ipv4(address)
        if not allow_private and not (address.is_global and (embedded is None or embedded.is_global)):
            raise UnsafeURLError(
                f"{url!r}: {host} resolves to {address}, a loopback or private address; "
                "set ckanext.procurement.allow_private_addresses = true to harvest internal systems"
            )
        addresses.append(str(address))
    if not addresses:
        raise FetchError(f"{url!r}: host {host!r} has no address")
    return addresses


def _port(parts) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


def origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").rstrip(".").lower(), _port(parts)


# --- connecting to the checked address -----------------------------------------------------------

class Deadline:
    """A total time limit for one fetch: when it passes, the connections opened
    for the fetch are shut down, which ends any read (even a trickle of bytes
    or of headers, which a per-read timeout would never stop)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._connections: list[HTTPConnection] = []
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def watch(self, connection: HTTPConnection) -> None:
        """Called before the connection connects (its socket then covers the TLS handshake)."""
        with self._lock:
            self._connections.append(connection)

    def watch_socket(self, sock) -> None:
        """Called once connected: http.client drops `connection.sock` when the response
        owns the socket (HTTP/1.0, `Connection: close`), so keep the socket itself."""
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shutdown(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets + [getattr(c, "sock", None) for c in self._connections]:
                if sock is not None:
                    _shutdown(sock)

    def cancel(self) -> None:
        self._timer.cancel()


def _shutdown(sock) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


_current_deadline: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("procurement_fetch_deadline", default=None)


class _WatchedConnection:
    def connect(self) -> None:
        deadline = _current_deadline.get()
        if deadline is not None:
            deadline.watch(self)
        super().connect()
        if deadline is not None:
            deadline.watch_socket(self.sock)


class _HTTPConnection(_WatchedConnection, HTTPConnection):
    pass


class _HTTPSConnection(_WatchedConnection, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class PinnedAddressAdapter(HTTPAdapter):
    """Connects to the address the Fetcher checked for each origin, never resolving on its own.

    The request URL keeps the host name, so the Host header, TLS SNI and the
    certificate check use it; only the TCP connection goes to the pinned address.
    """

    def __init__(self, *args, **kwargs):
        self.pins: dict[tuple[str, str, int], str] = {}
        super().__init__(*args, **kwargs)

    def pin(self, url: str, address: str) -> None:
        self.pins[origin(url)] = address

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        address = self.pins.get(origin(request.url))
        if address is None:
            raise UnsafeURLError(f"{request.url!r}: the address of this host was not checked")
        if host_params["scheme"] == "https":
            pool_kwargs = {**pool_kwargs, "server_hostname": host_params["host"], "assert_hostname": host_params["host"]}
        return {**host_params, "host": address, "port": origin(request.url)[2]}, pool_kwargs

    def add_headers(self, request, **kwargs):
        # the connection is made to an address: name the host ourselves
        request.headers["Host"] = urlsplit(request.url).netloc.rpartition("@")[2]


# --- fetching ---------------------------------------------------------------------------------

class _LimitedReader:
    """A binary file object over a response that stops at `limit` bytes and at the deadline."""

    def __init__(self, raw, limit: int, url: str, deadline: Deadline | None = None):
        self.raw, self.limit, self.url, self.count, self.deadline = raw, limit, url, 0, deadline

    def read(self, size: int = -1) -> bytes:
        self._check_deadline()
        try:
            chunk = self.raw.read(size if size and size > 0 else 65536)
        except Exception:
            self._check_deadline()
            raise
        self._check_deadline()
        self.count += len(chunk)
        if self.count > self.limit:
            raise TooLargeError(f"{self.url!r}: the response is larger than the {self.limit:,}-byte limit")
        return chunk

    def _check_deadline(self) -> None:
        if self.deadline is not None and (self.deadline.expired or self.deadline.remaining() <= 0):
            raise DeadlineError(self.url, self.deadline.seconds)

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
    deadline: float | None = None  # total seconds for one open(), redirects and body included
    resolve: Resolver | None = None  # getaddrinfo's stand-in; the only name resolution of a fetch
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self):
        self.session.trust_env = False  # no proxy or .netrc from the environment: we connect where we checked
        self._adapter = PinnedAddressAdapter()
        self.session.mount("http://", self._adapter)
        self.session.mount("https://", self._adapter)

    @contextmanager
    def open(self, url: str, accept: tuple[str, ...] = ()) -> Iterator[tuple[BinaryIO, requests.Response]]:
        """Yield (binary stream, response) for `url`, after checks, redirects and retries."""
        deadline = Deadline(self.deadline) if self.deadline else None
        token = _current_deadline.set(deadline)
        try:
            response = self._get(url, deadline)
            try:
                content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                if accept and content_type and not any(content_type == a or content_type.endswith(a) for a in accept):
                    raise FetchError(f"{response.url!r}: expected {', '.join(accept)} but the server sent {content_type!r}")
                length = response.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > self.max_bytes:
                    raise TooLargeError(f"{response.url!r}: the response ({int(length):,} bytes) is larger than the {self.max_bytes:,}-byte limit")
                response.raw.decode_content = True
                yield _LimitedReader(response.raw, self.max_bytes, response.url, deadline), response
            finally:
                response.close()
        finally:
            _current_deadline.reset(token)
            if deadline is not None:
                deadline.cancel()

    def _get(self, url: str, deadline: Deadline | None = None) -> requests.Response:
        try:
            return self._get_with_retries(url, deadline)
        except DeadlineError:
            raise
        except (FetchError, requests.RequestException) as error:
            if deadline is not None and (deadline.expired or deadline.remaining() <= 0):
                raise DeadlineError(url, deadline.seconds) from error
            if isinstance(error, FetchError):
                raise
            if isinstance(error, requests.exceptions.InvalidHeader):
                # requests' message quotes the header value, which may be a secret: not in a report, log or traceback
                raise FetchError(f"{url!r}: the {', '.join(self.headers) or 'request'} header can't be sent "
                                 "(its value begins with a space or holds a control character)") from None
            raise FetchError(f"{url!r}: {type(error).__name__} ({error})") from error

    def _hop_headers(self, url: str, current: str) -> dict[str, str]:
        """The authentication (and any configured) headers go to the source's own origin only."""
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"}
        if origin(current) == origin(url):
            headers.update(self.headers)
        return headers

    def _timeout(self, url: str, deadline: Deadline | None) -> float:
        if deadline is None:
            return self.timeout
        remaining = deadline.remaining()
        if remaining <= 0:
            raise DeadlineError(url, deadline.seconds)
        return min(self.timeout, remaining)

    def _send(self, current: str, headers: dict[str, str], deadline: Deadline | None) -> requests.Response:
        address = check_url(current, self.allow_private, self.resolve)[0]
        self._adapter.pin(current, address)
        return self.session.get(current, headers=headers, timeout=self._timeout(current, deadline), stream=True, allow_redirects=False)

    def _get_with_retries(self, url: str, deadline: Deadline | None) -> requests.Response:
        for attempt in range(self.retries + 1):
            current = url
            try:
                for _ in range(MAX_REDIRECTS + 1):
                    response = self._send(current, self._hop_headers(url, current), deadline)
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
                if attempt >= self.retries or (deadline is not None and deadline.expired):
                    raise FetchError(f"{current!r}: {type(error).__name__} after {attempt + 1} attempts ({error})")
                self._wait(attempt, current, str(error), deadline)
                continue
            if response.status_code in RETRY_STATUSES and attempt < self.retries:
                response.close()
                self._wait(attempt, current, f"HTTP {response.status_code}", deadline)
                continue
            if response.status_code >= 400:
                response.close()
                status = f"{response.status_code} {response.reason or ''}".strip()
                raise HTTPStatusError(f"{current!r}: HTTP {status}" + (f" after {attempt + 1} attempts" if attempt else ""), status)
            return response
        raise FetchError(f"{url!r}: failed after {self.retries + 1} attempts")  # pragma: no cover

    def _wait(self, attempt: int, url: str, why: str, deadline: Deadline | None = None) -> None:
        delay = self.backoff * (2 ** attempt)
        if deadline is not None and delay >= deadline.remaining():  # no sleeping past the deadline
            raise DeadlineError(url, deadline.seconds)
        log.warning("%s: %s, retrying in %.1fs", without_userinfo(url), without_userinfo(why), delay)
        time.sleep(delay)
