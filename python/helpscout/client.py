"""Create and manage webhooks through Help Scout's Mailbox API 2.0 (OAuth2).

    from helpscout import HelpScout, HelpScoutWebHook
    hs = HelpScout(APP_ID, APP_SECRET)
    hook = HelpScoutWebHook(url="https://example.com/helpscout", secret_key=SECRET,
                            events=["convo.created", "convo.customer.reply.created"])
    hs.WebHook.create(hook)          # sets hook.id

HTTP is done in Rust (ureq, rustls) with the GIL released. See ``HelpScout`` for the retry
policy.
"""

from __future__ import annotations

import json
from typing import Any, List, Optional, Union

from . import _core
from .web_hook.web_hook import HelpScoutWebHook, WebHook

__all__ = ["HelpScout", "WebHookApi"]


class WebHookApi:
    """``/v2/webhooks``: create, list, get, update and delete webhooks."""

    def __init__(self, client: _core.ApiClient) -> None:
        self._client = client

    def create(self, hook: WebHook, allow_unknown_events: bool = False) -> int:
        """Create ``hook`` on Help Scout; returns the new id and sets ``hook.id``.

        ``url``, ``events`` and ``secret_key`` (at most 40 characters) are required and
        checked before anything is sent. Event names not in this library's catalogue are
        refused unless ``allow_unknown_events=True``.
        """
        new_id = self._client.create_webhook(_to_json(hook), allow_unknown_events)
        hook.id = new_id
        return new_id

    def list(self) -> List[HelpScoutWebHook]:
        """Every webhook of the account (all pages)."""
        return [HelpScoutWebHook.from_api(d) for d in json.loads(self._client.list_webhooks())]

    def get(self, id: int) -> HelpScoutWebHook:
        """One webhook by id."""
        return HelpScoutWebHook.from_api(json.loads(self._client.get_webhook(_id(id))))

    def update(self, hook: WebHook, allow_unknown_events: bool = False) -> None:
        """Replace the settings of ``hook.id`` with ``hook``'s (url, events and secret_key
        are required, as on create)."""
        if hook.id is None:
            raise ValueError("hook.id is not set: get() or create() the webhook first")
        self._client.update_webhook(_id(hook.id), _to_json(hook), allow_unknown_events)

    def delete(self, hook_or_id: Union[WebHook, int]) -> None:
        """Delete a webhook (a webhook object or its id)."""
        id = hook_or_id.id if isinstance(hook_or_id, WebHook) else hook_or_id
        if id is None:
            raise ValueError("the webhook has no id")
        self._client.delete_webhook(_id(id))


def _id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"a webhook id is an int, not {type(value).__name__}")
    return value


def _to_json(hook: WebHook) -> str:
    if not isinstance(hook, WebHook):
        raise TypeError(f"expected a HelpScoutWebHook, not {type(hook).__name__}")
    return json.dumps(hook.to_api())


class HelpScout:
    """A Help Scout Mailbox API 2.0 client.

    ``HelpScout(app_id, app_secret)`` uses the client-credentials grant: it gets a token from
    ``POST /v2/oauth2/token``, caches it until shortly before it expires, and on a 401 gets
    a new one once and retries. ``HelpScout(access_token=...)`` uses a token obtained
    elsewhere.

    Retries: a 429 is waited out (``X-RateLimit-Retry-After``) at most ``rate_limit_retries``
    times, each wait at most ``max_retry_wait`` seconds; 5xx answers and connection failures
    are retried ``retries`` times with backoff for GET, PUT and DELETE, never for POST.
    ``base_url`` must be https (plain http only to this machine, for tests).
    """

    def __init__(
        self,
        app_id: Optional[str] = None,
        app_secret: Optional[str] = None,
        *,
        access_token: Optional[str] = None,
        base_url: str = "https://api.helpscout.net",
        timeout: float = 30.0,
        rate_limit_retries: int = 3,
        max_retry_wait: float = 60.0,
        retries: int = 2,
    ) -> None:
        self._client = _core.ApiClient(
            app_id,
            app_secret,
            access_token,
            base_url,
            timeout,
            rate_limit_retries,
            max_retry_wait,
            retries,
        )
        self.WebHook = WebHookApi(self._client)
        # For repr only: where requests go and how they authenticate (never a credential).
        self._base_url = base_url.rstrip("/")
        self._auth = "access_token" if access_token is not None else "client_credentials"

    def __repr__(self) -> str:
        return f"HelpScout(base_url={self._base_url!r}, auth={self._auth!r})"
