"""The composition root: CLI, settings, the Application, transports, jobs and the outbox sender."""

import os

# Opt in to python-telegram-bot's timedelta-valued durations (RetryAfter.retry_after …) now,
# instead of its deprecation warnings about the old integer form.
os.environ.setdefault("PTB_TIMEDELTA", "true")
