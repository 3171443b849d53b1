"""A fake Help Scout Mailbox API 2.0 on 127.0.0.1, spoken to over real HTTP.

It implements the token endpoint and /v2/webhooks with the documented status codes, headers
and bodies (PROTOCOL.md sections 3-4), records every request, and can be told to answer
the next matching request differently (429, 500, 401, a delay, any JSON value, or a body
made from the request, as a server that echoes what it was sent).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Tuple

APP_ID = "fake-app-id"
APP_SECRET = "fake-app-secret-value"
VND = "application/vnd.error+json"


@dataclass
class Seen:
    method: str
    path: str
    query: Dict[str, List[str]]
    headers: Dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def form(self) -> Dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.body.decode()))


@dataclass
class Scripted:
    method: str
    path: str
    status: int
    headers: Dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0
    passthrough: bool = False  # after the delay, answer normally
    render: Optional[Callable[[Seen], bytes]] = None  # the body, made from the request


class FakeHelpScout:
    def __init__(self, page_size: int = 50, token_lifetime: int = 172800) -> None:
        self.requests: List[Seen] = []
        self.webhooks: Dict[int, Dict[str, Any]] = {}
        self.secrets: Dict[int, str] = {}  # the secret of each webhook (never returned)
        self.next_id = 1000
        self.tokens: Dict[str, float] = {}  # token -> expiry (monotonic)
        self.token_count = 0
        self.page_size = page_size
        self.token_lifetime = token_lifetime
        self.script: List[Scripted] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                url = urllib.parse.urlsplit(self.path)
                seen = Seen(
                    self.command,
                    url.path,
                    urllib.parse.parse_qs(url.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                status, headers, out = fake.answer(seen)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- scripting ---------------------------------------------------------------------
    def then(self, method: str, path: str, status: int, headers=None, body=b"", delay=0.0):
        """Answer the next `method path` request with this instead of the normal answer."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.script.append(Scripted(method, path, status, dict(headers or {}), body, delay))

    def then_json(self, method: str, path: str, value: Any, status: int = 200) -> None:
        """Answer the next `method path` request with any JSON value (`"x"`, `5`, `None`...)."""
        self.then(method, path, status, {"Content-Type": "application/json"}, _dumps(value))

    def then_echo(
        self, method: str, path: str, status: int, render: Callable[[Seen], bytes], headers=None
    ) -> None:
        """Answer the next `method path` request with `render(request)` as the body."""
        self.script.append(Scripted(method, path, status, dict(headers or {}), render=render))

    def slow(self, method: str, path: str, delay: float) -> None:
        """Answer the next `method path` request normally, after `delay` seconds."""
        self.script.append(Scripted(method, path, 0, delay=delay, passthrough=True))

    def disable(self, wid: int) -> None:
        """Disable a webhook as Help Scout does after 10 discarded deliveries."""
        with self.lock:
            self.webhooks[wid]["state"] = "disabled"

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def of(self, method: str, path_prefix: str = "/v2/webhooks") -> List[Seen]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    # -- the API -----------------------------------------------------------------------
    def answer(self, r: Seen) -> Tuple[int, Dict[str, str], bytes]:
        with self.lock:
            self.requests.append(r)
            scripted = next(
                (s for s in self.script if s.method == r.method and r.path == s.path), None
            )
            if scripted:
                self.script.remove(scripted)
        if scripted:
            time.sleep(scripted.delay)
            if scripted.render is not None:
                return scripted.status, scripted.headers, scripted.render(r)
            if not scripted.passthrough:
                return scripted.status, scripted.headers, scripted.body
        with self.lock:
            if r.path == "/v2/oauth2/token" and r.method == "POST":
                return self.token(r)
            if not self.authorized(r):
                return self.error(401, "Invalid or expired access token")
            return self.webhooks_api(r)

    def token(self, r: Seen):
        form = r.form
        if form.get("grant_type") != "client_credentials":
            return self.json(400, {"error": "unsupported_grant_type"})
        if form.get("client_id") != APP_ID or form.get("client_secret") != APP_SECRET:
            return self.json(
                401, {"error": "invalid_client", "error_description": "Bad client credentials"}
            )
        self.token_count += 1
        token = f"token-{self.token_count}"
        self.tokens[token] = time.monotonic() + self.token_lifetime
        return self.json(
            200,
            {"token_type": "bearer", "access_token": token, "expires_in": self.token_lifetime},
        )

    def authorized(self, r: Seen) -> bool:
        auth = r.headers.get("authorization", "")
        token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else None
        return token is not None and self.tokens.get(token, 0) > time.monotonic()

    def webhooks_api(self, r: Seen):
        parts = r.path.rstrip("/").split("/")
        if parts[:3] != ["", "v2", "webhooks"]:
            return self.error(404, "Not found")
        wid: Optional[int] = int(parts[3]) if len(parts) > 3 and parts[3].isdigit() else None
        if r.method == "POST" and wid is None:
            problems = self.validate(r)
            if problems:
                return self.error(400, "Validation error", problems)
            wid = self.next_id
            self.next_id += 1
            self.webhooks[wid] = self.stored(wid, r.json)
            return (
                201,
                {"Resource-ID": str(wid), "Location": f"{self.base_url}/v2/webhooks/{wid}"},
                b"",
            )
        if r.method == "GET" and wid is None:
            page = int(r.query.get("page", ["1"])[0])
            ids = sorted(self.webhooks)
            total_pages = (len(ids) + self.page_size - 1) // self.page_size
            chunk = ids[(page - 1) * self.page_size : page * self.page_size]
            body: Dict[str, Any] = {
                "page": {
                    "size": self.page_size,
                    "totalElements": len(ids),
                    "totalPages": total_pages,
                    "number": page,
                },
                "_links": {"self": {"href": f"{self.base_url}/v2/webhooks?page={page}"}},
            }
            if chunk:  # _embedded is absent when there are no webhooks
                body["_embedded"] = {"webhooks": [self.webhooks[i] for i in chunk]}
            return self.json(200, body, "application/hal+json")
        if wid is None or wid not in self.webhooks:
            return self.error(404, f"Webhook {wid} not found")
        if r.method == "GET":
            return self.json(200, self.webhooks[wid], "application/hal+json")
        if r.method == "PUT":
            problems = self.validate(r)
            if problems:
                return self.error(400, "Validation error", problems)
            # A PUT without `state` keeps the current one (Help Scout's behaviour is not
            # documented; the client always sends the state it wants).
            self.webhooks[wid] = self.stored(wid, r.json, self.webhooks[wid]["state"])
            return 204, {}, b""
        if r.method == "DELETE":
            del self.webhooks[wid]
            return 204, {}, b""
        return self.error(405, "Method not allowed")

    def validate(self, r: Seen) -> List[Dict[str, str]]:
        try:
            data = r.json
        except ValueError:
            return [{"path": "body", "message": "malformed JSON"}]
        problems = []
        for name in ("url", "events", "secret"):
            if not data.get(name):
                problems.append({"path": name, "message": "may not be empty", "source": "JSON"})
        if len(data.get("secret") or "") > 40:
            problems.append(
                {
                    "path": "secret",
                    "message": "size must be between 0 and 40",
                    "rejectedValue": data["secret"],
                }
            )
        return problems

    def stored(self, wid: int, data: Dict[str, Any], state: str = "enabled") -> Dict[str, Any]:
        self.secrets[wid] = data["secret"]
        return {
            "id": wid,
            "url": data["url"],
            "state": data.get("state", state),
            "events": data["events"],
            "notification": data.get("notification", False),
            "payloadVersion": data.get("payloadVersion", "V2"),
            "label": data.get("label"),
            "mailboxIds": data.get("mailboxIds", []),
            "_links": {"self": {"href": f"{self.base_url}/v2/webhooks/{wid}"}},
        }

    @staticmethod
    def json(status: int, body: Any, content_type: str = "application/json"):
        return status, {"Content-Type": content_type}, json.dumps(body).encode()

    def error(self, status: int, message: str, errors=None):
        body: Dict[str, Any] = {"logRef": f"ref-{status}-{len(self.requests)}", "message": message}
        if errors:
            body["_embedded"] = {"errors": errors}
        return self.json(status, body, VND)


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()
