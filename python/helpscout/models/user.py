"""The original 0.1.3 module ``helpscout.models.user``: the same classes."""

from .._core import Person, User

__all__ = ["Person", "User"]
