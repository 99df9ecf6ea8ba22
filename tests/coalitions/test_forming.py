"""Forming a coalition in the portal's services: create, invite by slug or owner's email, accept (as the
coalition document's import joins a shop), decline, withdraw, expiry, currency and one-coalition refusals."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from coalitions.errors import AlreadyInCoalition, CurrencyMismatch, InvitationClosed
from coalitions.models import CoalitionShop, InvitationStatus
from coalitions.services.forming import (
    coalition_create,
    coalition_invite,
    invitation_accept,
    invitation_decline,
    invitation_revoke,
    invitations_received,
)
from loyalty.errors import NotFound, ValidationFailed
from loyalty.models import Role
from loyalty.services.members import member_lookup
from tests.factories import ProgramFactory, StaffFactory, UserFactory, enrol

pytestmark = pytest.mark.django_db
D = Decimal


def shop_of(currency="VND", **fields):
    shop = ProgramFactory(shop__currency=currency, **{f"shop__{k}": v for k, v in fields.items()}).shop
    StaffFactory(shop=shop, role=Role.OWNER)
    return shop


def form(shop, name="Street club"):
    return coalition_create(
        shop=shop, name=name, points_name="hearts", settlement_period="month",
        cost_per_point=D("100"), reimbursement_per_point=D("90"),
    )  # fmt: skip


def invite(inviter, target, at=None):
    return coalition_invite(
        inviter=inviter, target=target, cost_per_point=D("120"), reimbursement_per_point=D("80"), at=at
    )


def test_a_coalition_is_formed_in_the_shops_currency_with_the_shop_as_its_first_member():
    cafe = shop_of()
    coalition = form(cafe)
    assert (coalition.code, coalition.currency, coalition.points_name) == ("street-club", "VND", "hearts")
    term = CoalitionShop.objects.get(coalition=coalition)
    assert (term.shop, term.cost_per_point, term.reimbursement_per_point) == (cafe, D("100"), D("90"))
    with pytest.raises(AlreadyInCoalition):
        form(cafe, "Another")
    assert form(shop_of(), "Street club").code == "street-club-2"


def test_an_invited_owner_gets_the_terms_by_email_and_accepting_joins_the_shop_on_them(
    django_capture_on_commit_callbacks,
):
    cafe, bakery = shop_of(), shop_of(slug="bakery")
    coalition = form(cafe)
    customer = enrol(cafe)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(cafe, "bakery")
    owner_email = bakery.staff.get().user.email
    assert [m.to for m in mail.outbox] == [[owner_email]]
    assert "120" in mail.outbox[0].body and "80" in mail.outbox[0].body and coalition.name in mail.outbox[0].subject
    assert list(invitations_received(bakery)) == [invitation]
    term = invitation_accept(shop=bakery, invitation_id=invitation.pk)
    assert (term.coalition, term.cost_per_point, term.reimbursement_per_point) == (coalition, D("120"), D("80"))
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert member_lookup(bakery, customer.phone).account_id == customer.account_id, "one balance from now on"


def test_a_shop_is_found_by_its_owners_email():
    cafe, florist = shop_of(), shop_of()
    form(cafe)
    user = UserFactory(email="Owner@Florist.example")
    StaffFactory(shop=florist, user=user, role=Role.OWNER)
    assert invite(cafe, "owner@florist.example").shop == florist
    with pytest.raises(NotFound):
        invite(cafe, "nobody@example.com")


def test_a_shop_of_another_currency_cannot_be_invited_and_the_message_names_both_currencies():
    cafe, _diner = shop_of(), shop_of(currency="USD", slug="diner")
    form(cafe)
    with pytest.raises(CurrencyMismatch) as refused:
        invite(cafe, "diner")
    assert "USD" in refused.value.message and "VND" in refused.value.message


def test_a_shop_in_another_coalition_can_be_neither_invited_nor_accept():
    cafe, bakery, florist = shop_of(), shop_of(slug="bakery"), shop_of()
    form(cafe)
    invitation = invite(cafe, "bakery")
    form(florist, "Other club")
    invitation_accept(shop=bakery, invitation_id=invitation.pk)
    with pytest.raises(AlreadyInCoalition):
        invite(florist, "bakery")


def test_accepting_while_in_another_coalition_is_refused_and_changes_nothing():
    cafe, bakery = shop_of(), shop_of(slug="bakery")
    form(cafe)
    invitation = invite(cafe, "bakery")
    form(bakery, "Bakery club")
    with pytest.raises(AlreadyInCoalition):
        invitation_accept(shop=bakery, invitation_id=invitation.pk)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert CoalitionShop.objects.filter(shop=bakery).count() == 1


def test_declined_withdrawn_and_expired_invitations_cannot_be_accepted():
    cafe, bakery, florist, deli = shop_of(), shop_of(slug="bakery"), shop_of(slug="florist"), shop_of(slug="deli")
    form(cafe)
    declined, withdrawn = invite(cafe, "bakery"), invite(cafe, "florist")
    invitation_decline(shop=bakery, invitation_id=declined.pk)
    invitation_revoke(shop=cafe, invitation_id=withdrawn.pk)
    with pytest.raises(InvitationClosed):
        invitation_accept(shop=bakery, invitation_id=declined.pk)
    with pytest.raises(InvitationClosed):
        invitation_accept(shop=florist, invitation_id=withdrawn.pk)
    old = invite(cafe, "deli", at=timezone.now() - timedelta(days=15))
    assert list(invitations_received(deli)) == []
    with pytest.raises(InvitationClosed):
        invitation_accept(shop=deli, invitation_id=old.pk)
    again = invite(cafe, "deli")  # the expired one is closed, a new one made
    old.refresh_from_db()
    assert old.status == InvitationStatus.EXPIRED and again.status == InvitationStatus.PENDING
    with pytest.raises(ValidationFailed):
        invite(cafe, "deli")  # waiting for an answer already


def test_only_the_invited_shop_answers_and_only_the_coalitions_shops_withdraw():
    cafe, _bakery, stranger = shop_of(), shop_of(slug="bakery"), shop_of()
    form(cafe)
    invitation = invite(cafe, "bakery")
    for service, shop in ((invitation_accept, stranger), (invitation_decline, cafe), (invitation_revoke, stranger)):
        with pytest.raises(NotFound):
            service(shop=shop, invitation_id=invitation.pk)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
