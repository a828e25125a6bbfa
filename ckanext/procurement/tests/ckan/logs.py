"""What a module's logger says during a test."""
from __future__ import annotations

import contextlib
import logging
from typing import Iterator


@contextlib.contextmanager
def messages_logged(log: logging.Logger, level: int = logging.WARNING) -> Iterator[list[str]]:
    """The messages `log` emits at `level` or above inside the block. CKAN's test logging set-up
    disables loggers created before it (caplog sees nothing of them): this one is enabled meanwhile."""
    said: list[str] = []
    handler = logging.Handler(level)
    handler.emit = lambda record: said.append(record.getMessage())
    disabled, log.disabled = log.disabled, False
    log.addHandler(handler)
    try:
        yield said
    finally:
        log.removeHandler(handler)
        log.disabled = disabled
