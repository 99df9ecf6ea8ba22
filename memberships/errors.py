"""The membership program's domain errors (loyalty.errors.DomainError: each caller turns them into its answer)."""

from loyalty.errors import DomainError


class PriceChanged(DomainError):
    """The amount paid is not the price of this moment; `fields.price` carries the price now."""

    code = "price_changed"


class DuplicatePayment(DomainError):
    code = "duplicate_payment"


class AlreadyCancelled(DomainError):
    code = "membership_ended"
