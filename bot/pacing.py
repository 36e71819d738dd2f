"""Telegram's flood limits kept on our side: sliding windows of sends overall (1 s) and per group (60 s).

A send is counted when Telegram has answered it, so Telegram's own windows, which count it on arrival,
can never hold more than ours; a small margin covers the clocks' differences.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

MARGIN = 0.02  # seconds kept between our window and Telegram's


class Pacer:
    """Telegram's flood limits on our side: sliding windows overall (1 s) and per group (60 s)."""

    def __init__(self, per_second: float, group_per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second, self.group_per_minute, self.clock = max(1, round(per_second)), group_per_minute, clock
        self.recent: deque[float] = deque()
        self.groups: dict[int, deque[float]] = {}

    def wait(self, chat_id: int) -> tuple[float, float]:
        """Seconds before a send into chat_id keeps within the limits: (overall, group)."""
        now = self.clock()
        overall = self._wait(self.recent, now, 1.0, self.per_second)
        group = self._wait(self.groups.get(chat_id, deque()), now, 60.0, self.group_per_minute) if chat_id < 0 else 0.0
        return overall, group

    @staticmethod
    def _wait(window: deque[float], now: float, span: float, limit: int) -> float:
        while window and window[0] <= now - span:
            window.popleft()
        return max(0.0, window[0] + span + MARGIN - now) if len(window) >= limit else 0.0

    def record(self, chat_id: int) -> None:
        """Count one send into chat_id, now that Telegram has answered it."""
        now = self.clock()
        self.recent.append(now)
        if chat_id < 0:
            self.groups.setdefault(chat_id, deque()).append(now)
            if len(self.groups) > 1000:
                self.groups = {k: w for k, w in self.groups.items() if w and w[-1] > now - 60}
