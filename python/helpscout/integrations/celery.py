"""Celery: hand deliveries to a queue and handle them in a worker, once.

::

    store = RedisDedupe(redis.Redis.from_url(REDIS_URL))
    task = webhook_task(celery_app, hook, handle, dedupe=store)
    app.register_blueprint(webhook_blueprint(hook, task.handoff, dedupe=store))

The endpoint verifies the delivery and ``task.handoff`` only enqueues a JSON message (the
event name, the exact body text and its signature), so Help Scout gets its answer at once.
The worker verifies the signature again (the queue is another trust boundary), builds the
event and runs ``handler(event)`` under a dedupe claim: commit on success, release and
retry (Celery's own retry, honouring ``max_retries``, ``default_retry_delay``,
``retry_backoff``, ``retry_backoff_max`` and ``retry_jitter``) on an exception.

Tasks are ``acks_late`` and ``reject_on_worker_lost`` unless ``task_options`` say otherwise,
so a worker killed mid-task leaves its message on the broker; it is delivered again (with
Redis as the broker, after the transport's ``visibility_timeout``) and, once the dead
worker's lease has run out, the new worker handles it.

Celery is not a dependency of this package: ``pip install 'helpscout-webhook[celery]'``.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any, Callable, Dict, Optional

from ..exceptions import HelpScoutRequestError, HelpScoutSecurityException

__all__ = ["envelope_of", "event_from_envelope", "webhook_task"]

logger = logging.getLogger("helpscout.webhook")
logger.addHandler(logging.NullHandler())

_ENVELOPE_KEYS = ("event_type", "body", "signature")


def envelope_of(hook: Any, event: Any) -> Dict[str, Any]:
    """The JSON-safe message for a verified ``event``: ``event_type``, ``body`` (the exact
    text that was signed), ``signature``, ``secret_index`` and ``dedupe_key``
    (``event.to_envelope()`` when the extension provides it).

    When the event does not carry the signature it arrived with, the body is signed again
    with ``hook``'s current secret, so the worker can still verify that the message came
    from a holder of the secret.
    """
    to_envelope = getattr(event, "to_envelope", None)
    if callable(to_envelope):
        envelope = dict(to_envelope())
    else:
        envelope = {
            "event_type": event.event_type,
            "body": event.record.to_json(),
            "signature": getattr(event, "signature", None),
            "secret_index": event.secret_index,
            "dedupe_key": event.dedupe_key,
        }
    if not envelope.get("signature"):
        envelope["signature"] = hook.sign(envelope["body"].encode("utf-8"))
    return envelope


def event_from_envelope(hook: Any, envelope: Any) -> Any:
    """Verify a queued message and build its event (``hook.receive_envelope`` when the
    extension provides it). Raises ``HelpScoutSecurityException`` for a missing or wrong
    signature and ``HelpScoutRequestError`` for a message that is not an envelope."""
    if not isinstance(envelope, dict) or not all(
        isinstance(envelope.get(name), str) for name in _ENVELOPE_KEYS
    ):
        raise HelpScoutRequestError(
            "a queued Help Scout delivery must be a dict with str event_type, body and signature",
            "bad_envelope",
        )
    receive_envelope = getattr(hook, "receive_envelope", None)
    if callable(receive_envelope):
        return receive_envelope(envelope)
    return hook.receive(
        envelope["event_type"],
        envelope["signature"],
        envelope["body"].encode("utf-8", "surrogatepass"),
    )


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def _countdown(task: Any) -> Optional[int]:
    """The wait before the next retry: exponential when ``retry_backoff`` is set (as
    Celery's ``autoretry_for`` computes it), else ``None`` (``default_retry_delay``)."""
    backoff = getattr(task, "retry_backoff", False)
    if not backoff:
        return None
    from celery.utils.time import get_exponential_backoff_interval  # type: ignore[import-untyped]

    return int(
        get_exponential_backoff_interval(
            factor=int(max(1.0, float(backoff))),
            retries=task.request.retries,
            maximum=int(getattr(task, "retry_backoff_max", 600)),
            full_jitter=bool(getattr(task, "retry_jitter", True)),
        )
    )


def webhook_task(
    app: Any,
    hook: Any,
    handler: Callable[[Any], Any],
    *,
    dedupe: Any = None,
    name: str = "helpscout.webhook",
    **task_options: Any,
) -> Any:
    """Register and return a Celery task that handles queued Help Scout deliveries.

    Args:
        app: the ``celery.Celery`` application.
        hook: the ``HelpScoutWebHook`` whose secret verifies each message in the worker.
        handler: ``handler(event)``: a function, a coroutine function (run with
            ``asyncio.run``) or a ``helpscout.Router``; raising retries the task.
        dedupe: a dedupe store (``RedisDedupe`` across workers) keyed on
            ``"<name>:<event.dedupe_key>"``: a message delivered twice runs the handler
            once. Without one, every message runs the handler.
        name: the task name (also the dedupe key's namespace, so the endpoint may use the
            same store for its own ``dedupe=``).
        task_options: passed to ``app.task`` (``max_retries``, ``default_retry_delay``,
            ``retry_backoff``, ``retry_backoff_max``, ``retry_jitter``, ``queue``, ...).
            ``acks_late`` and ``reject_on_worker_lost`` default to True.

    Returns:
        The task; ``task.handoff(event)`` is a handler for any endpoint: it enqueues the
        event's envelope and returns the ``AsyncResult`` at once.

    In the worker, a message whose signature does not verify (or that is not an envelope)
    fails at once without retry and is logged. A claim that is ``busy`` (another worker
    holds a live lease) is retried later; ``done`` returns ``"duplicate"`` without calling
    the handler. If the dedupe store is down the task is retried.
    """
    if dedupe is not None and not callable(getattr(dedupe, "claim", None)):
        raise TypeError("dedupe must be a store with claim(key), such as RedisDedupe")
    options: Dict[str, Any] = {"acks_late": True, "reject_on_worker_lost": True}
    options.update(task_options)
    options["bind"] = True
    options["name"] = name

    def run_handler(event: Any) -> None:
        result = handler(event)
        if inspect.isawaitable(result):
            asyncio.run(_awaited(result))

    @app.task(**options)
    def helpscout_webhook(self: Any, envelope: Any) -> str:
        try:
            event = event_from_envelope(hook, envelope)
        except (HelpScoutSecurityException, HelpScoutRequestError) as error:
            logger.error("rejected a queued Help Scout delivery: %s", error.reason)
            raise
        if dedupe is None:
            try:
                run_handler(event)
            except Exception as error:
                logger.warning(
                    "the Help Scout webhook handler failed for %s; retrying",
                    event.event_type,
                    exc_info=True,
                )
                raise self.retry(exc=error, countdown=_countdown(self)) from error
            return "ok"
        try:
            ticket = dedupe.claim(f"{self.name}:{event.dedupe_key}")
        except Exception as error:
            logger.warning("the dedupe store is unavailable; retrying", exc_info=True)
            raise self.retry(exc=error, countdown=_countdown(self)) from error
        if ticket.state == "done":
            logger.info("skipped a repeated Help Scout delivery of %s", event.event_type)
            return "duplicate"
        if ticket.state != "new":
            logger.info(
                "a Help Scout delivery of %s is being handled by another worker; retrying",
                event.event_type,
            )
            raise self.retry(countdown=_countdown(self))
        try:
            run_handler(event)
        except Exception as error:
            logger.warning(
                "the Help Scout webhook handler failed for %s; retrying",
                event.event_type,
                exc_info=True,
            )
            try:
                ticket.release()
            except Exception:
                logger.exception("the dedupe store failed to release a claim")
            raise self.retry(exc=error, countdown=_countdown(self)) from error
        try:
            if not ticket.commit():
                logger.error(
                    "the dedupe claim on a delivery of %s was lost before commit (lease "
                    "expired and taken over?); it may be handled twice",
                    event.event_type,
                )
        except Exception:
            logger.exception("the dedupe store failed to commit a handled delivery")
        return "ok"

    def handoff(event: Any) -> Any:
        """Enqueue ``event`` for the worker and return its ``AsyncResult`` (a handler for
        any endpoint; raises if the broker cannot be reached, so the endpoint answers 500
        and Help Scout retries)."""
        return helpscout_webhook.apply_async(args=(envelope_of(hook, event),))

    helpscout_webhook.handoff = handoff
    return helpscout_webhook
