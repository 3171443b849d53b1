"""``helpscout.models.web_hook``, the original 0.1.3 module path of ``WebHook``."""

from ..base_model import BaseModel
from ..web_hook.web_hook import WebHook

__all__ = ["BaseModel", "WebHook"]
