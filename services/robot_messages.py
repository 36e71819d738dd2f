"""The digest as WeCom, DingTalk and Feishu group-robot messages: each platform's markdown body and size limit."""

from __future__ import annotations

from typing import Any

from services.digest import Digest
from services.digest_render import markdown_style, render
from services.i18n import translator

ROBOTS = ("wecom", "dingtalk", "feishu")
# Bytes of markdown per message: WeCom allows 4096, DingTalk about 20 000, Feishu a 20 KB request body.
LIMITS = {"wecom": 4000, "dingtalk": 15000, "feishu": 15000}
# Messages a webhook accepts: per minute, and per second (Feishu also limits bursts).
PER_MINUTE = {"wecom": 20, "dingtalk": 20, "feishu": 100}
PER_SECOND = {"feishu": 5}


def body(channel: str, title: str, text: str) -> dict[str, Any]:
    """The JSON a platform's robot webhook takes for one markdown message."""
    if channel == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": text}}
    if channel == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    if channel == "feishu":
        return {"msg_type": "interactive", "card": {
            "config": {"wide_screen_mode": True},
            "header": {"title": {"tag": "plain_text", "content": title}},
            "elements": [{"tag": "markdown", "content": text}],
        }}
    raise ValueError(f"not a robot channel: {channel}")


def robot_bodies(digest: Digest, channel: str, lang: str = "zh_CN") -> list[dict[str, Any]]:
    """The digest as one or more messages in the channel's format, each within its size limit."""
    _ = translator(lang)
    title = _("Weekly digest: {scope}, week {week}").format(scope=digest.scope_name, week=digest.week)
    line_break = "  \n" if channel == "dingtalk" else "\n"  # DingTalk's markdown keeps a line break only when hard
    parts = [text.replace("\n", line_break) for text in render(digest, lang, markdown_style(LIMITS[channel], line_break))]
    return [body(channel, title, text) for text in parts]
