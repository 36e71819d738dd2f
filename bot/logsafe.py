"""A logging filter that keeps the bot token out of every log line (httpx logs request URLs)."""

from __future__ import annotations

import logging


class RedactToken(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        if any(s in message for s in self.secrets):
            for s in self.secrets:
                message = message.replace(s, "<redacted>")
            record.msg, record.args = message, None
        return True


def install(secrets: list[str]) -> None:
    """Redact these strings in every record that reaches the root handlers."""
    flt = RedactToken(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(flt)
