"""The owner's quick buttons on the counter screen: each adds a line (a coffee, a wash) to a purchase."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from loyalty.errors import NotFound, ValidationFailed
from loyalty.models import QuickItem, Shop
from loyalty.money import MoneyError, parse_money


def _checked(shop: Shop, *, label: str, sku: str, category: str, amount) -> dict:
    errors = {}
    label = (label or "").strip()
    if not label:
        errors["label"] = _("Enter the text on the button.")
    elif len(label) > 60:
        errors["label"] = _("At most 60 characters.")
    try:
        amount = parse_money(str(amount), shop.currency)
    except (MoneyError, InvalidOperation):
        errors["amount"] = _("Enter a price in %(currency)s.") % {"currency": shop.currency}
        amount = None
    if amount is not None and amount <= 0:
        errors["amount"] = _("The price must be above zero.")
    if errors:
        raise ValidationFailed(_("Some values are not valid."), fields=errors)
    return {
        "label": label,
        "sku": (sku or "").strip()[:100],
        "category": (category or "").strip()[:100],
        "amount": amount,
    }


@transaction.atomic
def quick_item_save(
    *,
    shop: Shop,
    item: QuickItem | None = None,
    label: str,
    amount: Decimal | str,
    sku: str = "",
    category: str = "",
    active: bool = True,
) -> QuickItem:
    """Create a quick button (last in the order) or change one."""
    fields = _checked(shop, label=label, sku=sku, category=category, amount=amount)
    if item is None:
        position = (QuickItem.objects.filter(shop=shop).aggregate(m=Max("position"))["m"] or 0) + 1
        item = QuickItem(shop=shop, position=position)
    elif item.shop_id != shop.pk:
        raise NotFound("Quick item not found.", code="quick_item_not_found")
    for name, value in fields.items():
        setattr(item, name, value)
    item.active = bool(active)
    item.save()
    return item


@transaction.atomic
def quick_items_reorder(*, shop: Shop, item_ids: list[int]) -> list[QuickItem]:
    """Put the shop's quick buttons in this order; buttons not named keep their order after them."""
    items = {i.pk: i for i in QuickItem.objects.select_for_update().filter(shop=shop)}
    wanted = [int(pk) for pk in item_ids]
    if len(set(wanted)) != len(wanted) or set(wanted) - set(items):
        raise NotFound("Quick item not found.", code="quick_item_not_found")
    rest = [i.pk for i in sorted(items.values(), key=lambda i: (i.position, i.label)) if i.pk not in wanted]
    ordered = [items[pk] for pk in wanted + rest]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    QuickItem.objects.bulk_update(ordered, ["position"])
    return ordered


def quick_item_move(*, shop: Shop, item: QuickItem, step: int) -> list[QuickItem]:
    """Move a button up (-1) or down (+1) one place."""
    order = list(QuickItem.objects.filter(shop=shop).values_list("pk", flat=True))
    if item.pk not in order:
        raise NotFound("Quick item not found.", code="quick_item_not_found")
    index = order.index(item.pk)
    order.insert(min(max(index + step, 0), len(order) - 1), order.pop(index))
    return quick_items_reorder(shop=shop, item_ids=order)


@transaction.atomic
def quick_item_set_active(*, item: QuickItem, active: bool) -> QuickItem:
    item.active = bool(active)
    QuickItem.objects.filter(pk=item.pk).update(active=item.active)
    return item
