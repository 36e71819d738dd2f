"""HTTP layer of the fake Bot API: tornado handlers for /bot<token>/<method>, files and /_control."""

from __future__ import annotations

import base64
import json
import logging
from typing import TYPE_CHECKING, Any

from tornado.web import Application, RequestHandler

from tests.support._botapi_rules import ApiError, Upload

if TYPE_CHECKING:
    from tests.support.botapi import BotApiServer

log = logging.getLogger("tests.support.botapi")


def _text(value: bytes) -> str:
    return value.decode("utf-8", errors="replace")


def request_params(handler: RequestHandler) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Parameters from the query string plus a JSON, form-encoded or multipart body."""
    request = handler.request
    params: dict[str, Any] = {k: _text(v[-1]) for k, v in request.query_arguments.items()}
    if request.headers.get("Content-Type", "").startswith("application/json"):
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: JSON object expected")
        params.update(body)
    else:
        params.update({k: _text(v[-1]) for k, v in request.body_arguments.items()})
    files = {
        name: Upload(parts[0].filename, parts[0].body, parts[0].content_type)
        for name, parts in request.files.items()
        if parts
    }
    return params, files


class _Base(RequestHandler):
    """Shared plumbing: JSON answers, no XSRF."""

    server: BotApiServer

    def initialize(self, server: BotApiServer) -> None:
        self.server = server

    def check_xsrf_cookie(self) -> None:
        """The Bot API has no cookies."""

    def answer(self, status: int, body: Any) -> None:
        """Write a JSON body with an HTTP status."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, ensure_ascii=False, default=str))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.answer(status_code, {"ok": False, "error_code": status_code, "description": self._reason})


class ApiHandler(_Base):
    """POST/GET /bot<token>/<method>."""

    async def _call(self, token: str, method: str) -> None:
        try:
            params, files = request_params(self)
        except ApiError as err:
            self.answer(err.code, err.payload())
            return
        status, body = await self.server._dispatch(token, method, params, files)
        stream = getattr(self.request.connection, "stream", None)
        if stream is not None and stream.closed():
            return  # the client gave up (e.g. a cancelled long poll)
        self.answer(status, body)

    async def get(self, token: str, method: str) -> None:
        await self._call(token, method)

    async def post(self, token: str, method: str) -> None:
        await self._call(token, method)


class FileHandler(_Base):
    """GET /file/bot<token>/<file_path>."""

    def get(self, token: str, file_path: str) -> None:
        content = self.server._download(token, file_path)
        if content is None:
            self.answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(content)


class NotFoundHandler(_Base):
    """Anything else: Telegram's bare 404."""

    def prepare(self) -> None:
        self.answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})


class ControlHandler(_Base):
    """/_control/<action>: inject updates and read records from another process."""

    def _body(self) -> dict[str, Any]:
        body = json.loads(self.request.body or b"{}")
        if not isinstance(body, dict):
            raise ValueError("JSON object expected")
        return body

    def _ok(self, result: Any) -> None:
        self.answer(200, {"ok": True, "result": result})

    async def get(self, action: str) -> None:
        await self._run(action, {k: _text(v[-1]) for k, v in self.request.query_arguments.items()})

    async def post(self, action: str) -> None:
        try:
            body = self._body()
        except ValueError as err:
            self.answer(400, {"ok": False, "error_code": 400, "description": str(err)})
            return
        await self._run(action, body)

    async def _run(self, action: str, args: dict[str, Any]) -> None:
        handler = getattr(self, f"_do_{action}", None)
        if handler is None:
            self.answer(404, {"ok": False, "error_code": 404, "description": f"no control action {action!r}"})
            return
        try:
            result = handler(args)
            if hasattr(result, "__await__"):
                result = await result
        except (TypeError, ValueError, KeyError) as err:
            self.answer(400, {"ok": False, "error_code": 400, "description": f"{type(err).__name__}: {err}"})
            return
        except TimeoutError as err:
            self.answer(408, {"ok": False, "error_code": 408, "description": str(err)})
            return
        self._ok(result)

    def _do_push_update(self, args: dict[str, Any]) -> dict[str, Any]:
        kind = args.pop("kind", "raw" if "update" in args else "message")
        server = self.server
        pushers = {
            "message": server.push_message,
            "contact": server.push_contact,
            "callback": server.push_callback,
            "photo": server.push_photo,
        }
        if kind == "raw":
            return server.push_raw(args["update"])
        return pushers[kind](**args)

    def _do_sent(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        since = int(args.get("since", 0))
        chat_id = args.get("chat_id")
        sent = self.server.sent[since:]
        if chat_id is not None:
            sent = [m for m in sent if m["chat_id"] == int(chat_id)]
        return sent

    def _do_calls(self, args: dict[str, Any]) -> list[Any]:
        return [[method, params] for method, params in self.server.calls]

    def _do_unexpected(self, args: dict[str, Any]) -> list[Any]:
        return [[method, params] for method, params in self.server.unexpected]

    def _do_stats(self, args: dict[str, Any]) -> dict[str, int]:
        return dict(self.server.stats)

    def _do_configure(self, args: dict[str, Any]) -> bool:
        server = self.server
        for chat_id in _as_list(args.pop("block_chat", [])):
            server.block_chat(int(chat_id))
        for chat_id in _as_list(args.pop("unblock_chat", [])):
            server.unblock_chat(int(chat_id))
        if "migrate_chat" in args:
            move = args.pop("migrate_chat")
            server.migrate_chat(int(move["old_id"]), int(move["new_id"]))
        for file_id, encoded in args.pop("add_files", {}).items():
            server.add_file(file_id, base64.b64decode(encoded))
        server.configure(**args)
        return True

    async def _do_wait_sent(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        n, timeout = int(args.get("n", 1)), float(args.get("timeout", 5.0))
        await self.server.wait_for(lambda api: len(api.sent) >= n, timeout)
        return self.server.sent

    def _do_reset(self, args: dict[str, Any]) -> bool:
        self.server.reset_records()
        return True

    def _do_shutdown(self, args: dict[str, Any]) -> bool:
        self.server._request_shutdown()
        return True


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _log_request(handler: RequestHandler) -> None:
    """Access log at DEBUG: 4xx answers are normal traffic for this server."""
    request = handler.request
    log.debug("%s %s -> %s", request.method, request.path, handler.get_status())


def make_app(server: BotApiServer) -> Application:
    """The tornado application serving one BotApiServer."""
    args = {"server": server}
    return Application(
        [
            (r"/bot([^/]+)/([A-Za-z0-9_]*)", ApiHandler, args),
            (r"/file/bot([^/]+)/(.+)", FileHandler, args),
            (r"/_control/([a-z_]+)", ControlHandler, args),
        ],
        default_handler_class=NotFoundHandler,
        default_handler_args=args,
        log_function=_log_request,
        compress_response=False,
    )
