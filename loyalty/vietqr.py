"""VietQR: the NAPAS bank-transfer QR, an EMVCo merchant-presented QR payload (partner payouts, membership
payments by transfer).

Every field is ID (2 digits) + length (2 digits) + value. The root holds 00 payload format "01", 01 point of
initiation ("11" static, "12" with an amount), 38 the consumer account information (00 the NAPAS GUID
A000000727; 01 the beneficiary: 00 the bank's BIN, 01 the account number; 02 the service QRIBFTTA: a transfer
to an account), 53 the currency "704" (VND), 54 the amount, 58 the country "VN", 62 additional data (08 the
purpose of the transfer) and last 63 the CRC: CRC-16/CCITT-FALSE over everything before it, "6304" included,
written as four upper-case hex digits.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
BIN = re.compile(r"^\d{6}$")
ACCOUNT = re.compile(r"^[A-Za-z0-9]{1,19}$")
PURPOSE_MAX = 25


def crc16_ccitt_false(data: bytes) -> int:
    """Polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR ("123456789" gives 0x29B1)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _bit in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def field(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def plain_text(text: str) -> str:
    """Bank apps read the purpose as ASCII: Vietnamese letters lose their marks (đ becomes d)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_only = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(ascii_only.split())[:PURPOSE_MAX]


def vietqr_payload(*, bank_bin: str, account: str, amount: Decimal | None = None, purpose: str = "") -> str:
    """The payload for a transfer of `amount` VND (None: the payer types it) to the account, saying `purpose`."""
    if not BIN.match(bank_bin or ""):
        raise ValueError("the bank BIN is six digits")
    if not ACCOUNT.match(account or ""):
        raise ValueError("the account number is 1 to 19 letters and digits")
    if amount is not None and (amount <= 0 or amount != amount.to_integral_value()):
        raise ValueError("a VND amount is a positive whole number")
    beneficiary = field("00", bank_bin) + field("01", account)
    account_info = field("00", NAPAS_GUID) + field("01", beneficiary) + field("02", SERVICE_TO_ACCOUNT)
    payload = field("00", "01") + field("01", "11" if amount is None else "12") + field("38", account_info)
    payload += field("53", CURRENCY_VND)
    if amount is not None:
        payload += field("54", str(int(amount)))
    payload += field("58", "VN")
    if purpose := plain_text(purpose):
        payload += field("62", field("08", purpose))
    payload += "6304"
    return payload + f"{crc16_ccitt_false(payload.encode('ascii')):04X}"


def can_pay_by_vietqr(shop, payee) -> bool:
    """A Vietnamese shop in VND, and a payee (a partner, the shop's own account) with a bank BIN and an account
    number."""
    return (
        shop.country == "VN"
        and shop.currency == "VND"
        and bool(BIN.match(payee.bank_bin))
        and bool(ACCOUNT.match(payee.bank_account))
    )
