"""End-to-end demo: sign every sample event, receive it, print what arrived; then show a
forged request being rejected. Run it with `bash scripts/demo.sh`."""

import time

from helpscout import HelpScoutWebHook, __version__
from helpscout.events import EVENTS
from helpscout.exceptions import HelpScoutSecurityException
from helpscout.samples import sample

SECRET = "demo-secret-change-me"  # the secret you set on the Help Scout webhook


def main() -> None:
    hook = HelpScoutWebHook(secret_key=SECRET)
    print(
        f"helpscout-webhook {__version__}: receiving one signed sample of each of "
        f"{len(EVENTS)} events\n"
    )
    start = time.perf_counter()
    for name in EVENTS:
        body = sample(name)  # the raw request body, as Help Scout sends it
        signature = hook.sign(body)  # what Help Scout puts in X-HelpScout-Signature
        event = hook.receive(name, signature, body)
        line = f"  ok  {name:<38} {type(event.record).__name__:<15} {event.record!r}"
        print(line if len(line) <= 140 else line[:139] + "…")
    took = (time.perf_counter() - start) * 1e3
    print(f"\n{len(EVENTS)} events verified and parsed in {took:.1f} ms")

    body = sample("convo.created")
    forged = HelpScoutWebHook(secret_key="attacker-guess").sign(body)
    try:
        hook.receive("convo.created", forged, body)
    except HelpScoutSecurityException as e:
        print(f"forged request rejected: {e} (reason: {e.reason})")
    else:
        raise SystemExit("a forged request was accepted")

    tampered = body.replace(b"4411", b"4412")
    try:
        hook.receive("convo.created", hook.sign(body), tampered)
    except HelpScoutSecurityException as e:
        print(f"tampered body rejected: {e} (reason: {e.reason})")
    else:
        raise SystemExit("a tampered body was accepted")


if __name__ == "__main__":
    main()
