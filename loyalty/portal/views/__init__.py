"""The portal's views, one module per part of the portal. Every view that shows a shop's data resolves the
shop through @staff_required and reads only from request.shop, so another shop's ids answer 404."""

from .shops import home

__all__ = ["home"]
