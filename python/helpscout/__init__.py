"""Help Scout webhooks for Python: a fast, safe, drop-in replacement for ``helpscout.web_hook``.

from helpscout import HelpScoutWebHook
hook = HelpScoutWebHook(secret_key=SECRET)
event = hook.receive(headers["X-HelpScout-Event"], headers["X-HelpScout-Signature"], raw_body)
"""

from . import (
    _install_check,  # noqa: F401  (first: checks the install)
    exceptions,
    models,
)
from ._core import WebHookEvent, __version__
from .base_model import BaseModel
from .client import HelpScout
from .router import Router
from .web_hook import HelpScoutWebHook, HelpScoutWebHookEvent

__all__ = [
    "BaseModel",
    "HelpScout",
    "HelpScoutWebHook",
    "HelpScoutWebHookEvent",
    "Router",
    "WebHookEvent",
    "__version__",
    "exceptions",
    "models",
]
