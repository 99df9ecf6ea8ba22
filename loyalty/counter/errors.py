"""The services' refusals as the counter says them: short, translated, and saying what to do next."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loyalty.errors import DomainError

MESSAGES = {
    "insufficient_points": gettext_lazy("Not enough points for this."),
    "insufficient_wallet": gettext_lazy("Not enough money in the wallet for this."),
    "member_exists": gettext_lazy("This phone number is already a member."),
    "card_in_use": gettext_lazy("This card belongs to another member."),
    "duplicate_purchase": gettext_lazy("This receipt number is already recorded."),
    "duplicate_refund": gettext_lazy("This refund is already recorded."),
    "refund_exceeds_purchase": gettext_lazy("That is more than is left to refund on this purchase."),
    "pin_locked": gettext_lazy("Too many wrong PINs. Wait five minutes, then try again."),
    "wrong_pin": gettext_lazy("That PIN is not right."),
    "undo_window_passed": gettext_lazy(
        "Too late to undo: only the last five minutes can be undone. Refund it instead."
    ),
    "out_of_stock": gettext_lazy("This reward is out of stock."),
    "limit_reached": gettext_lazy("This member already has this reward as often as it allows."),
    "not_eligible": gettext_lazy("This member cannot have this reward now (its dates or their tier)."),
    "voucher_used": gettext_lazy("This voucher was already used."),
    "voucher_expired": gettext_lazy("This voucher has expired."),
    "voucher_cancelled": gettext_lazy("This voucher was cancelled."),
    "voucher_not_valid": gettext_lazy("This voucher belongs to another member."),
    "voucher_not_found": gettext_lazy("No voucher has this code."),
    "member_not_found": gettext_lazy("No member found."),
    "purchase_not_found": gettext_lazy("No purchase has this receipt number."),
    "reward_not_found": gettext_lazy("This reward is not in the catalogue."),
    "entry_not_found": gettext_lazy("There is nothing to undo."),
    "invalid_phone": gettext_lazy("This is not a valid phone number."),
    "invalid_card_number": gettext_lazy("This card number is not valid: check its digits."),
    "invalid_referral_code": gettext_lazy("No member has this referral code."),
}

# The services' field messages (English, for the API) as the counter says them.
FIELD_MESSAGES = {
    ("pin", "must be 4 to 8 digits"): gettext_lazy("A PIN is 4 to 8 digits."),
    ("pin", "another staff member uses this PIN"): gettext_lazy("Someone else uses this PIN: choose another."),
    ("reason", "is required"): gettext_lazy("Say why the points change."),
    ("phone", "not a valid phone number"): gettext_lazy("This is not a valid phone number."),
    ("card_number", "invalid card number"): gettext_lazy("This card number is not valid: check its digits."),
    ("card_number", "in use"): gettext_lazy("This card belongs to another member."),
    ("referral_code", "unknown code"): gettext_lazy("No member has this referral code."),
    ("amount", "must be positive"): gettext_lazy("Enter an amount above zero."),
    ("voucher", "was not redeemed with points"): gettext_lazy("This voucher cannot be undone here."),
    ("voucher", "is not used"): gettext_lazy("This voucher is not used, so there is nothing to undo."),
}


def friendly(error: DomainError) -> str:
    """One sentence for a message at the top of the screen."""
    if error.code == "wrong_pin" and "manager" in error.message:
        return _("Only a manager's PIN can approve this.")
    if error.code in MESSAGES:
        return str(MESSAGES[error.code])
    fields = field_errors(error)
    if fields:
        return " ".join(fields.values())
    return _("This could not be done: %(reason)s") % {"reason": error.message}


def field_errors(error: DomainError) -> dict[str, str]:
    """The refusal's messages per field, for a form to show beside its inputs: the counter's own words for a
    known refusal, else the service's."""
    known = str(MESSAGES[error.code]) if error.code in MESSAGES else None
    return {
        field: str(FIELD_MESSAGES.get((field, str(message))) or known or message)
        for field, message in error.fields.items()
    }


def add_to_form(form, error: DomainError) -> None:
    """The refusal on the form: beside the fields it names, else above it."""
    placed = False
    for field, message in field_errors(error).items():
        if field in form.fields:
            form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, friendly(error))
