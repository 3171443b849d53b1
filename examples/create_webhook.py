"""Create, list and delete a Help Scout webhook through the Mailbox API 2.0.

    HELPSCOUT_APP_ID=... HELPSCOUT_APP_SECRET=... python examples/create_webhook.py \\
        https://example.com/helpscout

The app id and secret come from Help Scout: Your Profile → My Apps → Create My App.
HELPSCOUT_BASE_URL points the example elsewhere (the tests use a local fake API).
"""

import os
import secrets
import sys

from helpscout import HelpScout, HelpScoutWebHook

REQUIRED = ("HELPSCOUT_APP_ID", "HELPSCOUT_APP_SECRET")


def main(url: str) -> int:
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        print(
            f"error: set {' and '.join(missing)} first: the app id and app secret of a Help Scout"
            " app (Your Profile → My Apps → Create My App), for example\n"
            "  HELPSCOUT_APP_ID=... HELPSCOUT_APP_SECRET=... python examples/create_webhook.py"
            " https://example.com/helpscout",
            file=sys.stderr,
        )
        return 2
    hs = HelpScout(
        os.environ["HELPSCOUT_APP_ID"],
        os.environ["HELPSCOUT_APP_SECRET"],
        base_url=os.environ.get("HELPSCOUT_BASE_URL", "https://api.helpscout.net"),
    )
    hook = HelpScoutWebHook(
        url=url,
        secret_key=secrets.token_urlsafe(30)[:40],  # Help Scout allows at most 40 characters
        events=["convo.created", "convo.customer.reply.created", "satisfaction.ratings"],
        label="created by helpscout-webhook",
    )
    hs.WebHook.create(hook)
    print(f"created webhook {hook.id} -> {hook.url}")
    print("store this secret for receiving:", hook.secret_key)
    for existing in hs.WebHook.list():
        print(f"  {existing.id}  {existing.state:<8}  {existing.url}  {', '.join(existing.events)}")
    if "--keep" not in sys.argv:
        hs.WebHook.delete(hook)
        print(f"deleted webhook {hook.id} (pass --keep to keep it)")
    return 0


if __name__ == "__main__":
    args = [arg for arg in sys.argv[1:] if arg != "--keep"]
    sys.exit(main(args[0] if args else "https://example.com/helpscout"))
