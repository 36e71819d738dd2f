"""Telegram adapters: one module per feature, each exposing `handlers()`."""

from __future__ import annotations

from telegram.ext import BaseHandler


def all_handlers() -> dict[int, list[BaseHandler]]:
    """Every handler, built fresh, by PTB handler group."""
    from handlers import forms, log, my, photos, roster, start

    features = [start, log, my, photos, roster]
    # features: funding
    # features: meetings
    # features: digest
    return {0: [h for module in features for h in module.handlers()], 1: forms.handlers()}
