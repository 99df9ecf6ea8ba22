"""GET /api/v1/coalitions/{code}/settlement (pos-api.md), for a manager key of a shop in the coalition."""

from __future__ import annotations

from ninja import Router, Schema, Status

from loyalty.api.auth import require_manager
from loyalty.api.members import ERRORS
from loyalty.errors import NotFound
from loyalty.money import money_str

from .models import Coalition
from .services.settlement import statement

router = Router(tags=["coalitions"])


class ShopRowOut(Schema):
    merchant: str
    issued: int
    redeemed: int
    owes: str
    owed: str
    net: str


class StatementOut(Schema):
    coalition: str
    period: str
    currency: str
    shops: list[ShopRowOut]
    pool_change: str


def coalition_of_key(request, code: str) -> Coalition:
    """The coalition with this code that the key's shop is (or was) in; any other is not found."""
    require_manager(request)
    coalition = Coalition.objects.filter(code=code, shops__shop=request.auth.shop).distinct().first()
    if coalition is None:
        raise NotFound("No coalition of this shop has this code.", code="coalition_not_found")
    return coalition


@router.get("/coalitions/{code}/settlement", response={200: StatementOut, **ERRORS}, summary="A settlement statement")
def settlement(request, code: str, period: str):
    coalition = coalition_of_key(request, code)
    result = statement(coalition, period)
    currency = coalition.currency
    return Status(
        200,
        {
            "coalition": coalition.code,
            "period": result.period,
            "currency": currency,
            "shops": [
                {
                    "merchant": r.merchant,
                    "issued": r.issued,
                    "redeemed": r.redeemed,
                    "owes": money_str(r.owes, currency),
                    "owed": money_str(r.owed, currency),
                    "net": money_str(r.net, currency),
                }
                for r in result.rows
            ],
            "pool_change": money_str(result.pool_change, currency),
        },
    )
