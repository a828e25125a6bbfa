"""Faults the demo's control endpoints inject (failing responses, invalid JSON),
consumed by the next responses of the purchasing system's API."""

from __future__ import annotations

import threading


class Faults:
    """Faults injected by the control endpoints, consumed by the next responses."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.fail_times = 0
            self.fail_status = 500
            self.invalid_json_times = 0

    def fail(self, times: int = 1, status: int = 500) -> None:
        if not 400 <= status <= 599:
            raise ValueError("status must be between 400 and 599")
        with self._lock:
            self.fail_times = max(0, times)
            self.fail_status = status

    def invalid_json(self, times: int = 1) -> None:
        with self._lock:
            self.invalid_json_times = max(0, times)

    def take_failure(self) -> int | None:
        with self._lock:
            if self.fail_times > 0:
                self.fail_times -= 1
                return self.fail_status
            return None

    def take_invalid_json(self) -> bool:
        with self._lock:
            if self.invalid_json_times > 0:
                self.invalid_json_times -= 1
                return True
            return False

    def state(self) -> dict:
        with self._lock:
            return {"fail_times": self.fail_times, "fail_status": self.fail_status,
                    "invalid_json_times": self.invalid_json_times}
