"""``helpscout.models.web_hook_event``, the original 0.1.3 module path of ``WebHookEvent``
and ``EVENT_CHOICES``.

``EVENT_CHOICES`` has the original's shape (event name to description) and every event Help
Scout lets a webhook subscribe to; ``helpscout.events.EVENTS`` also lists the events that are
only ever delivered (``helpscout.test``, ...).
"""

from .._core import WebHookEvent
from ..base_model import BaseModel
from ..events import EVENT_CHOICES

__all__ = ["EVENT_CHOICES", "BaseModel", "WebHookEvent"]
