"""Thin scheduled entry points: each calls a service with the clock's `now` in its own transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram.ext import JobQueue

from bot.runtime import Runtime


@dataclass(frozen=True)
class Job:
    """A job body run every `interval` seconds."""

    name: str
    interval: float
    body: Callable[[Runtime], Awaitable[object]]

    @property
    def describe(self) -> str:
        return f"every {self.interval:g} s"

    def register(self, jq: JobQueue) -> None:
        rt_body = self.body

        async def callback(context) -> None:  # noqa: ANN001
            await rt_body(context.application.bot_data["rt"])

        jq.run_repeating(callback, interval=self.interval, first=1, name=self.name,
                         job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None})


def schedule(rt: Runtime) -> list[Job]:
    """Every job of this deployment (features add theirs here)."""
    return []
