"""Enrolling members, finding them, their cards and QR payloads, merging duplicates."""

from __future__ import annotations

import contextlib
import secrets
from datetime import date, datetime

import phonenumbers
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from loyalty import hooks
from loyalty.errors import CardInUse, MemberExists, NotFound, ValidationFailed
from loyalty.models import Account, Card, ConsentChange, Member, MemberChange, Purchase, Shop, StampProgress, TierLevel
from rewards.models import Voucher

from .bonuses import bonus_award
from .ledger import Actor, account_lock, merge_points
from .message_queue import welcome_queue
from .sql import MAX_ID, select_joined, table
from .tiers import starting_tier
from .transactions import atomic_service
from .wallet import wallet_move
from .webhooks import webhook_emit

QR_SALT = "regulars.member-qr"
REFERRAL_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"


# ---------------------------------------------------------------- phone numbers


def phone_normalise(raw: str, country: str) -> str:
    """Any common format to E.164, read in the shop's country; raises ValidationFailed(invalid_phone)."""
    try:
        parsed = phonenumbers.parse(str(raw), country)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ValidationFailed(
            "This is not a valid phone number.", fields={"phone": "not a valid phone number"}, code="invalid_phone"
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_grouped(e164: str) -> str:
    """The number read back in groups (international format), so a typo is caught; what is no number (an
    erased member's placeholder) as it is."""
    try:
        parsed = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# ---------------------------------------------------------------- card numbers (Luhn check digit)


def luhn_digit(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return str((10 - total % 10) % 10)


def card_number_valid(number: str) -> bool:
    return number.isdigit() and len(number) >= 6 and luhn_digit(number[:-1]) == number[-1]


def card_number_new() -> str:
    """Nine digits: eight random and a check digit, so one mistyped digit is caught."""
    body = str(secrets.randbelow(9 * 10**7) + 10**7)
    return body + luhn_digit(body)


def _card_issue(shop: Shop, member: Member) -> Card:
    for _attempt in range(10):
        number = card_number_new()
        try:
            with transaction.atomic():
                return Card.objects.create(shop=shop, number=number, member=member)
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a free card number")


def card_attach(*, member: Member, number: str) -> Card:
    """Attach a pre-printed card (or a replacement) to a member; their previous card is blocked."""
    number = number.strip().replace(" ", "")
    if not card_number_valid(number):
        raise ValidationFailed(
            "The card number's check digit is wrong.",
            fields={"card_number": "invalid card number"},
            code="invalid_card_number",
        )
    with transaction.atomic():
        card = Card.objects.select_for_update().filter(number=number).first()
        if card is not None and (
            card.shop_id != member.shop_id or (card.member_id not in (None, member.pk)) or card.blocked_at
        ):
            raise CardInUse("This card belongs to another member.", fields={"card_number": "in use"})
        if card is None:
            card = Card.objects.create(shop=member.shop, number=number, member=member, printed=True)
        else:
            card.member = member
            card.save(update_fields=["member"])
        Card.objects.filter(member=member, blocked_at__isnull=True).exclude(pk=card.pk).update(
            blocked_at=timezone.now()
        )
    return card


def card_block(*, card: Card, at: datetime | None = None) -> Card:
    """Block a lost or stolen card: it finds its member no more and cannot be attached again. Blocking a
    blocked card changes nothing (it keeps the time it was first blocked)."""
    at = at or timezone.now()
    with transaction.atomic():
        Card.objects.filter(pk=card.pk, blocked_at__isnull=True).update(blocked_at=at)
        card.refresh_from_db(fields=["blocked_at"])
    return card


def member_card_number(member: Member) -> str | None:
    card = next((c for c in member.cards.all() if c.blocked_at is None), None)
    return card.number if card else None


# ---------------------------------------------------------------- QR payloads


def qr_payload(member: Member) -> str:
    """A signed, timestamped payload naming the member: it rotates, expires, and cannot be edited into another."""
    return signing.TimestampSigner(salt=QR_SALT).sign(f"M{member.pk}.{member.qr_key_version}")


def qr_payload_named(payload: str, *, max_age: int | None = None) -> tuple[int, int] | None:
    """The (member id, key version) a genuine, fresh payload names, or None."""
    try:
        value = signing.TimestampSigner(salt=QR_SALT).unsign(
            payload, max_age=max_age if max_age is not None else settings.QR_PAYLOAD_MAX_AGE
        )
    except signing.BadSignature:
        return None
    member_part, _, version = value[1:].partition(".")
    if not (member_part.isdigit() and version.isdigit()) or not 0 < int(member_part) <= MAX_ID:
        return None
    return int(member_part), int(version)


def qr_payload_member(shop: Shop, payload: str, *, max_age: int | None = None) -> Member | None:
    named = qr_payload_named(payload, max_age=max_age)
    if named is None:
        return None
    return _member_where(shop, "m.id = %s AND m.qr_key_version = %s AND m.merged_into_id IS NULL", list(named))


# ---------------------------------------------------------------- lookup


def member_lookup(shop: Shop, query: str) -> Member:
    """A scanned QR payload, a card number (with a valid check digit) or a phone, tried in that order."""
    query = (query or "").strip()
    if not query:
        raise NotFound("Member not found.", code="member_not_found")
    named = qr_payload_named(query) if ":" in query else None
    member = None
    if named is not None:
        member = _member_where(shop, "m.id = %s AND m.qr_key_version = %s AND m.merged_into_id IS NULL", list(named))
        if member is None:  # a card another shop issued, shown where that shop shares the account (a coalition)
            member = _shared_card_holder(shop, Q(pk=named[0], qr_key_version=named[1]))
    compact = query.replace(" ", "").replace("-", "")
    if member is None and card_number_valid(compact):
        member = _member_where(
            shop,
            f"m.id = (SELECT c.member_id FROM {table(Card)} c WHERE c.shop_id = %s AND c.number = %s"
            " AND c.blocked_at IS NULL)",
            [shop.pk, compact],
        )
        if member is None:
            member = _shared_card_holder(shop, Q(cards__number=compact, cards__blocked_at__isnull=True))
    if member is None:
        try:
            phone = phone_normalise(query, shop.country)
        except ValidationFailed:
            phone = None
        if phone:
            member = _member_where(shop, "m.phone = %s AND m.merged_into_id IS NULL", [phone])
        if member is None and phone:
            member = _shared_member_enrol(shop, phone)
    if member is None or member.merged_into_id:
        raise NotFound("Member not found.", code="member_not_found")
    return member


def _shared_member_enrol(shop: Shop, phone: str) -> Member | None:
    """A phone whose account another shop shares with this one (a coalition) is recognised here: it becomes a
    member of this shop on that account, with the name it gave there (what the counter greets; the email and the
    rest stay with the shop they were given to)."""
    other = hooks.shared_member_for(shop, phone)
    if other is None:
        return None
    with contextlib.suppress(MemberExists):  # a concurrent lookup enrolled it first
        member_enrol(shop=shop, phone=phone, name=other.name, channel="shared")
    return _member_where(shop, "m.phone = %s AND m.merged_into_id IS NULL", [phone])


def _shared_card_holder(shop: Shop, issued: Q) -> Member | None:
    """The member of this shop on the account of another shop's member named by `issued` (its card or QR
    payload), when that shop shares the account with this one (hooks.shared_member); enrolled here at the first
    visit, as a phone lookup would. Nothing of the other shop's member is answered: only this shop's own member."""
    holder = Member.objects.current().filter(issued).exclude(shop=shop).only("id", "phone", "account_id").first()
    if holder is None:
        return None
    shared = hooks.shared_member_for(shop, holder.phone)
    if shared is None or shared.account_id != holder.account_id:
        return None
    member = _member_where(shop, "m.account_id = %s AND m.merged_into_id IS NULL", [holder.account_id])
    if member is None:
        member = _shared_member_enrol(shop, holder.phone)
    return member if member is not None and member.account_id == holder.account_id else None


def member_get(shop: Shop, member_id) -> Member:
    """The shop's member by id, with its account and tier (a NotFound for anything else)."""
    try:
        pk = int(str(member_id))
    except ValueError:
        pk = 0
    member = _member_where(shop, "m.id = %s", [pk]) if 0 < pk <= MAX_ID else None
    if member is None:
        raise NotFound("Member not found.", code="member_not_found")
    return member


def _member_where(shop: Shop, condition: str, params: list) -> Member | None:
    """The shop's member the SQL `condition` on `m` names, with its account and tier, in one statement (every
    till request that names a member); the shop and, when the shop's object holds it, the program are the
    caller's objects."""
    rows = select_joined(
        [(Member, "m"), (Account, "a"), (TierLevel, "t")],
        f"FROM {table(Member)} m JOIN {table(Account)} a ON a.id = m.account_id"
        f" LEFT JOIN {table(TierLevel)} t ON t.id = a.tier_id WHERE m.shop_id = %s AND {condition}",
        [shop.pk, *params],
    )
    if not rows:
        return None
    member, account, tier = rows[0]
    member.shop, member.account, account.tier = shop, account, tier
    if Shop.program.related.is_cached(shop) and shop.program and shop.program.pk == account.program_id:
        account.program = shop.program
    return member


# ---------------------------------------------------------------- enrolment


def _referral_code_new() -> str:
    return "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(7))


def code_normalise(raw: str) -> str:
    """A code as people type or say it ("linh 7q", "LINH-7Q"): upper case, without spaces and dashes."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def referrer_by_code(shop: Shop, code: str) -> Member | None:
    """The current member whose referral code this is, in any case and with spaces."""
    code = code_normalise(code)
    if not code:
        return None
    member = Member.objects.current().filter(shop=shop, referral_code=code).first()
    return member or hooks.referrer_found_by_apps(shop, code)


@atomic_service
def member_enrol(
    *,
    shop: Shop,
    phone: str,
    name: str = "",
    email: str = "",
    birthday: date | None = None,
    marketing_consent: bool = False,
    consent_source: str = "",
    card_number: str = "",
    referral_code: str = "",
    partner_code: str = "",
    channel: str = "till",
    device: str = "",
    actor: Actor | None = None,
    at: datetime | None = None,
) -> Member:
    """Enrol a customer: a member of the shop with an account in its program, a card, the signup bonus. The codes
    it came with go to the program apps (hooks.MemberEnrolled), which refuse one they do not know."""
    explicit_moment = at is not None
    at = at or timezone.now()
    actor = actor or Actor(shop=shop)
    e164 = phone_normalise(phone, shop.country)
    existing = Member.objects.filter(shop=shop, phone=e164, merged_into__isnull=True).only("id").first()
    if existing:
        raise MemberExists("A member with this phone is already enrolled.", fields={"member": str(existing.pk)})
    if referral_code and referrer_by_code(shop, referral_code) is None:
        raise ValidationFailed(
            "No member has this referral code.", fields={"referral_code": "unknown code"}, code="invalid_referral_code"
        )
    account, own_account = _account_for_enrolment(shop, e164, at)
    try:
        with transaction.atomic():
            member = Member.objects.create(
                shop=shop,
                account=account,
                phone=e164,
                name=name.strip(),
                email=email.strip().lower(),
                birthday=birthday,
                enrolled_location=actor.location,
                enrolled_by=actor.staff,
                referral_code=_unique_referral_code(),
            )
    except IntegrityError:
        raise MemberExists("A member with this phone is already enrolled.") from None
    if explicit_moment:  # an enrolment recorded as of another moment (an import, the demo) joined then
        Member.objects.filter(pk=member.pk).update(created_at=at)
        member.created_at = at
        if own_account:
            Account.objects.filter(pk=account.pk).update(created_at=at)
            account.created_at = at
    if marketing_consent:
        consent_set(member=member, granted=True, source=consent_source, by=actor.staff, at=at)
    if card_number:
        card_attach(member=member, number=card_number)
    else:
        _card_issue(shop, member)
    bonus_award(member=member, event="signup", actor=actor, at=at)
    hooks.emit(
        hooks.MemberEnrolled(
            member=member,
            actor=actor,
            at=at,
            channel=channel,
            referral_code=code_normalise(referral_code),
            partner_code=code_normalise(partner_code),
            device=device,
        )
    )
    webhook_emit(
        shop,
        "member.enrolled",
        lambda: {
            "member": str(member.pk),
            "phone": member.phone,
            "name": member.name,
            "email": member.email,
            "card_number": member_card_number(member),
        },
    )
    welcome_queue(member)
    return member


def _account_for_enrolment(shop: Shop, phone: str, at: datetime) -> tuple[Account, bool]:
    """The account another shop shares with this one for this phone (a coalition's), else a new one (True)."""
    shared = hooks.shared_member_for(shop, phone)
    if shared is not None:
        return shared.account, False
    tiers = list(shop.program.tiers.order_by("threshold"))
    first_tier = starting_tier(tiers)
    return Account.objects.create(program=shop.program, tier=first_tier, tier_since=at if first_tier else None), True


@atomic_service
def consent_set(*, member: Member, granted: bool, source: str, by=None, at: datetime | None = None) -> Member:
    """Grant or withdraw marketing consent; every change is recorded with its time and source. Decided on the
    locked row, not on the caller's copy: two taps of an unsubscribe link record one withdrawal."""
    current = Member.objects.select_for_update().only("marketing_consent").get(pk=member.pk)
    if granted == current.marketing_consent:
        member.marketing_consent = granted
        return member
    at = at or timezone.now()
    member.marketing_consent, member.consent_at, member.consent_source = granted, at, source
    Member.objects.filter(pk=member.pk).update(marketing_consent=granted, consent_at=at, consent_source=source)
    ConsentChange.objects.create(member=member, granted=granted, source=source, at=at, by=by)
    return member


def _unique_referral_code() -> str:
    while True:
        code = _referral_code_new()
        if not Member.objects.filter(referral_code=code).exists():
            return code


@transaction.atomic
def member_update(*, member: Member, **fields) -> Member:
    """Change a member's personal data; consent changes record their time and source. Only the named fields
    are written, on the locked row, so a page loaded before an erasure or a merge cannot write it back."""
    at = timezone.now()
    locked = Member.objects.select_for_update().only("erased_at", "merged_into").get(pk=member.pk)
    if locked.erased_at or locked.merged_into_id:
        raise ValidationFailed(
            "This member's personal data was erased, or the member was merged into another.",
            fields={"member": "not current"},
            code="member_not_current",
        )
    if "phone" in fields:
        fields["phone"] = phone_normalise(fields["phone"], member.shop.country)
        clash = Member.objects.filter(shop=member.shop, phone=fields["phone"], merged_into__isnull=True).exclude(
            pk=member.pk
        )
        if clash.exists():
            raise MemberExists("Another member has this phone.", fields={"member": str(clash.first().pk)})
    source = fields.pop("consent_source", "portal")
    by = fields.pop("by", None)
    if "marketing_consent" in fields:
        consent_set(member=member, granted=fields.pop("marketing_consent"), source=source, by=by, at=at)
    fields = _details_checked(fields)
    changed = {
        name: [_as_json(getattr(member, name)), _as_json(value)]
        for name, value in fields.items()
        if name in RECORDED_DETAILS and getattr(member, name) != value
    }
    for name, value in fields.items():
        setattr(member, name, value)
    if fields:
        member.save(update_fields=list(fields))
    if changed:
        MemberChange.objects.create(member=member, at=at, by=by, changed=changed)
    return member


RECORDED_DETAILS = ("name", "phone", "email", "birthday")


def _details_checked(fields: dict) -> dict:
    """Names and emails as they are kept: trimmed, the email lower case and valid."""
    fields = dict(fields)
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()[:200]
    if "email" in fields:
        email = (fields["email"] or "").strip().lower()
        if email:
            try:
                validate_email(email)
            except DjangoValidationError:
                raise ValidationFailed(fields={"email": "not a valid email address"}, code="invalid_email") from None
        fields["email"] = email
    return fields


def _as_json(value):
    return value.isoformat() if isinstance(value, date) else value


@transaction.atomic
def members_merge(*, keep: Member, duplicate: Member, actor: Actor, at: datetime | None = None) -> Member:
    """Support merges a customer who enrolled twice. The duplicate's lots are consumed by one `merge` entry and
    mirrored as `merge` lots with the same dates on the kept account; wallet money, stamps, vouchers and
    purchases move to the kept member, the program apps move theirs (hooks.MembersMerged); the duplicate is
    closed, nothing is deleted (LEDGER.md: Merge)."""
    at = at or timezone.now()
    if keep.pk == duplicate.pk or keep.shop_id != duplicate.shop_id:
        raise ValidationFailed(fields={"duplicate": "must be another member of the same shop"})
    if duplicate.merged_into_id:
        raise ValidationFailed(fields={"duplicate": "was already merged"})
    first, second = sorted([keep.account_id, duplicate.account_id])  # one lock order for two accounts
    locked = {first: account_lock(first), second: account_lock(second)}
    source, target = locked[duplicate.account_id], locked[keep.account_id]
    merge_points(source=source, target=target, actor=actor, at=at)
    wallet_move(source=source, target=target, shop=keep.shop)
    _stamps_move(source, target)
    Voucher.objects.filter(account=source).update(account=target, member=keep)
    _purchases_move(duplicate, keep, source, target)
    Account.objects.filter(pk=source.pk).update(closed_at=at)
    Card.objects.filter(member=duplicate, blocked_at__isnull=True).update(blocked_at=at)
    duplicate.merged_into = keep
    duplicate.save(update_fields=["merged_into"])
    hooks.emit(hooks.MembersMerged(keep=keep, duplicate=duplicate, at=at))
    return keep


def _purchases_move(duplicate: Member, keep: Member, source: Account, target: Account) -> None:
    """The duplicate's purchases become the kept member's, on the kept account (what the apps count from the
    account, a challenge's visits, counts them there), with the account's purchase figures."""
    moved = Purchase.objects.filter(member=duplicate, account=source).update(member=keep, account=target)
    duplicate.purchases.update(member=keep)
    if not moved:
        return
    last = max(filter(None, (source.last_purchase_at, target.last_purchase_at)), default=None)
    Account.objects.filter(pk=source.pk).update(purchases_count=F("purchases_count") - moved)
    Account.objects.filter(pk=target.pk).update(purchases_count=F("purchases_count") + moved, last_purchase_at=last)
    target.purchases_count += moved
    target.last_purchase_at = last


def _stamps_move(source: Account, target: Account) -> None:
    for progress in StampProgress.objects.filter(account=source).exclude(count=0):
        kept, _ = StampProgress.objects.get_or_create(account=target, card=progress.card)
        kept.count += progress.count
        kept.save(update_fields=["count"])
        StampProgress.objects.filter(pk=progress.pk).update(count=0)
