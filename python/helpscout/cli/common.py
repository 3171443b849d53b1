"""What every ``helpscout-webhook`` command shares: exit codes, errors, the secret, reading
a file, and the registry each command module adds its commands to."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from typing import Callable, Dict, Optional

from ..web_hook.web_hook import HelpScoutWebHook

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what `yes | head -1` gives

SECRET_ENV = "HELPSCOUT_WEBHOOK_SECRET"


class CliError(Exception):
    """A message for the user (no traceback) and the exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Command:
    """One subcommand: ``configure(parser)`` adds its arguments, ``run(args)`` returns the
    exit code."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    order: int = 100


COMMANDS: Dict[str, Command] = {}
"""The registry; ``--help`` lists the commands by ``order``, then name."""


def command(
    name: str,
    help: str,
    configure: Callable[[argparse.ArgumentParser], None],
    order: int = 100,
) -> Callable[[Callable[[argparse.Namespace], int]], Callable[[argparse.Namespace], int]]:
    """Register the decorated ``run(args) -> exit code`` as the subcommand ``name``;
    ``configure(parser)`` adds its arguments. A new command module only needs this and
    one import in ``helpscout/cli/__init__.py``::

        def _args(p):
            p.add_argument("file")

        @command("sign", "print a signature", _args, order=10)
        def cmd_sign(args): ...
    """

    def register(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        if name in COMMANDS:
            raise RuntimeError(f"the command {name!r} is registered twice")
        COMMANDS[name] = Command(name, help, configure, run, order)
        return run

    return register


def add_secret(parser: argparse.ArgumentParser) -> None:
    """The ``--secret`` option (default: the environment variable)."""
    parser.add_argument("--secret", help=f"the webhook secret (default: ${SECRET_ENV})")


def hook_from(args: argparse.Namespace) -> HelpScoutWebHook:
    """The webhook for ``--secret`` or ``$HELPSCOUT_WEBHOOK_SECRET``."""
    secret = args.secret if args.secret is not None else os.environ.get(SECRET_ENV)
    if not secret:
        raise CliError(f"no secret: pass --secret SECRET or set {SECRET_ENV}")
    try:
        return HelpScoutWebHook(secret_key=secret)
    except Exception as e:
        raise CliError(str(e)) from None


def read_input(path: Optional[str]) -> bytes:
    """The exact bytes of a file, or of standard input for ``-``/``None``."""
    if path in (None, "-"):
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise CliError(f"cannot read {path}: {e.strerror}") from None
