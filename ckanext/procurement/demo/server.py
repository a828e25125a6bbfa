"""HTTP service of the demo purchasing system (standard library only).

Endpoints (all GET unless noted):

``/``                          index of the endpoints (HTML for browsers, JSON otherwise)
``/api/releases.json``         OCDS release package, paged: ``limit`` (1-1000, default 100),
                               ``since`` (ISO datetime: releases dated after it), ``cursor``;
                               ``links.next`` holds the absolute URL of the next page
``/api/records.json``          OCDS record package, paged the same way (releases embedded,
                               plus ``compiledRelease``)
``/api/releases.jsonl``        every release as JSON Lines, streamed (``since`` accepted)
``/exports/contracts.csv``     contracts and modifications, one row per revision
                               (``?format=xlsx`` or ``/exports/contracts.xlsx``: the same as XLSX)
``/exports/contracts.mapping.json``  the export's mapping for a ``procurement_csv`` harvest source
``/_control/state``            the clock, removed and changed processes, pending faults
POST ``/_control/advance?days=N``              move the clock
POST ``/_control/fail?times=N&status=500``     make the next N API responses fail
POST ``/_control/invalid-json?times=N``        make the next N JSON pages invalid
POST ``/_control/remove?ocid=…``, ``/_control/restore?ocid=…``   hide or show a process
POST ``/_control/change?ocid=…``               publish a new release of a process now
POST ``/_control/reset``                       back to the starting state

Control endpoints answer only clients on the loopback interface unless
``allow_remote_control`` is set.
"""

from __future__ import annotations

import html
import ipaddress
import json
import logging
import tempfile
import threading
from datetime import date, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterable, Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

from . import exports
from .mapping import CHICAGO_MAPPING
from .faults import Faults
from .feed import CursorError, PurchasingSystem
from .merging import MERGE_RULES, make_merger  # noqa: F401 (importable from here, as before)
from .ocds import EXTENSIONS, LICENSE, PUBLICATION_POLICY, PUBLISHER, format_datetime, parse_datetime

log = logging.getLogger("ckanext.procurement.demo")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

class BadRequest(Exception):
    pass


class DemoHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address, system: PurchasingSystem, *, schema: str | dict | None = None,
                 allow_remote_control: bool = False):
        if ":" in address[0]:
            import socket

            self.address_family = socket.AF_INET6
        super().__init__(address, DemoRequestHandler)
        self.system = system
        self.faults = Faults()
        self.allow_remote_control = allow_remote_control
        self._schema = schema
        self._merger = None
        self._merger_loaded = False
        self._merger_lock = threading.Lock()
        self.request_counts: dict[str, int] = {}
        self._counts_lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}"

    @property
    def merger(self):
        with self._merger_lock:
            if not self._merger_loaded:
                self._merger = make_merger(self._schema)
                self._merger_loaded = True
            return self._merger

    def count(self, path: str) -> None:
        with self._counts_lock:
            self.request_counts[path] = self.request_counts.get(path, 0) + 1

    def control_state(self) -> dict:
        state = self.system.state()
        state["faults"] = self.faults.state()
        with self._counts_lock:
            state["requests"] = dict(self.request_counts)
        return state


def _json_bytes(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return host == "localhost"


_INDEX = [
    ("GET", "/api/releases.json?limit=100&since=&cursor=", "OCDS release package, paged (links.next)"),
    ("GET", "/api/records.json?limit=100&since=&cursor=", "OCDS record package with compiledRelease, paged"),
    ("GET", "/api/releases.jsonl?since=", "All releases as JSON Lines (streamed)"),
    ("GET", "/exports/contracts.csv", "Contracts and modifications, one row per revision (CSV)"),
    ("GET", "/exports/contracts.csv?format=xlsx", "The same, as an Excel workbook"),
    ("GET", "/exports/contracts.mapping.json", "The export's mapping for a procurement_csv harvest source"),
    ("GET", "/_control/state", "Clock and injected faults"),
    ("POST", "/_control/advance?days=N", "Move the clock N days"),
    ("POST", "/_control/fail?times=N&status=500", "Fail the next N API responses"),
    ("POST", "/_control/invalid-json?times=N", "Break the next N JSON pages"),
    ("POST", "/_control/remove?ocid=…", "Hide a process"),
    ("POST", "/_control/restore?ocid=…", "Show a hidden process again"),
    ("POST", "/_control/change?ocid=…", "Publish a new release of a process"),
    ("POST", "/_control/reset", "Back to the starting state"),
]


class DemoRequestHandler(BaseHTTPRequestHandler):
    server: DemoHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "SpringfieldPurchasing/1.0"

    # ---- plumbing
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        log.info("%s %s", self.address_string(), format % args)

    def _query(self) -> dict[str, str]:
        query = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        params = {key: values[-1] for key, values in query.items()}
        return params

    def _read_body(self) -> bytes:
        """Read the request body (always, so a kept-alive connection stays in sync)."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        if length > 1_048_576:
            self.close_connection = True
            return b""
        return self.rfile.read(length) if length > 0 else b""

    def _body_params(self) -> dict[str, str]:
        body = self._body
        if not body:
            return {}
        content_type = self.headers.get("Content-Type", "")
        if "json" in content_type:
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                raise BadRequest("invalid JSON body") from None
            return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
        return {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}

    def _base_url(self) -> str:
        host = self.headers.get("Host")
        return f"http://{host}" if host else self.server.url

    def _send_bytes(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, status: int, payload, headers: dict | None = None) -> None:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self._send_bytes(status, body, "application/json; charset=utf-8", headers)

    def _send_error_json(self, status: int, message: str, headers: dict | None = None) -> None:
        self._send_json(status, {"error": {"status": status, "message": message}}, headers)

    def _send_chunked(self, content_type: str, chunks: Iterable[bytes], headers: dict | None = None) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-store")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        for chunk in chunks:
            if chunk:
                self.wfile.write(b"%X\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")

    def _limit(self, params: dict) -> int:
        raw = params.get("limit") or str(DEFAULT_LIMIT)
        try:
            limit = int(raw)
        except ValueError:
            raise BadRequest(f"limit must be an integer between 1 and {MAX_LIMIT}") from None
        if not 1 <= limit <= MAX_LIMIT:
            raise BadRequest(f"limit must be an integer between 1 and {MAX_LIMIT}")
        return limit

    @staticmethod
    def _since(params: dict) -> datetime | None:
        raw = params.get("since")
        if not raw:
            return None
        try:
            return parse_datetime(raw)
        except ValueError:
            raise BadRequest("since must be an ISO 8601 date or datetime") from None

    def _package_meta(self, clock: datetime) -> dict:
        return {
            "uri": self._base_url() + self.path,
            "version": "1.1",
            "publisher": dict(PUBLISHER),
            "publishedDate": format_datetime(clock),
            "license": LICENSE,
            "publicationPolicy": PUBLICATION_POLICY,
            "extensions": list(EXTENSIONS),
        }

    def _next_link(self, path: str, params: dict, cursor: str | None) -> dict:
        if not cursor:
            return {}
        query = {key: params[key] for key in ("limit", "since") if params.get(key)}
        query["cursor"] = cursor
        return {"links": {"next": f"{self._base_url()}{path}?{urlencode(query)}"}}

    # ---- dispatch
    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        self._body = self._read_body()
        self._dispatch({
            "/": self._index,
            "/index.html": self._index,
            "/api/releases.json": self._releases,
            "/api/records.json": self._records,
            "/api/releases.jsonl": self._jsonl,
            "/exports/contracts.csv": self._contracts,
            "/exports/contracts.xlsx": self._contracts_xlsx,
            "/exports/contracts.mapping.json": self._contracts_mapping,
            "/_control/state": self._control,
        })

    def do_POST(self) -> None:
        self._body = self._read_body()
        self._dispatch({f"/_control/{action}": self._control for action in (
            "advance", "fail", "invalid-json", "remove", "restore", "change", "reset", "state")})

    def _dispatch(self, routes: dict) -> None:
        path = urlsplit(self.path).path
        if len(path) > 1:
            path = path.rstrip("/")
        handler = routes.get(path)
        self.server.count(path)
        try:
            if handler is None:
                known = path in ("/", "/index.html", "/api/releases.json", "/api/records.json",
                                 "/api/releases.jsonl", "/exports/contracts.csv", "/exports/contracts.xlsx",
                                 "/exports/contracts.mapping.json") \
                    or path.startswith("/_control/")
                if known:
                    self._send_error_json(HTTPStatus.METHOD_NOT_ALLOWED, f"{self.command} not allowed on {path}")
                else:
                    self._send_error_json(HTTPStatus.NOT_FOUND, f"no such endpoint: {path}")
                return
            if path.startswith(("/api/", "/exports/")):
                status = self.server.faults.take_failure()
                if status is not None:
                    headers = {"Retry-After": "1"} if status in (429, 503) else None
                    self._send_error_json(status, "injected failure", headers)
                    return
            handler(path)
        except BadRequest as error:
            self._send_error_json(HTTPStatus.BAD_REQUEST, str(error))
        except (BrokenPipeError, ConnectionResetError):
            log.info("client went away during %s", self.path)
        except Exception:  # noqa: BLE001 - report, keep serving
            log.exception("error while serving %s", self.path)
            try:
                self._send_error_json(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error")
            except OSError:
                pass

    # ---- endpoints
    def _index(self, path: str) -> None:
        system = self.server.system
        if "text/html" in self.headers.get("Accept", ""):
            rows = "".join(
                f"<tr><td>{method}</td><td><code>{html.escape(url)}</code></td><td>{html.escape(text)}</td></tr>"
                for method, url, text in _INDEX)
            body = (
                "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
                "<title>City of Springfield - Purchasing System (demo)</title></head><body>"
                "<h1>City of Springfield, Department of Procurement Services</h1>"
                f"<p>Demo purchasing system: {system.n} contracting processes, "
                f"clock {format_datetime(system.now)}. Data is fictional.</p>"
                f"<table><thead><tr><th>Method</th><th>Endpoint</th><th>Description</th></tr></thead>"
                f"<tbody>{rows}</tbody></table></body></html>"
            ).encode("utf-8")
            self._send_bytes(HTTPStatus.OK, body, "text/html; charset=utf-8")
            return
        self._send_json(HTTPStatus.OK, {
            "name": "City of Springfield, Department of Procurement Services (demo purchasing system)",
            "publisher": PUBLISHER,
            "processes": system.n,
            "now": format_datetime(system.now),
            "endpoints": [{"method": m, "url": u, "description": d} for m, u, d in _INDEX],
        })

    def _releases(self, path: str) -> None:
        params = self._query()
        limit, since = self._limit(params), self._since(params)
        try:
            walk = self.server.system.page_walk(limit, params.get("cursor") or None, since)
        except CursorError as error:
            raise BadRequest(str(error)) from None
        package = self._package_meta(walk.clock)
        if self.server.faults.take_invalid_json():
            package["releases"] = [release for chunk in walk for release in chunk]
            package.update(self._next_link(path, params, walk.next_cursor))
            self._send_broken(package)
            return

        def chunks() -> Iterator[bytes]:
            # streamed as it is made, like a large real feed: the harvester reads while the page is generated
            yield _json_bytes(package)[:-1] + b',"releases":['
            separator = b""
            for releases in walk:
                yield separator + b",".join(_json_bytes(release) for release in releases)
                separator = b","
            links = self._next_link(path, params, walk.next_cursor)
            yield b"]" + (b"," + _json_bytes(links)[1:-1] if links else b"") + b"}"

        self._send_chunked("application/json; charset=utf-8", chunks())

    def _records(self, path: str) -> None:
        params = self._query()
        limit, since = self._limit(params), self._since(params)
        try:
            items, cursor, clock = self.server.system.record_page(limit, params.get("cursor") or None, since)
        except CursorError as error:
            raise BadRequest(str(error)) from None
        merger = self.server.merger
        records = []
        for index, releases in items:
            record = {"ocid": releases[0]["ocid"], "releases": releases}
            if merger is not None:
                record["compiledRelease"] = merger.create_compiled_release(releases)
            records.append(record)
        package = self._package_meta(clock)
        package["records"] = records
        package.update(self._next_link(path, params, cursor))
        self._send_package(package)

    def _send_package(self, package: dict) -> None:
        if self.server.faults.take_invalid_json():
            return self._send_broken(package)
        self._send_bytes(HTTPStatus.OK, _json_bytes(package), "application/json; charset=utf-8")

    def _send_broken(self, package: dict) -> None:
        body = _json_bytes(package)  # cut in the middle, as an upstream timeout leaves it
        self._send_bytes(HTTPStatus.OK, body[: len(body) // 2] + b'<!-- upstream timeout -->', "application/json; charset=utf-8")

    def _jsonl(self, path: str) -> None:
        params = self._query()
        since = self._since(params)
        system = self.server.system

        def chunks() -> Iterator[bytes]:
            cursor = None
            buffer = []
            size = 0
            while True:
                page = system.page(MAX_LIMIT, cursor, since)
                for release in page.releases:
                    line = json.dumps(release, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
                    buffer.append(line)
                    size += len(line)
                    if size >= 65536:
                        yield b"".join(buffer)
                        buffer, size = [], 0
                cursor = page.next_cursor
                if not cursor:
                    break
            yield b"".join(buffer)

        self._send_chunked("application/x-ndjson; charset=utf-8", chunks())

    def _contracts(self, path: str) -> None:
        params = self._query()
        fmt = (params.get("format") or "csv").lower()
        if fmt == "xlsx":
            self._contracts_xlsx(path)
            return
        if fmt != "csv":
            raise BadRequest("format must be csv or xlsx")
        rows = exports.iter_contract_rows(self.server.system)
        stamp = self.server.system.now.strftime("%Y%m%d")
        self._send_chunked("text/csv; charset=utf-8", exports.iter_csv_chunks(rows),
                           {"Content-Disposition": f'attachment; filename="contracts-{stamp}.csv"'})

    def _contracts_mapping(self, path: str) -> None:
        self._send_json(HTTPStatus.OK, CHICAGO_MAPPING)

    def _contracts_xlsx(self, path: str) -> None:
        rows = exports.iter_contract_rows(self.server.system)
        stamp = self.server.system.now.strftime("%Y%m%d")
        with tempfile.TemporaryFile() as handle:
            exports.write_xlsx(rows, handle)
            size = handle.tell()
            handle.seek(0)
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            self.send_header("Content-Length", str(size))
            self.send_header("Content-Disposition", f'attachment; filename="contracts-{stamp}.xlsx"')
            self.end_headers()
            if self.command != "HEAD":
                while chunk := handle.read(65536):
                    self.wfile.write(chunk)

    def _control(self, path: str) -> None:
        if not (self.server.allow_remote_control or _is_loopback(self.client_address[0])):
            self._send_error_json(HTTPStatus.FORBIDDEN, "control endpoints are only available from loopback")
            return
        action = path.rsplit("/", 1)[1]
        params = self._query()
        if self.command == "POST":
            params.update(self._body_params())
        system = self.server.system
        result: dict = {}
        try:
            if action == "state":
                pass
            elif action == "advance":
                system.advance(float(params.get("days", 1)))
            elif action == "fail":
                self.server.faults.fail(int(params.get("times", 1)), int(params.get("status", 500)))
            elif action == "invalid-json":
                self.server.faults.invalid_json(int(params.get("times", 1)))
            elif action in ("remove", "restore", "change"):
                ocid = params.get("ocid")
                if not ocid:
                    raise BadRequest("ocid is required")
                try:
                    if action == "remove":
                        system.remove(ocid)
                    elif action == "restore":
                        system.restore(ocid)
                    else:
                        result["release"] = system.change(ocid)
                except KeyError:
                    self._send_error_json(HTTPStatus.NOT_FOUND, f"no such process: {ocid}")
                    return
            elif action == "reset":
                system.reset()
                self.server.faults.reset()
        except (TypeError, ValueError) as error:
            raise BadRequest(str(error)) from None
        result["state"] = self.server.control_state()
        self._send_json(HTTPStatus.OK, result)


class DemoServer:
    """The demo purchasing system served over HTTP in a background thread.

    >>> with DemoServer(processes=50, seed=1) as server:   # doctest: +SKIP
    ...     requests.get(server.url + "/api/releases.json").json()

    ``port=0`` picks a free port. The control methods act on the system directly
    (no HTTP round trip) and mirror the ``/_control/`` endpoints.
    """

    def __init__(self, processes: int = 500, seed: int = 42, host: str = "127.0.0.1", port: int = 0,
                 start: date | datetime | str | None = None, hostile: bool = False,
                 schema: str | dict | None = None, allow_remote_control: bool = False,
                 system: PurchasingSystem | None = None):
        self.system = system or PurchasingSystem(processes=processes, seed=seed, start=start, hostile=hostile)
        self.host = host
        self.port = port
        self._schema = schema
        self._allow_remote_control = allow_remote_control
        self.httpd: DemoHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # ---- lifecycle
    def start(self) -> "DemoServer":
        if self.httpd is not None:
            return self
        self.httpd = DemoHTTPServer((self.host, self.port), self.system, schema=self._schema,
                                    allow_remote_control=self._allow_remote_control)
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name=f"demo-purchasing-{self.port}", daemon=True)
        self._thread.start()
        self._stopping.clear()
        threading.Thread(target=self.system.build_index, args=(self._stopping,), name="demo-index",
                         daemon=True).start()
        log.info("demo purchasing system listening on %s (%d processes, seed %d)",
                 self.url, self.system.n, self.system.seed)
        return self

    def stop(self) -> None:
        if self.httpd is None:
            return
        self._stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.httpd = None
        self._thread = None

    def serve_forever(self) -> None:
        """Serve in the calling thread until :meth:`stop` is called from another thread."""
        self.start()
        assert self._thread is not None
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=0.5)

    def __enter__(self) -> "DemoServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self.httpd is None:
            raise RuntimeError("server is not running")
        return self.httpd.url

    @property
    def releases_url(self) -> str:
        return f"{self.url}/api/releases.json"

    @property
    def records_url(self) -> str:
        return f"{self.url}/api/records.json"

    @property
    def csv_url(self) -> str:
        return f"{self.url}/exports/contracts.csv"

    # ---- controls (mirror /_control/)
    def advance(self, days: float = 1) -> datetime:
        return self.system.advance(days)

    def fail(self, times: int = 1, status: int = 500) -> None:
        self._faults().fail(times, status)

    def invalid_json(self, times: int = 1) -> None:
        self._faults().invalid_json(times)

    def remove(self, ocid: str) -> None:
        self.system.remove(ocid)

    def restore(self, ocid: str) -> None:
        self.system.restore(ocid)

    def change(self, ocid: str) -> dict:
        return self.system.change(ocid)

    def reset(self) -> None:
        self.system.reset()
        if self.httpd is not None:
            self.httpd.faults.reset()

    def state(self) -> dict:
        if self.httpd is None:
            return self.system.state()
        return self.httpd.control_state()

    def _faults(self) -> Faults:
        if self.httpd is None:
            raise RuntimeError("server is not running")
        return self.httpd.faults
