"""Domain errors. Services raise them; each caller turns them into its own answer (form error, message, 409)."""


class DomainError(Exception):
    """A request that cannot be carried out as asked. `code` is the API's error code."""

    code = "conflict"
    status = 409

    def __init__(self, message: str = "", *, fields: dict | None = None):
        super().__init__(message or self.default_message())
        self.message = str(message or self.default_message())
        self.fields = fields or {}

    def default_message(self) -> str:
        return self.code.replace("_", " ").capitalize() + "."


class ValidationFailed(DomainError):
    """A value that fails validation; `fields` names each one and says what is wrong."""

    code = "validation_error"
    status = 422

    def __init__(self, message: str = "", *, fields: dict | None = None, code: str | None = None):
        super().__init__(message or "Some values are not valid.", fields=fields)
        if code:
            self.code = code


class NotFound(DomainError):
    code = "not_found"
    status = 404

    def __init__(self, message: str = "", *, code: str | None = None, fields: dict | None = None):
        super().__init__(message, fields=fields)
        if code:
            self.code = code


class InsufficientPoints(DomainError):
    code = "insufficient_points"


class InsufficientWallet(DomainError):
    code = "insufficient_wallet"


class MemberExists(DomainError):
    code = "member_exists"


class CardInUse(DomainError):
    code = "card_in_use"


class DuplicatePurchase(DomainError):
    code = "duplicate_purchase"


class DuplicateRefund(DomainError):
    code = "duplicate_refund"


class RefundExceedsPurchase(DomainError):
    code = "refund_exceeds_purchase"


class ConfigurationError(DomainError):
    """A configuration document or form that cannot be applied; the message names the JSON path."""

    code = "invalid_configuration"
    status = 422
