"""The original 0.1.3 module ``helpscout.models.customer``: the same classes."""

from .._core import Address, Chat, Customer, Email, Phone, SearchCustomer, SocialProfile, Website

__all__ = [
    "Address",
    "Chat",
    "Customer",
    "Email",
    "Phone",
    "SearchCustomer",
    "SocialProfile",
    "Website",
]
