"""The partner program's domain errors (loyalty.errors.DomainError: each caller turns them into its answer)."""

from loyalty.errors import DomainError, NotFound, ValidationFailed


class BelowMinPayout(DomainError):
    code = "below_min_payout"


class PayoutPaid(DomainError):
    code = "payout_paid"


class ApplicationDecided(DomainError):
    code = "application_decided"


def partner_not_found() -> NotFound:
    return NotFound("No partner has this code.", code="partner_not_found")


def payout_not_found() -> NotFound:
    return NotFound("Payout not found.", code="payout_not_found")


def invalid_partner_code() -> ValidationFailed:
    return ValidationFailed(
        "No partner of this shop has this code.", fields={"partner_code": "unknown code"}, code="invalid_partner_code"
    )
