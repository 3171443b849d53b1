"""helpscout-webhook: sign, verify and send Help Scout webhooks, and receive them locally.

One module per concern, each adding its subcommands to the registry in ``common.py``
(``@command(...)``); this module builds the parser from that registry and runs ``main``.
A new command module is one more import below.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence

from .. import __version__
from . import events, hooks, listen, log, send, sign  # noqa: F401  (each registers its commands)
from .common import (
    COMMANDS,
    EXIT_BROKEN_PIPE,
    SECRET_ENV,
    CliError,
)

__all__ = ["build_parser", "main"]

EPILOG = f"""\
exit codes:
  0  success (valid signature; every delivery answered 2xx)
  1  an invalid signature (verify), or a delivery answered with a non-2xx status,
     a redirect included (send)
  2  usage error: missing secret, unreadable file, unknown event, bad option
  3  the URL could not be reached (send)

The secret may come from {SECRET_ENV} instead of --secret.
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, one subcommand per registered command."""
    parser = argparse.ArgumentParser(
        prog="helpscout-webhook",
        description="Sign, verify and send Help Scout webhooks, and receive them locally.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for cmd in sorted(COMMANDS.values(), key=lambda c: (c.order, c.name)):
        p = sub.add_parser(
            cmd.name,
            help=cmd.help,
            description=cmd.help,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        cmd.configure(p)
        p.set_defaults(func=cmd.run)
    return parser


def _silence_stdout() -> None:
    """After a broken pipe (``helpscout-webhook events | head``): point standard output at
    /dev/null so the interpreter's last flush does not complain either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (tests)
        pass


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        code = int(args.func(args))
        sys.stdout.flush()
        return code
    except CliError as e:
        print(f"helpscout-webhook: error: {e}", file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
