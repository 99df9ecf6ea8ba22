"""Money: Decimal amounts in a currency's minor units, rounded once, half up, at the end."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision
from django.utils.translation import gettext as _


def minor_units(currency: str) -> int:
    return get_currency_precision(currency)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Computed money (percentages, commissions) is rounded half up to the currency's minor unit."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def money_str(amount: Decimal, currency: str) -> str:
    """The API's and the configuration file's form: exactly the currency's minor digits, no grouping."""
    return f"{round_money(Decimal(amount), currency):f}"


# Money columns hold 16 digits with 4 after the point (loyalty.models.programs.MONEY): amounts stay below 10^12.
MONEY_LIMIT = Decimal(10) ** 12


class MoneyError(ValueError):
    pass


def parse_money(value, currency: str, *, allow_negative: bool = False) -> Decimal:
    """A decimal string in the currency; more digits than the currency has is an error, not a rounding."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise MoneyError(_("must be a decimal string"))
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise MoneyError(_("must be a decimal string")) from None
    if not amount.is_finite():
        raise MoneyError(_("must be a decimal string"))
    if amount < 0 and not allow_negative:
        raise MoneyError(_("must not be negative"))
    if abs(amount) >= MONEY_LIMIT:  # checked first: quantizing 1E+30 overflows Decimal's precision
        raise MoneyError(_("is too large"))
    digits = minor_units(currency)
    if amount != amount.quantize(quantum(currency), rounding=ROUND_HALF_UP):
        raise MoneyError(_("%(currency)s has %(digits)d decimal places") % {"currency": currency, "digits": digits})
    return amount.quantize(quantum(currency))


def format_money(amount: Decimal, currency: str, locale: str = "en") -> str:
    """Money as a person reads it, in their locale."""
    return format_currency(amount, currency, locale=locale)
