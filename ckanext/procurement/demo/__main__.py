"""Run the demo purchasing system: ``python -m ckanext.procurement.demo --port 8765``.

Prints ``READY http://host:port`` on stdout once listening (and writes the URL to
``--ready-file`` if given), logs requests to stderr, and stops cleanly on SIGINT
or SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from .ocds import parse_datetime
from .server import DemoServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ckanext.procurement.demo",
        description="Demo purchasing system of the (fictional) City of Springfield, publishing OCDS 1.1.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (0: any free port; default: 8765)")
    parser.add_argument("--processes", type=int, default=500, help="number of contracting processes")
    parser.add_argument("--seed", type=int, default=42, help="random seed (same seed, same data)")
    parser.add_argument("--start", default=None,
                        help="starting clock, ISO date or datetime (default: today, UTC midnight)")
    parser.add_argument("--hostile", action="store_true",
                        help="include processes with hostile data (script tags, javascript: URLs)")
    parser.add_argument("--schema", default=None,
                        help="OCDS release schema (path) for compiling records (default: built-in merge rules)")
    parser.add_argument("--allow-remote-control", action="store_true",
                        help="accept /_control/ requests from non-loopback clients")
    parser.add_argument("--ready-file", default=None, help="write the base URL to this file once listening")
    parser.add_argument("--log-level", default="INFO", help="logging level (default: INFO)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    start = parse_datetime(args.start) if args.start else None
    server = DemoServer(processes=args.processes, seed=args.seed, host=args.host, port=args.port, start=start,
                        hostile=args.hostile, schema=args.schema, allow_remote_control=args.allow_remote_control)
    stop = threading.Event()

    def _on_signal(signum, _frame):
        logging.getLogger("ckanext.procurement.demo").info("received signal %d, shutting down", signum)
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        server.start()
    except OSError as error:
        print(f"cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    try:
        if args.ready_file:
            temporary = f"{args.ready_file}.tmp"
            with open(temporary, "w") as handle:
                handle.write(server.url + "\n")
            os.replace(temporary, args.ready_file)
        print(f"READY {server.url}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        if args.ready_file:
            try:
                os.remove(args.ready_file)
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
