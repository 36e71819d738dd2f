"""build_application: the PTB Application with rate limiter, defaults, handlers and error handler."""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeDefault, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ContextTypes, Defaults
from telegram.request import BaseRequest, HTTPXRequest

from bot.context import BotContext
from bot.runtime import Runtime
from handlers import all_handlers
from handlers.errors import on_error

log = logging.getLogger(__name__)

# The command menu, registered on start: (command, Chinese text, English text).
COMMANDS = (
    ("start", "绑定账号（分享手机号）", "Sign in with your phone number"),
    ("log", "记录一次活动", "Log an activity"),
    ("my", "我的记录", "My entries"),
    ("fund", "申请经费", "Request funding"),
    ("funds", "经费审批队列", "Funding queue"),
    ("budget", "预算情况", "Budget"),
    ("meeting", "安排会议", "Schedule a meeting"),
    ("meetings", "近期会议", "Upcoming meetings"),
    ("stats", "统计数据", "Statistics"),
    ("digest", "本周简报", "Weekly digest"),
    ("export", "导出全年数据", "Export the year's data"),
    ("roster", "导入花名册（管理员）", "Import the roster (admins)"),
    ("help", "帮助", "Help"),
    ("cancel", "取消当前操作", "Cancel the current form"),
)


def build_application(rt: Runtime, *, request: BaseRequest | None = None, rate_limit: bool = True) -> Application:
    """A fresh Application for `rt`; `request` replaces the network (console, tests)."""
    token = rt.settings.token or "0:console"
    api = rt.settings.telegram_api_url
    builder = (
        Application.builder()
        .token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .updater(None)
        .context_types(ContextTypes(context=BotContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=rt.settings.tz, link_preview_options=LinkPreviewOptions(is_disabled=True)))
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        builder = builder.request(HTTPXRequest(connection_pool_size=16, read_timeout=20)).get_updates_request(
            HTTPXRequest(read_timeout=rt.settings.poll_timeout + 10)
        )
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=5))
    app = builder.build()
    app.bot_data["rt"] = rt
    for group, handlers in all_handlers().items():
        app.add_handlers(handlers, group=group)
    app.add_error_handler(on_error)
    return app


async def register_commands(app: Application) -> None:
    """The command menu in Chinese (default and zh) and English."""
    zh = [BotCommand(c, zh) for c, zh, _ in COMMANDS]
    en = [BotCommand(c, en) for c, _, en in COMMANDS]
    await app.bot.set_my_commands(zh, scope=BotCommandScopeDefault())
    await app.bot.set_my_commands(zh, scope=BotCommandScopeDefault(), language_code="zh")
    await app.bot.set_my_commands(en, scope=BotCommandScopeDefault(), language_code="en")
