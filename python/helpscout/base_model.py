"""``helpscout.base_model``, the original 0.1.3 module path of ``BaseModel``: the base class
of every record (``helpscout._core.Record``)."""

from ._core import Record as BaseModel

__all__ = ["BaseModel"]
