"""The original 0.1.3 module ``helpscout.models.social_profile``: the same classes."""

from .._core import SocialProfile
from ..base_model import BaseModel

__all__ = ["BaseModel", "SocialProfile"]
