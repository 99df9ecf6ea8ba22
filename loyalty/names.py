"""How a member's name is shown to people who are not the shop: a partner sees the name people call them by, a
leaderboard that and an initial. Vietnamese names put the family name first and the given name last ("Nguyễn
Thu Linh" is called Linh), so the order is read from the first word."""

from __future__ import annotations

NO_NAME = "—"


def given_name(name: str) -> str:
    """The word people call the person by: "Linh" for "Nguyễn Thu Linh", "Anna" for "Anna Kowalska"."""
    words = (name or "").split()
    if not words:
        return NO_NAME
    return words[-1] if _vietnamese_order(words) else words[0]


def public_name(name: str) -> str:
    """The given name and the family name's initial, nothing more: "Linh N.", "Anna K."."""
    words = (name or "").split()
    if len(words) < 2:
        return words[0] if words else NO_NAME
    given, family = (words[-1], words[0]) if _vietnamese_order(words) else (words[0], words[-1])
    return f"{given} {family[0].upper()}."


def _vietnamese_order(words: list[str]) -> bool:
    return len(words) >= 2 and words[0] in VIETNAMESE_FAMILY_NAMES


VIETNAMESE_FAMILY_NAMES = frozenset(
    [
        "Nguyễn",
        "Trần",
        "Lê",
        "Phạm",
        "Hoàng",
        "Huỳnh",
        "Phan",
        "Vũ",
        "Võ",
        "Đặng",
        "Bùi",
        "Đỗ",
        "Hồ",
        "Ngô",
        "Dương",
        "Lý",
        "Đinh",
        "Trịnh",
        "Đoàn",
        "Lâm",
        "Mai",
        "Trương",
        "Cao",
    ]
)
