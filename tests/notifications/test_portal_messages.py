"""The portal's message log: managers and owners read it, filtered; cashiers cannot; another shop's messages
never appear; the owner sets the weekly marketing cap."""

from loyalty.models import MessageStatus, Shop
from loyalty.services.notifications import notify

from .helpers import member_with


def test_managers_and_owners_read_the_log_cashiers_do_not(as_user, shop, owner, manager, cashier):
    notify(member=member_with(shop, name="Lan"), event="tier_up", context={"tier": "Gold"})
    for user in (owner, manager):
        response = as_user(user).get("/portal/messages/")
        assert response.status_code == 200 and b"Lan" in response.content
    assert as_user(cashier).get("/portal/messages/").status_code == 403


def test_the_log_shows_why_a_message_was_skipped_and_filters_by_status(as_user, shop, owner):
    notify(member=member_with(shop, name="Sent Person"), event="tier_up", context={"tier": "Gold"})
    notify(member=member_with(shop, name="No Consent", consent=False), event="birthday", context={"points": 1})
    client = as_user(owner)
    page = client.get("/portal/messages/").content.decode()
    assert "Sent Person" in page and "No Consent" in page and "has not agreed to marketing" in page
    skipped = client.get("/portal/messages/", {"status": MessageStatus.SKIPPED}).content.decode()
    assert "No Consent" in skipped and "Sent Person" not in skipped
    by_event = client.get("/portal/messages/", {"event": "tier_up", "channel": "sms"}, HTTP_HX_REQUEST="true")
    assert b"Sent Person" in by_event.content and b"No Consent" not in by_event.content
    assert b"<html" not in by_event.content, "HTMX gets the results only"


def test_another_shops_messages_never_appear(as_user, shop, owner, other_shop):
    notify(member=member_with(other_shop, name="Elsewhere"), event="tier_up", context={"tier": "Gold"})
    response = as_user(owner).get("/portal/messages/", {"export": "csv"})
    assert response.status_code == 200 and b"Elsewhere" not in response.content
    assert b"Elsewhere" not in as_user(owner).get("/portal/messages/").content


def test_the_owner_sets_the_weekly_cap_a_manager_cannot(as_user, shop, owner, manager):
    assert as_user(manager).post("/portal/messages/marketing-cap/", {"marketing_cap_per_week": 5}).status_code == 403
    response = as_user(owner).post("/portal/messages/marketing-cap/", {"marketing_cap_per_week": 5})
    assert response.status_code == 302 and Shop.objects.get(pk=shop.pk).marketing_cap_per_week == 5
    refused = as_user(owner).post("/portal/messages/marketing-cap/", {"marketing_cap_per_week": 99})
    assert refused.status_code == 400 and Shop.objects.get(pk=shop.pk).marketing_cap_per_week == 5


def test_the_section_is_in_the_navigation_for_managers(as_user, shop, manager, cashier):
    assert b'href="/portal/messages/"' in as_user(manager).get("/portal/").content
    assert b'href="/portal/messages/"' not in as_user(cashier).get("/portal/").content


def test_the_owner_chooses_the_channels_receipts_go_by(shop, client):
    from tests.factories import StaffFactory

    client.force_login(StaffFactory(shop=shop, role="owner").user)
    assert 'name="receipt_channels"' in client.get("/portal/messages/").content.decode()
    response = client.post(
        "/portal/messages/marketing-cap/", {"marketing_cap_per_week": "2", "receipt_channels": ["email", "sms"]}
    )
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.receipt_channels == ["email", "sms"]
