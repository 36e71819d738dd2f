"""A logging filter that keeps the bot token and the webhook secret out of every log line.

httpx logs request URLs (`…/bot<token>/sendMessage`), and tracebacks may quote them too, so the
filter redacts the formatted message, the formatted exception and the stack of every record that
reaches the root handlers, whichever library logged it.
"""

from __future__ import annotations

import logging

REDACTED = "<redacted>"
_FORMAT = logging.Formatter()


class RedactToken(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMAT.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install(secrets: list[str]) -> None:
    """Redact these strings in every record that reaches the root handlers."""
    flt = RedactToken(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(flt)
