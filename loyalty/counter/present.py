"""How the counter and the catalogue show money, rewards and vouchers to a person, in their language."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from django.contrib.staticfiles import finders
from django.utils.translation import gettext as _

from loyalty.formats import display_locale
from loyalty.money import format_money
from rewards.models import Reward, RewardKind

QR_SCANNER_SCRIPT = "vendor/qr-scanner/qr-scanner.umd.min.js"


def money(amount, currency: str) -> str:
    return format_money(Decimal(amount or 0), currency, str(display_locale()))


def plain(amount: Decimal | None) -> str | None:
    """A decimal as a form shows it: 80000, 12.5 (never 8E+4)."""
    return None if amount is None else f"{Decimal(amount).normalize():f}"


def percent(value: Decimal) -> str:
    text = f"{Decimal(value).normalize():f}"
    return f"{text} %"


def reward_value(reward: Reward, currency: str) -> str:
    """What the reward is worth, the way its kind reads: "10 % (at most 50,000 ₫)", "45,000 ₫"."""
    if reward.kind == RewardKind.PERCENT_OFF:
        text = percent(reward.value)
        if reward.max_discount:
            cap = money(reward.max_discount, currency)
            text = _("%(percent)s off, at most %(cap)s") % {"percent": text, "cap": cap}
        else:
            text = _("%(percent)s off") % {"percent": text}
        return text
    if reward.kind == RewardKind.AMOUNT_OFF:
        return _("%(amount)s off") % {"amount": money(reward.value, currency)}
    if reward.kind == RewardKind.WALLET_CREDIT:
        return _("%(amount)s to the wallet") % {"amount": money(reward.value, currency)}
    if reward.value:
        return _("worth %(amount)s") % {"amount": money(reward.value, currency)}
    return ""


@cache
def qr_scanner_available() -> bool:
    """The camera button needs the QR scanning library that `make install` copies from npm (vendor_static);
    on a machine without Node it is absent and the button is not shown."""
    return finders.find(QR_SCANNER_SCRIPT) is not None
