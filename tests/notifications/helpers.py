from datetime import datetime
from zoneinfo import ZoneInfo

from loyalty.models import Member
from tests.factories import enrol

VN = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 3, 10, 12, tzinfo=VN)


def member_with(shop, *, consent: bool = True, **fields) -> Member:
    """An enrolled member (their welcome not sent: enrolment's after-commit work does not run here)."""
    if consent:
        fields.update(marketing_consent=True, consent_source="counter")
    member = enrol(shop, **{key: value for key, value in fields.items() if key not in ("language", "channel")})
    extra = {key: fields[key] for key in ("language", "channel") if key in fields}
    if extra:
        Member.objects.filter(pk=member.pk).update(**extra)
        member.refresh_from_db()
    return member
