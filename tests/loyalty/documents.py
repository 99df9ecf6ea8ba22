"""Configuration documents for tests, built as the configuration file spells them (program-config.md)."""


def merchant(slug: str, *, country="VN", currency="VND", timezone="Asia/Ho_Chi_Minh", language="en") -> dict:
    return {
        "slug": slug,
        "name": slug.replace("-", " ").title(),
        "country": country,
        "currency": currency,
        "timezone": timezone,
        "language": language,
        "locations": [{"code": "main", "name": "Main"}],
    }


def program(per_amount: str, *, points: int = 1, point_value: str = "1000", **overrides) -> dict:
    made = {
        "name": "Test Club",
        "point_value": point_value,
        "earn": {
            "per_amount": per_amount,
            "points": points,
            "rounding": "down",
            "min_spend": "0",
            "exclude_categories": [],
        },
        "pending_days": 0,
        "expiry": {"policy": "none"},
        "backdate_days": 400,
    }
    made.update(overrides)
    return made


def reward(code: str, kind: str, points: int, value: str, **overrides) -> dict:
    made = {
        "code": code,
        "name": code.replace("-", " ").title(),
        "kind": kind,
        "points": points,
        "value": value,
        "max_discount": None,
        "tiers": [],
        "stock": None,
        "per_member_limit": None,
        "voucher_valid_days": 30,
    }
    made.update(overrides)
    return made


def document(slug: str, program_section: dict, **sections) -> dict:
    return {"merchant": merchant(slug), "program": program_section, **sections}
