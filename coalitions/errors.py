"""The coalition app's domain errors; each page and the import turn them into their own answer."""

from loyalty.errors import DomainError


class CurrencyMismatch(DomainError):
    code = "currency_mismatch"
    status = 422


class AlreadyInCoalition(DomainError):
    code = "already_in_coalition"


class InvitationClosed(DomainError):
    """The invitation was accepted, declined, withdrawn or has expired."""

    code = "invitation_closed"


class NoticeRefused(DomainError):
    code = "notice_refused"
    status = 422
