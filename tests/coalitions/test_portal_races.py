"""Races of the portal's coalition decisions (PostgreSQL, threads): a shop accepting two coalitions' invitations at
once joins exactly one; an accept racing a withdrawal of the same invitation is decided once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coalitions.errors import AlreadyInCoalition, InvitationClosed
from coalitions.models import CoalitionInvitation, CoalitionShop, InvitationStatus
from coalitions.services.forming import coalition_create, coalition_invite, invitation_accept, invitation_revoke
from tests.factories import ShopFactory
from tests.threads import race

pytestmark = pytest.mark.postgres
D = Decimal


def coalition_of(shop, name):
    return coalition_create(
        shop=shop, name=name, points_name="hearts", settlement_period="month",
        cost_per_point=D("100"), reimbursement_per_point=D("90"),
    )  # fmt: skip


def invite(inviter, shop):
    return coalition_invite(inviter=inviter, target=shop.slug, cost_per_point=D("100"), reimbursement_per_point=D("90"))


def test_two_accepts_at_once_join_exactly_one_coalition(transactional_db):
    shop = ShopFactory()
    inviters = [ShopFactory(), ShopFactory()]
    invitations = []
    for n, inviter in enumerate(inviters):
        coalition_of(inviter, f"Club {n}")
        invitations.append(invite(inviter, shop))
    results = race(2, lambda i, _: invitation_accept(shop=shop, invitation_id=invitations[i].pk))
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], AlreadyInCoalition), results
    assert CoalitionShop.objects.current().filter(shop=shop).count() == 1
    statuses = sorted(CoalitionInvitation.objects.values_list("status", flat=True))
    assert statuses == [InvitationStatus.ACCEPTED, InvitationStatus.PENDING]


@pytest.mark.parametrize("attempt", range(3))
def test_an_accept_racing_a_withdrawal_is_decided_once(transactional_db, attempt):
    inviter, shop = ShopFactory(), ShopFactory()
    coalition_of(inviter, "Club")
    invitation = invite(inviter, shop)
    actions = [
        lambda: invitation_accept(shop=shop, invitation_id=invitation.pk),
        lambda: invitation_revoke(shop=inviter, invitation_id=invitation.pk),
    ]
    results = race(2, lambda i, _: actions[i]())
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], InvitationClosed), results
    invitation.refresh_from_db()
    joined = CoalitionShop.objects.current().filter(shop=shop).exists()
    assert (invitation.status == InvitationStatus.ACCEPTED) == joined
    assert invitation.status in (InvitationStatus.ACCEPTED, InvitationStatus.REVOKED)
