"""The token filter: the bot token and the webhook secret never reach a log line, a traceback or a stack."""

from __future__ import annotations

import io
import logging

from bot.logsafe import REDACTED, RedactToken

TOKEN = "123456:AAH-secret-token-value"
SECRET = "webhook_Secret-42"


def _handler() -> tuple[logging.Logger, io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactToken([TOKEN, SECRET, ""]))
    logger = logging.getLogger(f"logsafe-test-{id(out)}")
    logger.propagate = False
    logger.addHandler(handler)
    return logger, out


def test_messages_arguments_tracebacks_and_stacks_are_redacted():
    logger, out = _handler()
    logger.warning("HTTP Request: POST https://api.telegram.org/bot%s/getMe", TOKEN)
    logger.warning(f"secret header {SECRET} refused")
    try:
        raise ConnectionError(f"cannot reach https://api.telegram.org/bot{TOKEN}/sendMessage")
    except ConnectionError:
        logger.exception("send failed")
    logger.warning("where am I", stack_info=True)
    text = out.getvalue()
    assert TOKEN not in text and SECRET not in text
    assert text.count(REDACTED) >= 3 and "ConnectionError" in text and "/sendMessage" in text


def test_nothing_to_hide_leaves_records_alone():
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactToken([]))
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "plain %s", ("text",), None)
    assert handler.filter(record) and record.getMessage() == "plain text"
