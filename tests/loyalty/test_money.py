"""Money strings from tills and forms: exact in the currency's minor unit, or a clear error."""

from decimal import Decimal

import pytest

from loyalty.money import MoneyError, parse_money


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("100000", "VND", Decimal("100000")),
        ("12.50", "USD", Decimal("12.50")),
        (7, "EUR", Decimal("7.00")),
        ("999999999999", "VND", Decimal("999999999999")),
    ],
)
def test_amounts_in_the_currencys_digits_are_read_exactly(value, currency, expected):
    assert parse_money(value, currency) == expected


@pytest.mark.parametrize(
    ("value", "currency", "message"),
    [
        ("12.5", "VND", "VND has 0 decimal places"),
        ("1E+30", "VND", "is too large"),
        ("-1E+40", "USD", "must not be negative"),
        ("99999999999999999999999999999999", "USD", "is too large"),
        ("1000000000000", "VND", "is too large"),  # the database's money columns end below 10^12
        ("NaN", "VND", "must be a decimal string"),
        ("abc", "VND", "must be a decimal string"),
        (True, "VND", "must be a decimal string"),
        ("-5", "VND", "must not be negative"),
    ],
)
def test_bad_amounts_are_refused_with_what_is_wrong(value, currency, message):
    with pytest.raises(MoneyError, match=message):
        parse_money(value, currency)


def test_the_limit_is_what_the_money_columns_hold():
    from loyalty.models.programs import MONEY
    from loyalty.money import MONEY_LIMIT

    assert Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"]) == MONEY_LIMIT
