"""Forming a coalition in the portal: an owner creates one, invites other shops on terms, and the invited owner
accepts (which joins the shop exactly as the coalition document's import does) or declines; an invitation is
withdrawn by an owner of the coalition or expires unanswered after INVITATION_DAYS."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from loyalty.errors import NotFound, ValidationFailed
from loyalty.models import Role, Shop, StaffMembership

from ..config import currency_refusal, member_join
from ..emails import invitation_email_send
from ..errors import AlreadyInCoalition, CurrencyMismatch, InvitationClosed
from ..models import Coalition, CoalitionInvitation, CoalitionShop, InvitationStatus

INVITATION_DAYS = 14
NAME_MAX, POINTS_NAME_MAX = 200, 40
PERIODS = ("month",)


def current_term(shop: Shop) -> CoalitionShop | None:
    """The shop's membership of the coalition it is in now, with the coalition."""
    return CoalitionShop.objects.current().filter(shop=shop).select_related("coalition").first()


def _lock_shop(shop: Shop) -> None:
    """A shop's joining (forming one, accepting an invitation) is decided under its row lock, so two at once end
    with one coalition; NO KEY: purchases and ledger entries naming the shop go on meanwhile."""
    Shop.objects.select_for_update(no_key=True).filter(pk=shop.pk).first()


def _unique_code(name: str) -> str:
    base = (slugify(name)[:50] or "coalition").strip("-") or "coalition"
    code, n = base, 1
    while Coalition.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


@transaction.atomic
def coalition_create(
    *,
    shop: Shop,
    name: str,
    points_name: str,
    settlement_period: str,
    cost_per_point: Decimal,
    reimbursement_per_point: Decimal,
    at=None,
) -> Coalition:
    """A new coalition in the shop's currency with the shop as its first member on these terms."""
    _lock_shop(shop)
    if current_term(shop) is not None:
        raise AlreadyInCoalition(_("Your shop is already in a coalition: leave it before forming another."))
    name, points_name = name.strip(), points_name.strip() or "points"
    if not name:
        raise ValidationFailed(fields={"name": _("Give the coalition a name.")}, code="invalid_name")
    if settlement_period not in PERIODS:
        raise ValidationFailed(fields={"settlement_period": _("Only monthly settlement.")}, code="invalid_period")
    if len(name) > NAME_MAX or len(points_name) > POINTS_NAME_MAX:
        raise ValidationFailed(fields={"name": _("The names are too long.")}, code="invalid_name")
    coalition = _coalition_new(
        name=name, points_name=points_name, currency=shop.currency, settlement_period=settlement_period
    )
    at = at or timezone.now()
    member_join(
        coalition=coalition, shop=shop, cost=cost_per_point, reimbursement=reimbursement_per_point, position=0, at=at
    )
    return coalition


def _coalition_new(**fields) -> Coalition:
    """A new coalition under a code made from its name; a code taken meanwhile by another is drawn again (never
    joined: a creation never updates someone else's coalition)."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Coalition.objects.create(code=_unique_code(fields["name"]), **fields)
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a free coalition code")


def invitee_find(target: str) -> Shop:
    """The shop named by its slug, or by its owner's email when that person owns exactly one shop."""
    target = target.strip()
    shop = Shop.objects.filter(slug=target.lower()).first()
    if shop is not None:
        return shop
    if "@" in target:
        users = get_user_model().objects.filter(Q(email__iexact=target) | Q(emailaddress__email__iexact=target))
        owned = Shop.objects.filter(
            pk__in=StaffMembership.objects.filter(role=Role.OWNER, user__in=users).values("shop_id")
        )
        shops = list(owned[:2])
        if len(shops) == 1:
            return shops[0]
        if len(shops) > 1:
            message = _("This person owns several shops: invite the shop by its address name (slug).")
            raise ValidationFailed(message, fields={"shop": message}, code="several_shops")
    message = _("No shop has this address name (slug) or an owner with this email.")
    raise NotFound(message, code="shop_not_found", fields={"shop": message})


@transaction.atomic
def coalition_invite(
    *, inviter: Shop, target: str, cost_per_point: Decimal, reimbursement_per_point: Decimal, by=None, at=None
) -> CoalitionInvitation:
    """An invitation from the inviter's coalition to another shop on these terms. A shop of another currency, one
    in a coalition already, or one invited and not yet answering is refused; an expired invitation is closed
    and a new one made."""
    at = at or timezone.now()
    term = current_term(inviter)
    if term is None:
        raise NotFound(_("Your shop is not in a coalition."), code="coalition_not_found")
    coalition = Coalition.objects.select_for_update().get(pk=term.coalition_id)
    shop = invitee_find(target)
    if shop == inviter or CoalitionShop.objects.current().filter(shop=shop, coalition=coalition).exists():
        raise ValidationFailed(fields={"shop": _("This shop is in the coalition already.")}, code="already_member")
    if refusal := currency_refusal(shop, coalition.currency):
        raise CurrencyMismatch(refusal, fields={"shop": refusal})
    if CoalitionShop.objects.current().filter(shop=shop).exists():
        message = _("%(shop)s is already in another coalition.") % {"shop": shop.name}
        raise AlreadyInCoalition(message, fields={"shop": message})
    pending = CoalitionInvitation.objects.filter(coalition=coalition, shop=shop, status=InvitationStatus.PENDING)
    pending.filter(expires_at__lte=at).update(status=InvitationStatus.EXPIRED, decided_at=at)
    if pending.exists():
        message = _("%(shop)s has been invited already and has not answered yet.") % {"shop": shop.name}
        raise ValidationFailed(message, fields={"shop": message}, code="already_invited")
    invitation = CoalitionInvitation.objects.create(
        coalition=coalition,
        shop=shop,
        cost_per_point=cost_per_point,
        reimbursement_per_point=reimbursement_per_point,
        invited_by_shop=inviter,
        invited_by=by,
        created_at=at,
        expires_at=at + timedelta(days=INVITATION_DAYS),
    )
    transaction.on_commit(lambda: invitation_email_send(invitation))
    return invitation


def invitations_received(shop: Shop, at=None):
    """The invitations the shop may still answer, newest first."""
    at = at or timezone.now()
    return CoalitionInvitation.objects.filter(
        shop=shop, status=InvitationStatus.PENDING, expires_at__gt=at
    ).select_related("coalition", "invited_by_shop")


def invitations_sent(coalition: Coalition):
    return CoalitionInvitation.objects.filter(coalition=coalition).select_related("shop").order_by("-created_at")[:50]


def _open(invitation_id: int, at, **scope) -> CoalitionInvitation:
    """The invitation locked, if the scope may answer it and it still waits for an answer."""
    invitation = CoalitionInvitation.objects.select_for_update().filter(pk=invitation_id, **scope).first()
    if invitation is None:
        raise NotFound(_("No such invitation."), code="invitation_not_found")
    if invitation.status != InvitationStatus.PENDING:
        raise InvitationClosed(
            _("This invitation was %(status)s already.") % {"status": invitation.get_status_display()}
        )
    if invitation.expires_at <= at:
        raise InvitationClosed(_("This invitation has expired: ask for a new one."))
    return invitation


def _close(invitation: CoalitionInvitation, status: str, by, at) -> CoalitionInvitation:
    invitation.status, invitation.decided_by, invitation.decided_at = status, by, at
    invitation.save(update_fields=["status", "decided_by", "decided_at"])
    return invitation


@transaction.atomic
def invitation_accept(*, shop: Shop, invitation_id: int, by=None, at=None) -> CoalitionShop:
    """The shop joins the coalition on the invitation's terms, as the coalition document's import would join it.
    The invitation's row lock makes a double click (or an accept racing a withdrawal) decide once."""
    at = at or timezone.now()
    invitation = _open(invitation_id, at, shop=shop)
    coalition = Coalition.objects.select_for_update().get(pk=invitation.coalition_id)
    _lock_shop(shop)
    position = (CoalitionShop.objects.filter(coalition=coalition).aggregate(last=Max("position"))["last"] or 0) + 1
    try:
        term = member_join(
            coalition=coalition,
            shop=shop,
            cost=invitation.cost_per_point,
            reimbursement=invitation.reimbursement_per_point,
            position=position,
            at=at,
        )
    except AlreadyInCoalition:
        raise AlreadyInCoalition(_("Your shop is already in another coalition: leave it first.")) from None
    _close(invitation, InvitationStatus.ACCEPTED, by, at)
    return term


@transaction.atomic
def invitation_decline(*, shop: Shop, invitation_id: int, by=None, at=None) -> CoalitionInvitation:
    at = at or timezone.now()
    return _close(_open(invitation_id, at, shop=shop), InvitationStatus.DECLINED, by, at)


@transaction.atomic
def invitation_revoke(*, shop: Shop, invitation_id: int, by=None, at=None) -> CoalitionInvitation:
    """Withdrawn by an owner of a shop in the inviting coalition, before it is answered."""
    at = at or timezone.now()
    term = current_term(shop)
    if term is None:
        raise NotFound(_("No such invitation."), code="invitation_not_found")
    return _close(_open(invitation_id, at, coalition_id=term.coalition_id), InvitationStatus.REVOKED, by, at)
