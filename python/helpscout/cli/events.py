"""``events``: the catalogue of every known event."""

from __future__ import annotations

import argparse

from ..events import EVENTS
from .common import EXIT_OK, command


def _no_args(p: argparse.ArgumentParser) -> None:
    pass


@command("events", "list every known event with its description and record class", _no_args, 30)
def cmd_events(args: argparse.Namespace) -> int:
    width = max(map(len, EVENTS))
    for name, info in EVENTS.items():
        note = "" if info.subscribable else "  (delivery only)"
        print(f"{name:<{width}}  {info.record_class:<15} {info.description}{note}")
    return EXIT_OK
