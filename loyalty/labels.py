"""Names people read for what the data holds as codes: bonus events, and what each ledger entry was for
("Reward: Free coffee", "Refund RF-1 of purchase R-1001"), never `reward:free-coffee` or `event:signup`.

The words are chosen when the page is shown, in its language; an entry's stored reason is only shown when a
person typed it (an adjustment). Program apps name their own entries' sources with hooks.entry_source_label."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loyalty import hooks
from loyalty.models import EntryKind

EVENT_NAMES = {
    "signup": gettext_lazy("joining"),
    "birthday": gettext_lazy("a birthday"),
    "profile_complete": gettext_lazy("a completed profile"),
    "newsletter_signup": gettext_lazy("signing up for the newsletter"),
    "review": gettext_lazy("a review"),
    "social_follow": gettext_lazy("following the shop"),
}


def event_name(event: str) -> str:
    """A bonus event as a sentence names it; a shop's own event code with its dashes and underscores as spaces."""
    return str(EVENT_NAMES.get(event) or event.replace("_", " ").replace("-", " "))


def entry_description(entry, reward_names: dict[str, str] | None = None) -> str:
    """What a ledger entry was for. `reward_names` maps the shop's reward codes to their names; the entry's
    purchase, refund and the voucher of the spend it gives back are read from it (select them with it)."""
    kind, source = entry.kind, entry.source or ""
    prefix, _sep, rest = source.partition(":")
    if kind == EntryKind.ADJUST:
        return entry.reason
    if kind == EntryKind.EARN and entry.purchase_id:
        return _("Purchase %(receipt)s") % {"receipt": entry.purchase.external_id}
    if kind == EntryKind.BONUS and prefix == "event":
        return _("Bonus for %(event)s") % {"event": event_name(rest)}
    if kind == EntryKind.REVERSE and entry.refund_id:
        return _("Refund %(refund)s of purchase %(receipt)s") % {
            "refund": entry.refund.external_id,
            "receipt": entry.purchase.external_id if entry.purchase_id else "—",
        }
    if kind == EntryKind.REFUND_REDEEM:
        return _given_back(entry)
    if kind == EntryKind.REDEEM and prefix == "reward":
        return _("Reward: %(reward)s") % {"reward": (reward_names or {}).get(rest, rest)}
    if kind == EntryKind.REDEEM and entry.purchase_id:
        return _("Paid with points: purchase %(receipt)s") % {"receipt": entry.purchase.external_id}
    if kind == EntryKind.EXPIRE:
        return _("Expired")
    if kind == EntryKind.MERGE:
        return _("Merged with a duplicate of this member")
    if kind == EntryKind.IMPORT:
        return _("Opening balance")
    named = hooks.entry_source_label_for(prefix)
    return named(entry) if named else source.replace("_", " ").replace(":", ": ")


def _given_back(entry) -> str:
    if entry.refund_id:
        return _("Given back: refund %(refund)s") % {"refund": entry.refund.external_id}
    spend = entry.reverses
    voucher = getattr(spend, "voucher", None) if spend is not None else None
    if voucher is not None and voucher.status == "expired":
        return _("Given back: voucher %(code)s expired") % {"code": voucher.code}
    if voucher is not None:
        return _("Given back: voucher %(code)s cancelled") % {"code": voucher.code}
    return _("Given back")
