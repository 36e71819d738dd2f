"""Loopback stand-ins for the WeCom, DingTalk and Feishu group-robot webhooks.

Each checks what the real platform checks: the JSON shape of a markdown (or WeCom image) message,
the size limit, the key in the URL, and the signature (DingTalk: timestamp and sign in the query,
HMAC-SHA256 keyed with the secret over "timestamp\\nsecret"; Feishu: timestamp and sign in the body,
HMAC-SHA256 keyed with "timestamp\\nsecret" over nothing), with the timestamp within an hour of
`now()`. Accepted messages are kept in `received`; refusals answer with the platform's error codes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

LIMITS = {"wecom": 4096, "dingtalk": 20000, "feishu": 20 * 1024}
OK = {"wecom": {"errcode": 0, "errmsg": "ok"}, "dingtalk": {"errcode": 0, "errmsg": "ok"},
      "feishu": {"code": 0, "msg": "success", "data": {}}}


class RobotServer:
    """One platform's webhook on 127.0.0.1; `fail_next` answers that many requests with `fail_code` first."""

    def __init__(self, platform: str, *, key: str = "k123", secret: str | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.platform, self.key, self.secret, self.now = platform, key, secret, now
        self.received: list[dict[str, Any]] = []
        self.refused: list[tuple[int, str]] = []
        self.fail_next, self.fail_code, self.status = 0, 0, 200
        self._server: HTTPServer | None = None
        self.port = 0

    @property
    def url(self) -> str:
        path = {"wecom": f"/cgi-bin/webhook/send?key={self.key}", "dingtalk": f"/robot/send?access_token={self.key}",
                "feishu": f"/open-apis/bot/v2/hook/{self.key}"}[self.platform]
        return f"http://127.0.0.1:{self.port}{path}"

    async def __aenter__(self) -> RobotServer:
        sockets = bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        server = self

        class Hook(RequestHandler):
            def post(self, *_: str) -> None:
                self.set_status(server.status)
                self.write(server.handle(self.request.uri or "", self.request.body, self.request.query_arguments))

        self._server = HTTPServer(Application([(r"/.*", Hook)]))
        self._server.add_sockets(sockets)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()

    def _refuse(self, code: int, why: str) -> dict[str, Any]:
        self.refused.append((code, why))
        return {"code": code, "msg": why} if self.platform == "feishu" else {"errcode": code, "errmsg": why}

    def _fresh(self, timestamp_s: float) -> bool:
        return abs(self.now().timestamp() - timestamp_s) <= 3600

    def handle(self, uri: str, raw: bytes, query: dict[str, list[bytes]]) -> dict[str, Any]:
        """Check one request as the platform would and answer like it."""
        if self.status >= 500:
            return {"error": "service unavailable"}
        q = {k: v[0].decode() for k, v in query.items()}
        try:
            body = json.loads(raw)
        except ValueError:
            return self._refuse(40001 if self.platform != "feishu" else 9499, "body is not JSON")
        if self.fail_next:
            self.fail_next -= 1
            return self._refuse(self.fail_code, "simulated failure")
        key = {"wecom": q.get("key"), "dingtalk": q.get("access_token"), "feishu": uri.rsplit("/", 1)[-1]}[self.platform]
        if key != self.key:
            return self._refuse(93000 if self.platform == "wecom" else 300001 if self.platform == "dingtalk" else 19001,
                                "invalid webhook key")
        if self.platform == "dingtalk" and self.secret:
            ts = q.get("timestamp", "0")
            want = base64.b64encode(hmac.new(self.secret.encode(), f"{ts}\n{self.secret}".encode(), hashlib.sha256).digest()).decode()
            if q.get("sign", "") != want or not self._fresh(int(ts) / 1000):  # the query string is decoded once
                return self._refuse(310000, "sign not match")
        if self.platform == "feishu" and self.secret:
            ts = str(body.pop("timestamp", "0"))
            want = base64.b64encode(hmac.new(f"{ts}\n{self.secret}".encode(), b"", hashlib.sha256).digest()).decode()
            if body.pop("sign", None) != want or not self._fresh(int(ts)):
                return self._refuse(19021, "sign match fail or timestamp is not within one hour from current time")
        problem = self._check_shape(body)
        if problem:
            return self._refuse(40008 if self.platform != "feishu" else 9499, problem)
        self.received.append(body)
        return OK[self.platform]

    def _check_shape(self, body: dict[str, Any]) -> str | None:
        if self.platform == "wecom":
            if body.get("msgtype") == "image":
                data = base64.b64decode(body["image"]["base64"])
                ok = hashlib.md5(data).hexdigest() == body["image"]["md5"] and data.startswith(b"\x89PNG")
                return None if ok else "image md5 mismatch"
            text = (body.get("markdown") or {}).get("content")
            if body.get("msgtype") != "markdown" or not isinstance(text, str):
                return "invalid message type"
            return "content exceed max length" if len(text.encode()) > LIMITS["wecom"] else None
        if self.platform == "dingtalk":
            md = body.get("markdown") or {}
            if body.get("msgtype") != "markdown" or not md.get("title") or not isinstance(md.get("text"), str):
                return "invalid markdown"
            return "message too long" if len(md["text"].encode()) > LIMITS["dingtalk"] else None
        card = body.get("card") or {}
        elements = card.get("elements") or []
        if body.get("msg_type") != "interactive" or not elements or elements[0].get("tag") != "markdown":
            return "invalid card"
        return "request too large" if len(json.dumps(body, ensure_ascii=False).encode()) > LIMITS["feishu"] else None

    def texts(self) -> list[str]:
        """The markdown of every accepted text message."""
        out = []
        for b in self.received:
            md = b.get("markdown") or {}
            text = md.get("content") or md.get("text") or ((b.get("card") or {}).get("elements") or [{}])[0].get("content")
            if text:
                out.append(text)
        return out
