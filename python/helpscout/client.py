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
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple, Union

from . import _core
from .exceptions import HelpScoutRemoteException, HelpScoutValidationException
from .web_hook.web_hook import HelpScoutWebHook, WebHook

__all__ = ["HelpScout", "WebHookApi", "WebHookHealth"]


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
        items = json.loads(self._client.list_webhooks())
        if not isinstance(items, list):
            raise _unexpected(
                "GET /v2/webhooks", f"expected a list of webhooks, got {_kind(items)}"
            )
        return [_hook_from_api(d, "GET /v2/webhooks") for d in items]

    def get(self, id: int) -> HelpScoutWebHook:
        """One webhook by id."""
        text = self._client.get_webhook(_id(id))
        return _hook_from_api(json.loads(text), f"GET /v2/webhooks/{id}")

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

    # -- keeping webhooks healthy ---------------------------------------------------------
    def ensure(
        self,
        url: str,
        events: Sequence[str],
        *,
        label: Optional[str] = None,
        mailbox_ids: Optional[Sequence[int]] = None,
        payload_version: str = "V2",
        notification: bool = False,
        secret: Optional[str] = None,
        allow_unknown_events: bool = False,
    ) -> HelpScoutWebHook:
        """Make sure exactly this webhook exists and is enabled; idempotent.

        The webhook is found by ``url`` (and ``label``, when given: a ``None`` label matches
        any and keeps it). None found: it is created. One found: it is updated only if its
        events (in any order), mailbox ids (``None``: all mailboxes), payload version,
        notification flag or label differ, or it is disabled (it is re-enabled). Several
        found: ``HelpScoutValidationException`` (reason ``ambiguous``); give a label.

        Help Scout's create and update both require the secret (and never return it), so
        ``secret`` is needed whenever something must change (reason ``secret_required``
        otherwise). It is sent as given: pass the current secret; changing it is
        :meth:`rotate_secret`'s job. Returns the webhook as Help Scout now has it, with
        ``secret_key`` set to ``secret``.
        """
        return self._ensure(
            url,
            events,
            label=label,
            mailbox_ids=mailbox_ids,
            payload_version=payload_version,
            notification=notification,
            secret=secret,
            allow_unknown_events=allow_unknown_events,
        )[0]

    def _ensure(
        self,
        url: str,
        events: Sequence[str],
        *,
        label: Optional[str],
        mailbox_ids: Optional[Sequence[int]],
        payload_version: str,
        notification: bool,
        secret: Optional[str],
        allow_unknown_events: bool,
    ) -> Tuple[HelpScoutWebHook, str]:
        """:meth:`ensure`, also saying what it did: ``created``, ``updated``, ``unchanged``."""
        if not isinstance(url, str) or not url:
            raise HelpScoutValidationException("url must be a non-empty str", "bad_url")
        if isinstance(events, str) or not all(isinstance(e, str) for e in events):
            raise HelpScoutValidationException("events must be a list of event names")
        wanted_events = list(dict.fromkeys(events))
        if not wanted_events:
            raise HelpScoutValidationException("events must name at least one event")
        matches = [h for h in self.list() if h.url == url and (label is None or h.label == label)]
        if len(matches) > 1:
            ids = ", ".join(str(h.id) for h in matches)
            raise HelpScoutValidationException(
                f"{len(matches)} webhooks have this url (ids {ids}); give label= to pick one",
                "ambiguous",
            )
        wanted = HelpScoutWebHook(
            url=url,
            events=wanted_events,
            label=label if label is not None or not matches else matches[0].label,
            notification=bool(notification),
            payload_version=payload_version,
            mailbox_ids=None if mailbox_ids is None else [_id(m) for m in mailbox_ids],
            state="enabled",
        )
        if matches and _same_settings(matches[0], wanted):
            current = matches[0]
            if secret is not None:
                current.secret_key = secret
            return current, "unchanged"
        if secret is None:
            action = "update" if matches else "create"
            raise HelpScoutValidationException(
                f"ensure() must {action} this webhook and Help Scout requires its secret for "
                "that: pass secret=",
                "secret_required",
            )
        wanted.secret_key = secret
        if matches:
            wanted.id = matches[0].id
            self.update(wanted, allow_unknown_events)
        else:
            self.create(wanted, allow_unknown_events)
        result = self.get(_id(wanted.id))
        result.secret_key = secret
        return result, "updated" if matches else "created"

    def health(self) -> List[WebHookHealth]:
        """Every webhook with its ``state``; ``disabled`` ones are flagged (Help Scout
        disables a webhook after 10 deliveries were discarded, or at once on an answer 410,
        and says nothing)."""
        return [WebHookHealth(h) for h in self.list()]

    def enable(
        self, hook_or_id: Union[WebHook, int], secret: Optional[str] = None
    ) -> HelpScoutWebHook:
        """Re-enable a webhook (``state`` ``enabled``), keeping its other settings.

        Help Scout's update requires the secret: ``secret=``, or a webhook object whose
        ``secret_key`` is set. Returns the webhook as Help Scout now has it."""
        given = hook_or_id if isinstance(hook_or_id, WebHook) else None
        id = _id(given.id if given is not None else hook_or_id)
        if secret is None and given is not None:
            secret = given.secret_key
        if secret is None:
            raise HelpScoutValidationException(
                "enable() needs the webhook's secret (Help Scout's update requires it): "
                "pass secret=",
                "secret_required",
            )
        hook = self.get(id)
        if hook.state != "enabled":
            hook.secret_key = secret
            hook.state = "enabled"
            self.update(hook, allow_unknown_events=True)
            hook = self.get(id)
        hook.secret_key = secret
        return hook

    def rotate_secret(self, hook: WebHook, new_secret: str) -> HelpScoutWebHook:
        """Give webhook ``hook.id`` a new secret; returns a ``HelpScoutWebHook`` that
        accepts both the new secret (``secret_key``) and the old one (``secret_keys``), so
        deliveries signed before the switch (and their retries) still verify.

        ``hook.secret_key`` must be the current secret. The other settings are kept as Help
        Scout has them. Runbook: docs/operations.md, "Rotating the secret".
        """
        if not isinstance(hook, WebHook):
            raise TypeError(f"expected a HelpScoutWebHook, not {type(hook).__name__}")
        id = _id(hook.id)
        old = hook.secret_key
        if not old:
            raise HelpScoutValidationException(
                "hook.secret_key must be the current secret, so that the returned hook "
                "still accepts deliveries signed with it",
                "secret_required",
            )
        checked = HelpScoutWebHook(secret_key=new_secret).secret_key
        if checked == old:
            raise HelpScoutValidationException("the new secret is the current one", "same_secret")
        current = self.get(id)
        current.secret_key = checked
        self.update(current, allow_unknown_events=True)
        older = [old] + [s for s in hook.secret_keys if s not in (old, checked)]
        rotated = HelpScoutWebHook(
            id=id,
            url=current.url,
            events=list(current.events),
            label=current.label,
            notification=current.notification,
            payload_version=current.payload_version,
            mailbox_ids=current.mailbox_ids,
            state=current.state,
            secret_keys=older,
            secret_key=checked,
            helpscout=hook.helpscout,
        )
        rotated.api_data = dict(current.api_data)
        return rotated


@dataclass(frozen=True)
class WebHookHealth:
    """One webhook's health, from :meth:`WebHookApi.health`."""

    hook: HelpScoutWebHook

    @property
    def id(self) -> Optional[int]:
        return self.hook.id

    @property
    def url(self) -> Optional[str]:
        return self.hook.url

    @property
    def label(self) -> Optional[str]:
        return self.hook.label

    @property
    def state(self) -> Optional[str]:
        """``enabled`` or ``disabled`` as Help Scout reports it (``None`` if absent)."""
        return self.hook.state

    @property
    def ok(self) -> bool:
        """Whether Help Scout reports the webhook ``enabled``."""
        return self.state == "enabled"

    @property
    def disabled(self) -> bool:
        return self.state == "disabled"

    @property
    def problem(self) -> Optional[str]:
        """What is wrong, in a sentence; ``None`` when enabled."""
        if self.ok:
            return None
        if self.disabled:
            return (
                "disabled: Help Scout stopped delivering (after 10 discarded deliveries, or an "
                "answer 410); fix the endpoint, then re-enable"
            )
        return f"state {self.state!r}: neither enabled nor disabled"


def _same_settings(current: WebHook, wanted: WebHook) -> bool:
    """Whether ``current`` (from the API) already has ``wanted``'s settings."""
    return (
        sorted(current.events or []) == sorted(wanted.events or [])
        and (current.label or None) == (wanted.label or None)
        and sorted(current.mailbox_ids or []) == sorted(wanted.mailbox_ids or [])
        and (current.payload_version or "V2").upper() == (wanted.payload_version or "V2").upper()
        and bool(current.notification) == bool(wanted.notification)
        and current.state == "enabled"
    )


def _id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"a webhook id is an int, not {type(value).__name__}")
    return value


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _unexpected(what: str, problem: str) -> HelpScoutRemoteException:
    """An answer whose shape cannot be used. The Rust client checks every answer first and
    reports its real status; this guard (status 200: a success whose body is unusable) is
    the last line, so that no ``AttributeError`` or ``TypeError`` escapes from parsing."""
    return HelpScoutRemoteException(200, f"{what}: unexpected answer: {problem}")


def _hook_from_api(data: Any, what: str) -> HelpScoutWebHook:
    """``HelpScoutWebHook.from_api`` for an API answer: another shape is
    ``HelpScoutRemoteException``, never an ``AttributeError`` or ``TypeError``."""
    if not isinstance(data, dict):
        raise _unexpected(what, f"expected a webhook object, got {_kind(data)}")
    if isinstance(data.get("id"), bool) or not isinstance(data.get("id"), int):
        raise _unexpected(
            what, f"the webhook's `id` must be an integer, got {_kind(data.get('id'))}"
        )
    try:
        return HelpScoutWebHook.from_api(data)
    except (TypeError, ValueError, AttributeError, HelpScoutValidationException) as e:
        raise _unexpected(what, f"webhook {data['id']} cannot be read ({e})") from None


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

    def fetch(self, event_or_url: Union[_core.WebHookEvent, str]) -> Any:
        """The full resource a ``notification: true`` delivery points at, as a typed record.

        A notification webhook's body carries only the changed resource's URL (for example
        ``{"url": "https://api.helpscout.net/v2/conversations/501"}``); this GETs it through
        the API (only URLs on this client's ``base_url``: the token never goes elsewhere)
        and parses it into the record class of the event (``Conversation`` for
        ``convo.*``). Also ``event.fetch(hs)``. A URL string gives a generic ``Record``.

        Raises ``HelpScoutValidationException`` when the event carries no URL or the URL is
        not on the API, and the client's usual errors otherwise.
        """
        if isinstance(event_or_url, str):
            event_type, url = None, event_or_url
        else:
            event_type = event_or_url.event_type
            url = _resource_url(event_or_url.record)
        text = self._client.get_resource(url)
        return _core.WebHookEvent(event_type, json.loads(text)).record


def _resource_url(record: Any) -> str:
    """The resource URL a notification body carries (``url``, or ``_links.self.href``)."""
    url = record.get("url")
    if not isinstance(url, str):
        links = record.get("_links")
        self_link = links.get("self") if links is not None else None
        url = self_link.get("href") if self_link is not None else None
    if not isinstance(url, str) or not url:
        raise HelpScoutValidationException(
            "this delivery carries no resource URL (notification webhooks send "
            '{"url": ...}); for a full delivery, use event.record directly'
        )
    return url
