"""Telegram adapters: one module per feature, each exposing `handlers()`."""

from __future__ import annotations

from telegram.ext import BaseHandler


def all_handlers() -> dict[int, list[BaseHandler]]:
    """Every handler, built fresh, by PTB handler group."""
    from handlers import (budget, digest, export, forms, fund_settle, funding, funds, log, meetings, my, roster, start,
                          stats)

    features = [start, log, my, roster, funding, funds, fund_settle, budget, meetings, digest, stats, export]
    # Group 1 routes plain text, files and photos to the form the person has open (handlers/forms).
    return {0: [h for module in features for h in module.handlers()], 1: forms.handlers()}
