"""The shop services: what they create, and what they refuse."""

from decimal import Decimal

import pytest

from loyalty.errors import ValidationFailed
from loyalty.models import Invitation, Role, StaffMembership
from loyalty.services.shops import (
    invitation_accept,
    invitation_revoke,
    location_create,
    location_update,
    shop_create,
    staff_invite,
    staff_remove,
    staff_role_change,
)
from tests.factories import StaffFactory, UserFactory

VIETNAM = {"country": "VN", "currency": "VND", "timezone_name": "Asia/Ho_Chi_Minh", "language": "vi"}


@pytest.fixture
def user(db):
    return UserFactory()


def test_a_new_shop_has_a_program_a_location_and_its_owner(user):
    shop = shop_create(owner=user, name="Phở Hòa", location_name="Quận 1", **VIETNAM)

    assert shop.slug == "pho-hoa"
    assert (shop.country, shop.currency, shop.timezone, shop.language) == ("VN", "VND", "Asia/Ho_Chi_Minh", "vi")
    assert shop.program.earn_per_amount == Decimal("10000")
    assert shop.program.earn_points == 1
    assert shop.program.points_name == "điểm"
    assert [(loc.code, loc.name) for loc in shop.locations.all()] == [("quan-1", "Quận 1")]
    assert StaffMembership.objects.get(shop=shop).user == user
    assert StaffMembership.objects.get(shop=shop).role == Role.OWNER


def test_a_dollar_shop_earns_a_point_per_dollar_and_names_its_first_location_after_itself(user):
    shop = shop_create(
        owner=user, name="Corner Café", country="US", currency="USD", timezone_name="America/New_York", language="en"
    )

    assert shop.program.earn_per_amount == Decimal("1")
    assert shop.program.points_name == "points"
    assert shop.locations.get().name == "Corner Café"


def test_shops_with_the_same_name_get_different_slugs(user):
    slugs = [shop_create(owner=user, name="Bún Chả", **VIETNAM).slug for _ in range(3)]
    assert slugs == ["bun-cha", "bun-cha-2", "bun-cha-3"]


def test_a_shop_named_like_a_member_page_path_gets_another_slug(user):
    assert shop_create(owner=user, name="Sign In", **VIETNAM).slug == "sign-in-2"
    assert shop_create(owner=user, name="Link", **VIETNAM).slug == "link-2"


def test_a_name_without_letters_still_gets_a_slug(user):
    assert shop_create(owner=user, name="☕☕", **VIETNAM).slug == "shop"


@pytest.mark.parametrize(
    "field, value",
    [
        ("country", "XX"),
        ("country", "vn"),
        ("currency", "ABC"),
        ("timezone_name", "Mars/Olympus"),
        ("timezone_name", "localtime"),
        ("language", "de"),
        ("name", "   "),
    ],
)
def test_invalid_shop_fields_are_refused_by_name(user, field, value):
    fields = {"name": "Shop", **VIETNAM, field: value}
    with pytest.raises(ValidationFailed) as refused:
        shop_create(owner=user, **fields)
    assert set(refused.value.fields) == {"timezone" if field == "timezone_name" else field}
    assert not StaffMembership.objects.filter(user=user).exists()


def test_an_invitation_is_stored_lower_case_with_its_role(shop, owner):
    invitation = staff_invite(shop=shop, email=" Lan@Example.COM ", role=Role.CASHIER, invited_by=owner)
    assert (invitation.email, invitation.role, invitation.invited_by) == ("lan@example.com", "cashier", owner)
    assert len(invitation.token) >= 32


def test_inviting_an_address_again_replaces_its_pending_invitation(shop, owner):
    first = staff_invite(shop=shop, email="lan@example.com", role=Role.CASHIER, invited_by=owner)
    second = staff_invite(shop=shop, email="LAN@example.com", role=Role.MANAGER, invited_by=owner)
    assert list(Invitation.objects.filter(shop=shop)) == [second]
    assert second.token != first.token


def test_staff_cannot_be_invited_again(shop, owner, cashier):
    with pytest.raises(ValidationFailed) as refused:
        staff_invite(shop=shop, email=cashier.email.upper(), role=Role.MANAGER, invited_by=owner)
    assert refused.value.code == "already_staff"


def test_an_unknown_role_is_refused(shop, owner):
    with pytest.raises(ValidationFailed) as refused:
        staff_invite(shop=shop, email="lan@example.com", role="boss", invited_by=owner)
    assert "role" in refused.value.fields


def test_accepting_makes_the_invitee_staff_with_the_invited_role(shop, owner):
    invitation = staff_invite(shop=shop, email="lan@example.com", role=Role.MANAGER, invited_by=owner)
    lan = UserFactory(email="Lan@example.com")

    membership = invitation_accept(invitation=invitation, user=lan)

    assert (membership.shop, membership.user, membership.role) == (shop, lan, Role.MANAGER)
    invitation.refresh_from_db()
    assert invitation.accepted_by == lan and invitation.accepted_at is not None


def test_an_invitation_is_accepted_once(shop, owner):
    invitation = staff_invite(shop=shop, email="lan@example.com", role=Role.CASHIER, invited_by=owner)
    invitation_accept(invitation=invitation, user=UserFactory(email="lan@example.com"))
    with pytest.raises(ValidationFailed) as refused:
        invitation_accept(invitation=invitation, user=UserFactory(email="lan2@example.com"))
    assert refused.value.code == "invitation_used"


def test_an_invitation_is_only_for_its_address(shop, owner):
    invitation = staff_invite(shop=shop, email="lan@example.com", role=Role.OWNER, invited_by=owner)
    with pytest.raises(ValidationFailed) as refused:
        invitation_accept(invitation=invitation, user=UserFactory(email="mallory@example.com"))
    assert refused.value.code == "wrong_email"
    assert not StaffMembership.objects.filter(shop=shop, role=Role.OWNER).exclude(user=owner).exists()


def test_a_pending_invitation_can_be_withdrawn_but_not_an_accepted_one(shop, owner):
    pending = staff_invite(shop=shop, email="a@example.com", role=Role.CASHIER, invited_by=owner)
    invitation_revoke(invitation=pending)
    assert not Invitation.objects.filter(pk=pending.pk).exists()

    accepted = staff_invite(shop=shop, email="b@example.com", role=Role.CASHIER, invited_by=owner)
    invitation_accept(invitation=accepted, user=UserFactory(email="b@example.com"))
    with pytest.raises(ValidationFailed):
        invitation_revoke(invitation=accepted)


def test_roles_change_but_the_last_owner_stays_an_owner(shop, owner, cashier):
    owner_membership = StaffMembership.objects.get(shop=shop, user=owner)
    cashier_membership = StaffMembership.objects.get(shop=shop, user=cashier)

    assert staff_role_change(membership=cashier_membership, role=Role.OWNER).role == Role.OWNER
    assert staff_role_change(membership=owner_membership, role=Role.MANAGER).role == Role.MANAGER
    with pytest.raises(ValidationFailed) as refused:
        staff_role_change(membership=cashier_membership, role=Role.CASHIER)
    assert refused.value.code == "last_owner"


def test_staff_are_removed_but_not_the_last_owner(shop, owner, cashier):
    staff_remove(membership=StaffMembership.objects.get(shop=shop, user=cashier))
    assert not StaffMembership.objects.filter(shop=shop, user=cashier).exists()
    with pytest.raises(ValidationFailed) as refused:
        staff_remove(membership=StaffMembership.objects.get(shop=shop, user=owner))
    assert refused.value.code == "last_owner"


def test_one_of_two_owners_can_leave(shop, owner):
    second = StaffFactory(shop=shop, role=Role.OWNER)
    staff_remove(membership=second)
    assert list(StaffMembership.objects.filter(shop=shop).values_list("user", flat=True)) == [owner.pk]


def test_location_codes_come_from_names_and_stay_unique_per_shop(shop, other_shop):
    first = location_create(shop=shop, name="Hồ Tây")
    second = location_create(shop=shop, name="Hồ  Tây")
    elsewhere = location_create(shop=other_shop, name="Hồ Tây")
    assert (first.code, second.code, elsewhere.code) == ("ho-tay", "ho-tay-2", "ho-tay")


def test_a_chosen_location_code_must_be_free(shop):
    location_create(shop=shop, name="Main", code="main")
    with pytest.raises(ValidationFailed) as refused:
        location_create(shop=shop, name="Another", code="main")
    assert "code" in refused.value.fields


def test_renaming_a_location_keeps_its_code(shop):
    location = location_create(shop=shop, name="Old name")
    location_update(location=location, name="  New name ")
    location.refresh_from_db()
    assert (location.name, location.code) == ("New name", "old-name")


def test_a_location_needs_a_name(shop):
    with pytest.raises(ValidationFailed) as refused:
        location_create(shop=shop, name=" ")
    assert "name" in refused.value.fields
