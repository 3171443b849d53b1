"""The main job, end to end over real HTTP on this machine:

1. start `helpscout-webhook listen` on a free loopback port (the receiver),
2. `helpscout-webhook send all` a signed sample of every event to it,
3. send one forged request (signed with the wrong secret),
4. stop the receiver and show its lines and summary.

Run it with `bash scripts/demo.sh`.
"""

import os
import shlex
import subprocess
import sys
import threading

# The demo's own secret, given to `listen` and `send` through HELPSCOUT_WEBHOOK_SECRET (a
# secret already set in the environment is deliberately not used, so it is never printed).
SECRET = "demo-secret-change-me"
FORGED = "forged-secret"


def cli(*args: str) -> list:
    return [sys.executable, "-m", "helpscout", *args]


def shown(*args: str) -> str:
    """The command line as a person would type it (the installed script's name)."""
    return "$ " + shlex.join(["helpscout-webhook", *args])


def main() -> int:
    env = dict(os.environ, HELPSCOUT_WEBHOOK_SECRET=SECRET, PYTHONUNBUFFERED="1")
    print(f"$ export HELPSCOUT_WEBHOOK_SECRET={shlex.quote(SECRET)}   # used by listen and send")
    print(shown("listen", "--port", "0"), flush=True)
    listener = subprocess.Popen(
        cli("listen", "--port", "0"), env=env, stdout=subprocess.PIPE, text=True
    )
    assert listener.stdout is not None
    first = listener.stdout.readline().strip()  # "listening on http://127.0.0.1:PORT/ ..."
    print(f"[listen] {first}")
    url = first.split()[2]

    lines = []

    def relay() -> None:
        for text in listener.stdout:
            lines.append(text.rstrip())
            print(f"[listen] {text.rstrip()}", flush=True)

    reader = threading.Thread(target=relay)
    reader.start()
    try:
        send_all = ("send", "all", "--url", url)
        print("\n" + shown(*send_all), flush=True)
        sent = subprocess.run(cli(*send_all), env=env)
        send_forged = ("send", "convo.created", "--url", url, "--secret", FORGED)
        print("\n" + shown(*send_forged), flush=True)
        forged = subprocess.run(cli(*send_forged), env=env)
    finally:
        listener.terminate()
        listener.wait(timeout=10)
        reader.join(timeout=10)
    ok = (
        sent.returncode == 0
        and forged.returncode == 1
        and any("rejected 401" in line for line in lines)
        and lines
        and lines[-1].startswith("received 32: 31 accepted, 1 rejected")
    )
    print(
        "\nend to end:", "all 31 events accepted, the forgery rejected with 401" if ok else "FAILED"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
