"""``sign`` and ``verify``: a body's ``X-HelpScout-Signature``, and checking one."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, EXIT_REJECTED, add_secret, command, hook_from, read_input


def _sign_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "file", nargs="?", default="-", help="the body (default: %(default)s, standard input)"
    )
    add_secret(p)


def _verify_args(p: argparse.ArgumentParser) -> None:
    _sign_args(p)
    p.add_argument("--signature", required=True, help="the X-HelpScout-Signature value")


@command("sign", "print the X-HelpScout-Signature of a body's exact bytes", _sign_args, 10)
def cmd_sign(args: argparse.Namespace) -> int:
    print(hook_from(args).sign(read_input(args.file)))
    return EXIT_OK


@command("verify", "check a signature against a body (exit 0 valid, 1 invalid)", _verify_args, 20)
def cmd_verify(args: argparse.Namespace) -> int:
    hook = hook_from(args)
    index = hook.verify(args.signature, read_input(args.file))
    if index is None:
        print("invalid: the signature does not match this body under this secret")
        return EXIT_REJECTED
    print("valid" if index == 0 else f"valid (older secret #{index})")
    return EXIT_OK
