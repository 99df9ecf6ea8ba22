"""Redeeming rewards and the life of a voucher: issue, use (exactly once), cancel, expire."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from loyalty import hooks
from loyalty.errors import InsufficientPoints, ValidationFailed
from loyalty.hooks import job
from loyalty.models import EntryKind, LedgerEntry, Member, TierLevel
from loyalty.models.ledger import WalletKind
from loyalty.money import round_money
from loyalty.services.expiry import points_expire
from loyalty.services.ledger import Actor, account_lock, points_give_back, points_spend, spend_lots
from loyalty.services.sql import insert_unless_conflict
from loyalty.services.transactions import atomic_service
from loyalty.services.wallet import wallet_credit
from loyalty.services.webhooks import points_changed, webhook_emit

from .errors import (
    LimitReached,
    NotEligible,
    OutOfStock,
    RewardNotFound,
    VoucherCancelled,
    VoucherExpired,
    VoucherNotFound,
    VoucherNotValid,
    VoucherUsed,
)
from .models import (
    Reward,
    RewardKind,
    Voucher,
    VoucherSource,
    VoucherStatus,
    new_voucher_code,
    normalise_voucher_code,
)
from .selectors import reward_ineligibility

GIVEN_ONLY = "This reward is only given, never redeemed."


def reward_get(shop, code: str) -> Reward:
    reward = Reward.objects.filter(shop=shop, code=code).first()
    if reward is None:
        raise RewardNotFound("No reward with this code.", fields={"reward": "not found"})
    return reward


def reward_stock_take(reward: Reward) -> None:
    """One conditional UPDATE: stock is never oversold, whatever the concurrency."""
    if reward.stock is None:
        return
    if not Reward.objects.filter(pk=reward.pk, stock_left__gt=0).update(stock_left=F("stock_left") - 1):
        raise OutOfStock("This reward is out of stock.")


def _return_stock(reward: Reward) -> None:
    if reward.stock is not None:
        Reward.objects.filter(pk=reward.pk).update(stock_left=F("stock_left") + 1)


def voucher_issue(
    *,
    reward: Reward,
    member: Member,
    source: str,
    at: datetime | None = None,
    points_spent: int = 0,
    redemption_entry: LedgerEntry | None = None,
) -> Voucher:
    """The one issuing service: redemptions, stamp cards, referrals, memberships, milestones and birthdays."""
    at = at or timezone.now()
    voucher = Voucher(
        shop=member.shop,
        reward=reward,
        member=member,
        account_id=member.account_id,
        source=source,
        points_spent=points_spent,
        redemption_entry=redemption_entry,
        issued_at=at,
        expires_at=at + timedelta(days=reward.voucher_valid_days),
    )
    for _attempt in range(5):
        voucher.code = new_voucher_code()
        if insert_unless_conflict(voucher, unique=("code",)):  # a code drawn twice: draw again
            break
    else:
        raise RuntimeError("could not draw a free voucher code")
    webhook_emit(member.shop, "voucher.issued", lambda: voucher_event(voucher))
    return voucher


@atomic_service
def reward_redeem(*, member: Member, reward_code: str, actor: Actor, at: datetime | None = None) -> Voucher:
    """Spend the reward's points and issue its voucher, atomically; stock and limits hold under concurrency."""
    at = at or timezone.now()
    reward = reward_get(member.shop, reward_code)
    if reward.points <= 0:
        raise NotEligible(GIVEN_ONLY, fields={"reason": "given_only"})
    account = account_lock(member.account_id)  # serialises this member's redemptions (per-member limit)
    member.account = account
    lots = spend_lots(account, at)
    reason = reward_ineligibility(reward, member, available=sum(lot.remaining for lot in lots), at=at)
    if reason == "insufficient_points":
        raise InsufficientPoints(f"{reward.points} points needed.")
    if reason in ("tier", "not_eligible"):
        raise NotEligible("This member cannot redeem this reward now.", fields={"reason": reason})
    if reason == "out_of_stock":
        raise OutOfStock("This reward is out of stock.")
    if reason == "limit_reached":
        raise LimitReached("This member has reached the limit for this reward.")
    reward_stock_take(reward)
    entry = None
    if reward.points:
        entry = points_spend(
            account=account,
            actor=actor,
            kind=EntryKind.REDEEM,
            points=reward.points,
            at=at,
            source=f"reward:{reward.code}",
            lots=lots,
        )
        points_changed(member.shop, account, change=-reward.points, reason=f"reward:{reward.code}")
    voucher = voucher_issue(
        reward=reward,
        member=member,
        source=VoucherSource.REDEMPTION,
        at=at,
        points_spent=reward.points,
        redemption_entry=entry,
    )
    if reward.kind == RewardKind.WALLET_CREDIT:
        _credit_wallet(voucher, account, at)
    hooks.emit(hooks.VoucherRedeemed(voucher=voucher, member=member, at=at))
    return voucher


def _credit_wallet(voucher: Voucher, account, at: datetime) -> None:
    """A wallet-credit reward pays out at once: its value goes into the wallet and its voucher is used."""
    wallet_credit(
        account=account,
        shop=voucher.shop,
        amount=voucher.reward.value,
        kind=WalletKind.CREDIT,
        reason=f"reward {voucher.reward.code}, voucher {voucher.code}",
    )
    Voucher.objects.filter(pk=voucher.pk).update(status=VoucherStatus.USED, used_at=at)
    voucher.status, voucher.used_at = VoucherStatus.USED, at


def voucher_discount(voucher: Voucher, amount):
    """What the voucher takes off a bill of `amount`, in the shop's currency (0 for gifts and donations)."""
    reward = voucher.reward
    if reward.kind == RewardKind.PERCENT_OFF:
        off = round_money(amount * reward.value / 100, voucher.shop.currency)
        return min(off, reward.max_discount) if reward.max_discount is not None else off
    if reward.kind in (RewardKind.AMOUNT_OFF, RewardKind.FREE_ITEM):
        return min(reward.value, amount)
    return Decimal(0)


def voucher_find(shop, code: str) -> Voucher:
    voucher = (
        Voucher.objects.select_related("reward", "member").filter(shop=shop, code=normalise_voucher_code(code)).first()
    )
    if voucher is None:
        raise VoucherNotFound("No voucher with this code.")
    return voucher


def _refuse_unusable(voucher: Voucher, at: datetime) -> None:
    if voucher.status == VoucherStatus.USED:
        raise VoucherUsed("This voucher was already used.")
    if voucher.status == VoucherStatus.CANCELLED:
        raise VoucherCancelled("This voucher was cancelled.")
    if voucher.status == VoucherStatus.EXPIRED or voucher.expires_at <= at:
        raise VoucherExpired("This voucher has expired.")


@atomic_service
def voucher_use(*, shop, code: str, member: Member | None = None, purchase=None, at: datetime | None = None) -> Voucher:
    """Mark a voucher used through one conditional UPDATE: two counters scanning it at once, one wins."""
    at = at or timezone.now()
    voucher = voucher_find(shop, code)
    if member is not None and voucher.account_id != member.account_id:
        raise VoucherNotValid("This voucher belongs to another member.", fields={"voucher_codes": voucher.code})
    _refuse_unusable(voucher, at)
    won = Voucher.objects.filter(pk=voucher.pk, status=VoucherStatus.ISSUED, expires_at__gt=at).update(
        status=VoucherStatus.USED, used_at=at, used_purchase=purchase
    )
    if not won:
        voucher.refresh_from_db()
        _refuse_unusable(voucher, at)
        raise VoucherUsed("This voucher was already used.")
    voucher.status, voucher.used_at, voucher.used_purchase = VoucherStatus.USED, at, purchase
    webhook_emit(shop, "voucher.used", lambda: voucher_event(voucher))
    return voucher


@atomic_service
def voucher_unuse(*, shop, code: str) -> Voucher:
    """Undo a use made by mistake (the counter's five-minute undo): the voucher is open again."""
    voucher = voucher_find(shop, code)
    if not Voucher.objects.filter(pk=voucher.pk, status=VoucherStatus.USED).update(
        status=VoucherStatus.ISSUED, used_at=None, used_purchase=None
    ):
        _refuse_unusable(voucher, timezone.now())
    voucher.refresh_from_db()
    return voucher


def voucher_event(voucher: Voucher) -> dict:
    return {
        "code": voucher.code,
        "reward": voucher.reward.code,
        "member": str(voucher.member_id),
        "status": voucher.status,
        "expires_at": voucher.expires_at,
    }


def _lock_voucher_account(voucher: Voucher):
    """Lock the account that holds the voucher now: a merge may have moved it since it was read."""
    while True:
        account = account_lock(voucher.account_id)
        current = Voucher.objects.filter(pk=voucher.pk).values_list("account_id", flat=True).get()
        if current == account.pk:
            return account
        voucher.account_id = current


def voucher_close(voucher: Voucher, status: str, at: datetime, *, give_points_back: bool, actor: Actor) -> bool:
    """Close an issued voucher (cancel or expire) once; returns False if it was not open any more.
    The account is locked first, as on every points path, then the voucher's conditional UPDATE."""
    give_back = give_points_back and voucher.redemption_entry_id is not None
    account = _lock_voucher_account(voucher) if give_back else None
    if not Voucher.objects.filter(pk=voucher.pk, status=VoucherStatus.ISSUED).update(status=status, closed_at=at):
        return False
    if give_back:
        points_give_back(
            account=account,
            actor=actor,
            spend=voucher.redemption_entry,
            points=voucher.points_spent,
            at=at,
            reason=f"voucher {voucher.code} {status}",
        )
    if status == VoucherStatus.CANCELLED:
        _return_stock(voucher.reward)
    return True


@atomic_service
def voucher_cancel(*, shop, code: str, actor: Actor, at: datetime | None = None) -> Voucher:
    """Cancel an unused voucher: its points go back with their own dates; stock and limit are restored."""
    at = at or timezone.now()
    voucher = voucher_find(shop, code)
    if not voucher_close(voucher, VoucherStatus.CANCELLED, at, give_points_back=True, actor=actor):
        voucher.refresh_from_db()
        _refuse_unusable(voucher, at)
    voucher.refresh_from_db()
    return voucher


@job("vouchers_expired")
def vouchers_expire(*, as_of: datetime, batch: int = 500) -> int:
    """The job: close issued vouchers past their date; points go back where the reward says so.
    Each voucher is its own short transaction holding at most one account lock (one lock order with merges
    and purchases); a re-run finds only what is still open.
    Points given back keep their own dates (LEDGER.md), so some come back already past them: they expire here,
    because the points' own expiry ran earlier in the same round of jobs and a second round must change nothing."""
    expired, gave_back, after = 0, False, 0
    while True:
        due = list(
            Voucher.objects.select_related("reward", "redemption_entry", "shop")
            .filter(status=VoucherStatus.ISSUED, expires_at__lte=as_of, pk__gt=after)
            .order_by("id")[:batch]
        )
        for voucher in due:
            with transaction.atomic():
                closed = voucher_close(
                    voucher,
                    VoucherStatus.EXPIRED,
                    voucher.expires_at,
                    give_points_back=voucher.reward.refund_points_on_expiry,
                    actor=Actor(shop=voucher.shop),
                )
            expired += closed
            gave_back |= closed and voucher.reward.refund_points_on_expiry and voucher.redemption_entry_id is not None
        if len(due) < batch:
            break
        after = due[-1].pk
    if gave_back:
        points_expire(as_of=as_of)
    return expired


# ---------------------------------------------------------------- the catalogue (the portal's writes)

REWARD_FIELDS = (
    "name",
    "kind",
    "points",
    "value",
    "max_discount",
    "tiers",
    "stock",
    "per_member_limit",
    "starts",
    "ends",
    "voucher_valid_days",
    "refund_points_on_expiry",
    "description",
)


def stock_left(stock: int | None, issued: int) -> int | None:
    """What is left of a reward's stock once the vouchers issued and not cancelled are counted."""
    return None if stock is None else max(stock - issued, 0)


REWARD_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,59}$")


def _reward_checked(shop, fields: dict) -> dict:
    """The catalogue's rules (program-config.md: rewards), each refusal named by its field."""
    errors = {}
    fields = dict(fields)
    fields["name"] = (fields.get("name") or "").strip()
    if not fields["name"]:
        errors["name"] = _("Enter a name.")
    if fields.get("kind") not in RewardKind.values:
        errors["kind"] = _("Choose a kind.")
    value = fields.get("value")
    value = Decimal(0) if value is None else Decimal(value)
    fields["value"] = value
    if value < 0:
        errors["value"] = _("The value cannot be negative.")
    elif fields.get("kind") == RewardKind.PERCENT_OFF and not 0 < value <= 100:
        errors["value"] = _("A percentage between 0 and 100.")
    elif fields.get("kind") in (RewardKind.AMOUNT_OFF, RewardKind.WALLET_CREDIT) and value <= 0:
        errors["value"] = _("Enter the amount this reward is worth.")
    if fields.get("kind") != RewardKind.PERCENT_OFF:
        fields["max_discount"] = None
    elif fields.get("max_discount") is not None and fields["max_discount"] <= 0:
        errors["max_discount"] = _("Leave empty for no cap, or enter an amount above zero.")
    if (fields.get("points") or 0) < 0:
        errors["points"] = _("The price in points cannot be negative.")
    fields["points"] = fields.get("points") or 0
    tiers = list(fields.get("tiers") or [])
    known = set(TierLevel.objects.filter(program__shop=shop).values_list("code", flat=True)) if tiers else set()
    if set(tiers) - known:
        errors["tiers"] = _("Unknown tier: %(codes)s.") % {"codes": ", ".join(sorted(set(tiers) - known))}
    fields["tiers"] = tiers
    if fields.get("stock") is not None and fields["stock"] < 0:
        errors["stock"] = _("Leave empty for unlimited, or enter how many there are.")
    if fields.get("per_member_limit") is not None and fields["per_member_limit"] < 1:
        errors["per_member_limit"] = _("Leave empty for no limit, or enter at least 1.")
    if fields.get("starts") and fields.get("ends") and fields["ends"] <= fields["starts"]:
        errors["ends"] = _("The last day must come after the first.")
    if (fields.get("voucher_valid_days") or 0) < 1:
        errors["voucher_valid_days"] = _("A voucher is valid for at least one day.")
    fields["refund_points_on_expiry"] = bool(fields.get("refund_points_on_expiry"))
    fields["description"] = (fields.get("description") or "").strip()
    if errors:
        raise ValidationFailed(_("Some values are not valid."), fields=errors)
    return fields


def _reward_code_new(shop, code: str, name: str) -> str:
    if code:
        if not REWARD_CODE.match(code):
            raise ValidationFailed(
                _("Letters, digits, - and _ only."), fields={"code": _("Letters, digits, - and _ only.")}
            )
        if Reward.objects.filter(shop=shop, code=code).exists():
            raise ValidationFailed(
                _("Another reward has this code."), fields={"code": _("Another reward has this code.")}
            )
        return code
    base = slugify(name)[:50].strip("-") or "reward"
    taken = set(Reward.objects.filter(shop=shop, code__startswith=base).values_list("code", flat=True))
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


@transaction.atomic
def reward_save(*, shop, reward: Reward | None = None, code: str = "", photo=None, **fields) -> Reward:
    """Create a reward (code from the name unless given; last in the order) or change one (its code stays:
    stamp cards, tills and the configuration file name it). Stock left is the new stock less the vouchers
    issued and not cancelled, counted under the reward's row lock so a redemption racing the edit counts."""
    unknown = set(fields) - set(REWARD_FIELDS)
    if unknown:
        raise TypeError(f"unknown reward fields: {sorted(unknown)}")
    checked = _reward_checked(shop, fields)
    if reward is None:
        reward = Reward(shop=shop, code=_reward_code_new(shop, code.strip(), checked["name"]))
        reward.position = (Reward.objects.filter(shop=shop).aggregate(m=Max("position"))["m"] or 0) + 1
        issued = 0
    else:
        if reward.shop_id != shop.pk:
            raise RewardNotFound("No reward with this code.")
        reward = Reward.objects.select_for_update().get(pk=reward.pk)
        issued = reward.vouchers.exclude(status=VoucherStatus.CANCELLED).count()
    for name, value in checked.items():
        setattr(reward, name, value)
    reward.stock_left = stock_left(reward.stock, issued)
    if photo is not None:
        reward.photo = photo or ""
    reward.save()
    return reward


@transaction.atomic
def rewards_reorder(*, shop, reward_ids: list[int]) -> list[Reward]:
    """Put the shop's rewards in this order; rewards not named keep their relative order after them."""
    rewards = {r.pk: r for r in Reward.objects.select_for_update().filter(shop=shop)}
    wanted = [int(pk) for pk in reward_ids]
    if len(set(wanted)) != len(wanted) or set(wanted) - set(rewards):
        raise RewardNotFound("No reward with this code.", fields={"reward": "not found"})
    rest = [r.pk for r in sorted(rewards.values(), key=lambda r: (r.position, r.points, r.code)) if r.pk not in wanted]
    ordered = [rewards[pk] for pk in wanted + rest]
    for position, reward in enumerate(ordered, start=1):
        reward.position = position
    Reward.objects.bulk_update(ordered, ["position"])
    return ordered


def reward_move(*, shop, reward: Reward, step: int) -> list[Reward]:
    """Move a reward up (-1) or down (+1) one place in the shop's order."""
    order = list(Reward.objects.filter(shop=shop).values_list("pk", flat=True))
    if reward.pk not in order:
        raise RewardNotFound("No reward with this code.")
    index = order.index(reward.pk)
    target = min(max(index + step, 0), len(order) - 1)
    order.insert(target, order.pop(index))
    return rewards_reorder(shop=shop, reward_ids=order)


@transaction.atomic
def reward_set_active(*, reward: Reward, active: bool) -> Reward:
    """An inactive reward cannot be redeemed or issued anew; vouchers already issued stay valid."""
    reward.active = bool(active)
    reward.save(update_fields=["active"])  # through save: the rules' cached reward prices follow (loyalty/signals.py)
    return reward
