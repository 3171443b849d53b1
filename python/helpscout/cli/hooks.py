"""``hooks``: the account's webhooks through the Mailbox API 2.0.

    helpscout-webhook hooks list
    helpscout-webhook hooks ensure URL --event convo.created [--event ...] [--label L]
    helpscout-webhook hooks status [--enable [--id ID]]
    helpscout-webhook hooks delete ID...

Credentials come from ``$HELPSCOUT_APP_ID`` and ``$HELPSCOUT_APP_SECRET`` (an OAuth2 app,
client-credentials grant) or ``$HELPSCOUT_ACCESS_TOKEN``; never from the command line, where
other users could read them. The webhook secret (``ensure``, ``status --enable``) comes from
``--secret`` or ``$HELPSCOUT_WEBHOOK_SECRET``. ``--api-url`` (``$HELPSCOUT_API_URL``) points
the client elsewhere (https only, plain http only to this machine: for tests).

``status`` exits 1 when a webhook is not enabled, so it can run from cron or a health check.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any, List

from ..client import HelpScout
from ..delivery import _escape
from ..exceptions import (
    HelpScoutConnectionException,
    HelpScoutException,
    HelpScoutTimeoutException,
)
from .common import EXIT_OK, EXIT_REJECTED, EXIT_UNREACHABLE, SECRET_ENV, CliError, command

APP_ID_ENV = "HELPSCOUT_APP_ID"
APP_SECRET_ENV = "HELPSCOUT_APP_SECRET"
TOKEN_ENV = "HELPSCOUT_ACCESS_TOKEN"
API_URL_ENV = "HELPSCOUT_API_URL"
DEFAULT_API_URL = "https://api.helpscout.net"


def client_from(args: argparse.Namespace) -> HelpScout:
    """A client from the environment's credentials and ``--api-url``."""
    url = args.api_url or os.environ.get(API_URL_ENV) or DEFAULT_API_URL
    app_id = os.environ.get(APP_ID_ENV)
    app_secret = os.environ.get(APP_SECRET_ENV)
    token = os.environ.get(TOKEN_ENV)
    try:
        if app_id and app_secret:
            return HelpScout(app_id, app_secret, base_url=url, timeout=args.timeout)
        if token:
            return HelpScout(access_token=token, base_url=url, timeout=args.timeout)
    except (HelpScoutException, ValueError) as e:
        raise CliError(str(e)) from None
    raise CliError(
        f"no Help Scout credentials: set {APP_ID_ENV} and {APP_SECRET_ENV} (an OAuth2 app), "
        f"or {TOKEN_ENV}"
    )


def _secret(args: argparse.Namespace, what: str) -> str:
    secret = args.secret if args.secret is not None else os.environ.get(SECRET_ENV)
    if not secret:
        raise CliError(f"{what} needs the webhook secret: pass --secret or set {SECRET_ENV}")
    return secret


def _api_error(error: Exception) -> CliError:
    if isinstance(error, (HelpScoutConnectionException, HelpScoutTimeoutException)):
        return CliError(f"Help Scout could not be reached: {error}", EXIT_UNREACHABLE)
    return CliError(f"Help Scout: {error}", EXIT_REJECTED)


def _row(hook: Any) -> str:
    state = _escape((hook.state or "?").upper() if hook.state != "enabled" else "enabled", 20)
    events = ",".join(hook.events or [])
    label = f" [{_escape(hook.label, 40)}]" if hook.label else ""
    return (
        f"{hook.id!s:>8}  {state:<9} {_escape(hook.url or '-', 70)}{label}  {_escape(events, 120)}"
    )


def _as_json(hook: Any) -> str:
    data = hook.to_api()
    data.pop("secret", None)
    data["id"] = hook.id
    return json.dumps(data, ensure_ascii=True)


# -- subcommands ----------------------------------------------------------------------------


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--api-url",
        help=f"the Mailbox API base URL (default: ${API_URL_ENV} or {DEFAULT_API_URL})",
    )
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per request")


def _list_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="one JSON object per webhook")
    _common(p)


def cmd_list(args: argparse.Namespace) -> int:
    hs = client_from(args)
    try:
        hooks = hs.WebHook.list()
    except HelpScoutException as e:
        raise _api_error(e) from None
    for hook in hooks:
        print(_as_json(hook) if args.json else _row(hook))
    if not args.json:
        print(f"{len(hooks)} webhook(s)")
    return EXIT_OK


def _ensure_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", help="where Help Scout should deliver")
    p.add_argument(
        "--event",
        dest="events",
        action="append",
        required=True,
        metavar="EVENT",
        help="an event to subscribe to (repeat; or a comma-separated list)",
    )
    p.add_argument("--label", help="a label; several webhooks with one URL need one")
    p.add_argument(
        "--mailbox-id", dest="mailbox_ids", type=int, action="append", help="only this mailbox"
    )
    p.add_argument("--payload-version", default="V2", help="default: %(default)s")
    p.add_argument(
        "--notification", action="store_true", help="deliver only the resource URL, not its data"
    )
    p.add_argument(
        "--allow-unknown-events", action="store_true", help="accept names not in 'events'"
    )
    p.add_argument("--secret", help=f"the webhook secret (default: ${SECRET_ENV})")
    _common(p)


def cmd_ensure(args: argparse.Namespace) -> int:
    events = [e.strip() for value in args.events for e in value.split(",") if e.strip()]
    secret = _secret(args, "ensure")
    hs = client_from(args)
    try:
        hook, action = hs.WebHook._ensure(
            args.url,
            events,
            label=args.label,
            mailbox_ids=args.mailbox_ids,
            payload_version=args.payload_version,
            notification=args.notification,
            secret=secret,
            allow_unknown_events=args.allow_unknown_events,
        )
    except HelpScoutException as e:
        raise _api_error(e) from None
    print(f"{action} {hook.id}")
    print(_row(hook))
    return EXIT_OK


def _status_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--enable", action="store_true", help="re-enable disabled webhooks (needs the secret)"
    )
    p.add_argument(
        "--id",
        dest="ids",
        type=int,
        action="append",
        help="with --enable: only this webhook (repeat; needed when several are disabled)",
    )
    p.add_argument("--secret", help=f"the webhook secret (default: ${SECRET_ENV})")
    _common(p)


def cmd_status(args: argparse.Namespace) -> int:
    if args.ids and not args.enable:
        raise CliError("--id goes with --enable")
    secret = _secret(args, "--enable") if args.enable else None
    hs = client_from(args)
    try:
        health = hs.WebHook.health()
    except HelpScoutException as e:
        raise _api_error(e) from None
    if not health:
        print("no webhooks")
        return EXIT_OK
    broken = [h for h in health if not h.ok]
    if args.enable:
        targets = [h for h in broken if not args.ids or h.id in args.ids]
        unknown = sorted(set(args.ids or []) - {h.id for h in health})
        if unknown:
            raise CliError(f"no webhook with id {', '.join(map(str, unknown))}")
        if len(targets) > 1 and not args.ids:
            ids = ", ".join(str(h.id) for h in targets)
            raise CliError(
                f"{len(targets)} webhooks are not enabled (ids {ids}); re-enable them one at a "
                "time with --id ID and each webhook's own secret (Help Scout's update sets the "
                "secret given)"
            )
        for item in targets:
            try:
                hs.WebHook.enable(item.hook, secret=secret)
            except HelpScoutException as e:
                raise _api_error(e) from None
            print(f"re-enabled {item.id}")
        if targets:
            try:
                health = hs.WebHook.health()
            except HelpScoutException as e:
                raise _api_error(e) from None
            broken = [h for h in health if not h.ok]
    for item in health:
        print(_row(item.hook))
        if item.problem:
            print(f"{'':>8}  ! {_escape(item.problem, 200)}")
    print(f"{len(health)} webhook(s), {len(broken)} not enabled")
    return EXIT_REJECTED if broken else EXIT_OK


def _delete_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("ids", nargs="+", type=int, metavar="ID", help="webhook ids to delete")
    _common(p)


def cmd_delete(args: argparse.Namespace) -> int:
    hs = client_from(args)
    for hook_id in args.ids:
        try:
            hs.WebHook.delete(hook_id)
        except HelpScoutException as e:
            raise _api_error(e) from None
        print(f"deleted {hook_id}")
    return EXIT_OK


_SUBCOMMANDS = {
    "list": ("list the account's webhooks", _list_args, cmd_list),
    "ensure": ("create or update a webhook so it is exactly as given", _ensure_args, cmd_ensure),
    "status": ("show each webhook's state; exit 1 if one is disabled", _status_args, cmd_status),
    "delete": ("delete webhooks by id", _delete_args, cmd_delete),
}


def _hooks_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="hooks_command", required=True, metavar="SUBCOMMAND")
    for name, (help, configure, run) in _SUBCOMMANDS.items():
        q = sub.add_parser(name, help=help, description=help)
        configure(q)
        q.set_defaults(hooks_run=run)


@command("hooks", "manage the account's webhooks (Mailbox API; $HELPSCOUT_APP_ID)", _hooks_args, 70)
def cmd_hooks(args: argparse.Namespace) -> int:
    return int(args.hooks_run(args))


__all__: List[str] = ["client_from"]
