"""What the counter keeps in the tablet's session: where it stands, who is acting, the last action (for undo)
and what the last purchases earned (to show them line by line)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from loyalty.models import Location, StaffMembership
from loyalty.services.counter import UNDO_WINDOW
from loyalty.services.ledger import Actor

LOCATION_KEY = "counter_location_id"
STAFF_KEY = "counter_staff_id"
LAST_ACTION_KEY = "counter_last_action"
RESULTS_KEY = "counter_results"
RESULTS_KEPT = 10

UNDOABLE = ("purchase", "redemption", "voucher_use", "adjustment")


def resolve(request) -> None:
    """Sets request.counter_location and request.acting (the staff membership acting now) from the session;
    stale values (another shop's, a removed person's) are dropped."""
    shop = request.shop
    location = None
    location_id = request.session.get(LOCATION_KEY)
    if location_id:
        location = Location.objects.filter(shop=shop, pk=location_id).first()
        if location is None:
            request.session.pop(LOCATION_KEY, None)
    request.counter_location = location
    acting = request.membership
    staff_id = request.session.get(STAFF_KEY)
    if staff_id and staff_id != acting.pk:
        switched = StaffMembership.objects.select_related("user").filter(shop=shop, pk=staff_id).first()
        if switched is None:
            request.session.pop(STAFF_KEY, None)
        else:
            acting = switched
    request.acting = acting


def actor(request) -> Actor:
    """Who acts at this counter and where: recorded on every entry, purchase and member."""
    staff = request.user if request.acting.pk == request.membership.pk else request.acting.user
    return Actor(shop=request.shop, staff=staff, location=request.counter_location)


def location_choose(request, location: Location | None) -> None:
    if location is None:
        request.session.pop(LOCATION_KEY, None)
    else:
        request.session[LOCATION_KEY] = location.pk


def acting_choose(request, membership: StaffMembership | None) -> None:
    if membership is None or membership.pk == request.membership.pk:
        request.session.pop(STAFF_KEY, None)
    else:
        request.session[STAFF_KEY] = membership.pk


def last_action_set(request, kind: str, *, label_args: dict, member_id=None, **ids) -> None:
    """Kept in the session with what names it (`label_args`), not its words: the banner is written in the
    language of whoever reads it, when they read it."""
    assert kind in UNDOABLE
    request.session[LAST_ACTION_KEY] = {
        "kind": kind,
        "label_args": label_args,
        "member_id": member_id,
        "at": timezone.now().isoformat(),
        "shop_id": request.shop.pk,
        **ids,
    }


def last_action(request, now: datetime | None = None, *, allow_expired: bool = False) -> dict | None:
    """The last undoable action of this tablet in this shop while it can still be undone (or, with
    `allow_expired`, also after, marked `expired`)."""
    action = request.session.get(LAST_ACTION_KEY)
    if not action or action.get("shop_id") != request.shop.pk or "label_args" not in action:
        return None
    at = datetime.fromisoformat(action["at"])
    expired = (now or timezone.now()) - at > UNDO_WINDOW
    if expired and not allow_expired:
        return None
    return {**action, "at": at, "expired": expired, "label": action_label(action["kind"], action["label_args"])}


def action_label(kind: str, args: dict) -> str:
    """What the undo banner calls the action, in the active language."""
    if kind == "purchase":
        return _("Purchase %(receipt)s") % args
    if kind == "redemption":
        return _("Reward %(reward)s") % args
    if kind == "adjustment":
        return ngettext("Adjustment of %(points)s point", "Adjustment of %(points)s points", abs(args["points"])) % args
    return _("Voucher %(code)s used") % args


def last_action_clear(request) -> None:
    request.session.pop(LAST_ACTION_KEY, None)


def result_keep(request, purchase_id, result: dict) -> None:
    results = dict(request.session.get(RESULTS_KEY) or {})
    results[str(purchase_id)] = result
    request.session[RESULTS_KEY] = dict(list(results.items())[-RESULTS_KEPT:])


def result_of(request, purchase_id) -> dict | None:
    return (request.session.get(RESULTS_KEY) or {}).get(str(purchase_id))
