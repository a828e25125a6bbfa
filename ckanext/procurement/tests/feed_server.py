"""A stand-in purchasing system for tests: serves whatever each test sets up
at each path (body, status, content type, delay, redirects, failures in
sequence). The purchasing system is an external system we don't own, so a
stand-in is fine; CKAN, Solr, PostgreSQL and Redis are always real."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Reply:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/json"
    delay: float = 0
    headers: dict[str, str] = field(default_factory=dict)


class FeedServer:
    """`server.route("/feed.json", Reply(...), Reply(...))`: replies in order, the last one repeats."""

    def __init__(self):
        self.routes: dict[str, list[Reply]] = {}
        self.hits: dict[str, int] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []  # (path, headers) of every request, in order
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                path = self.path
                key = path if path in outer.routes else urlsplit(path).path
                replies = outer.routes.get(key)
                outer.hits[key] = outer.hits.get(key, 0) + 1
                outer.requests.append((path, dict(self.headers)))
                if not replies:
                    self.send_response(404)
                    self.end_headers()
                    return
                reply = replies.pop(0) if len(replies) > 1 else replies[0]
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def route(self, path: str, *replies: Reply) -> str:
        self.routes[path] = list(replies)
        return self.url + path

    def __enter__(self) -> "FeedServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
