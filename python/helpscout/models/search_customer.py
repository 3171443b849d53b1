"""The original 0.1.3 module ``helpscout.models.search_customer``: the same classes."""

from .._core import Person, SearchCustomer

__all__ = ["Person", "SearchCustomer"]
