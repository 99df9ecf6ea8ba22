"""The VietQR payload against the NAPAS/EMVCo layout and the standard's CRC."""

from decimal import Decimal

import pytest

from loyalty.vietqr import can_pay_by_vietqr, crc16_ccitt_false, vietqr_payload

from .conftest import partner_of


def fields(payload: str) -> dict[str, str]:
    """An EMVCo payload read back: ID (2 digits), length (2 digits), value, to the end."""
    found, at = {}, 0
    while at < len(payload):
        tag, length = payload[at : at + 2], int(payload[at + 2 : at + 4])
        found[tag] = payload[at + 4 : at + 4 + length]
        assert len(found[tag]) == length, f"field {tag} is cut short"
        at += 4 + length
    return found


def test_the_crc_is_ccitt_false_by_its_check_value():
    assert crc16_ccitt_false(b"123456789") == 0x29B1
    assert crc16_ccitt_false(b"") == 0xFFFF


def test_a_published_vietqr_payload_is_reproduced_to_the_crc():
    """120,000 VND to VietinBank (BIN 970415) account 0011001932418, "ung ho lu lut" (subiz/vietqr's example)."""
    made = vietqr_payload(bank_bin="970415", account="0011001932418", amount=Decimal("120000"), purpose="ủng hộ lũ lụt")
    assert made == (
        "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA"
        "530370454061200005802VN62170813ung ho lu lut6304C15C"
    )


def test_the_fields_follow_the_napas_layout():
    payload = vietqr_payload(bank_bin="970436", account="0071000123456", amount=Decimal("52500"), purpose="PO000012")
    top = fields(payload)
    assert list(top) == ["00", "01", "38", "53", "54", "58", "62", "63"], "in order, the CRC last"
    assert (top["00"], top["01"], top["53"], top["54"], top["58"]) == ("01", "12", "704", "52500", "VN")
    account = fields(top["38"])
    assert (account["00"], account["02"]) == ("A000000727", "QRIBFTTA")
    assert fields(account["01"]) == {"00": "970436", "01": "0071000123456"}
    assert fields(top["62"]) == {"08": "PO000012"}
    assert top["63"] == f"{crc16_ccitt_false(payload[:-4].encode()):04X}"
    assert payload[-8:-4] == "6304", "the CRC covers its own ID and length"


def test_without_an_amount_the_code_is_static():
    top = fields(vietqr_payload(bank_bin="970436", account="12345"))
    assert top["01"] == "11" and "54" not in top and "62" not in top


@pytest.mark.parametrize(
    "bank_bin, account, amount",
    [("97043", "1", None), ("970436", "", None), ("970436", "12-34", None), ("970436", "1", Decimal("10.5"))],
)
def test_what_a_bank_cannot_read_is_refused(bank_bin, account, amount):
    with pytest.raises(ValueError):
        vietqr_payload(bank_bin=bank_bin, account=account, amount=amount)


def test_the_purpose_is_plain_ascii_of_at_most_25_characters():
    top = fields(vietqr_payload(bank_bin="970436", account="1", purpose="Cà phê Sương Đà Lạt — thanh toán PO000001"))
    purpose = fields(top["62"])["08"]
    assert purpose == "Ca phe Suong Da Lat thanh" and len(purpose) == 25


def test_only_vietnamese_shops_in_dong_with_a_bank_account_pay_by_vietqr(pho, courses):
    anh = partner_of(pho, "BLOG-ANH")
    assert not can_pay_by_vietqr(pho, anh)
    anh.bank_bin, anh.bank_account = "970436", "0071000123456"
    assert can_pay_by_vietqr(pho, anh)
    assert not can_pay_by_vietqr(courses, anh)
