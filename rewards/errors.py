"""The rewards domain's errors (each an API error code)."""

from loyalty.errors import DomainError, NotFound


class RewardNotFound(NotFound):
    code = "reward_not_found"


class VoucherNotFound(NotFound):
    code = "voucher_not_found"


class OutOfStock(DomainError):
    code = "out_of_stock"


class LimitReached(DomainError):
    code = "limit_reached"


class NotEligible(DomainError):
    code = "not_eligible"


class VoucherUsed(DomainError):
    code = "voucher_used"


class VoucherExpired(DomainError):
    code = "voucher_expired"


class VoucherCancelled(DomainError):
    code = "voucher_cancelled"


class VoucherNotValid(DomainError):
    code = "voucher_not_valid"
