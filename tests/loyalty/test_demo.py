"""`manage.py demo` loads the demo café once; running it again changes nothing."""

from django.core.management import call_command

from loyalty.models import LedgerEntry, Member, Purchase, Shop, StaffMembership
from loyalty.services.invariants import ledger_violations
from rewards.models import Voucher


def counts():
    return [model.objects.count() for model in (Shop, Member, Purchase, LedgerEntry, StaffMembership, Voucher)]


def test_the_demo_loads_once_with_history_and_a_sound_ledger(db, capsys):
    call_command("demo")
    first = counts()
    printed = capsys.readouterr().out
    assert "owner@demo.regulars.local" in printed and "cashier@demo.regulars.local" in printed
    assert first[1] >= 10 and first[2] >= 20 and first[5] >= 1
    call_command("demo")
    assert counts() == first
    assert ledger_violations() == []
    shop = Shop.objects.get(slug="demo-cafe")
    assert shop.program.tiers.count() == 2 and shop.program.stamp_cards.count() == 1 and shop.rewards.count() == 5


def test_the_demos_coffee_card_is_stamped_from_the_counters_buttons(db, client):
    """The demo café's stamp card counts coffees: the counter has a button for each coffee of the menu."""
    from loyalty.models import QuickItem, StampProgress

    call_command("demo")
    shop = Shop.objects.get(slug="demo-cafe")
    coffee = QuickItem.objects.filter(shop=shop, category="coffee").first()
    assert coffee is not None
    client.force_login(StaffMembership.objects.get(shop=shop, role="cashier").user)
    client.post("/counter/location/", {"location": shop.locations.first().pk})  # the café has two
    member = Member.objects.filter(shop=shop).first()
    before = StampProgress.objects.filter(account_id=member.account_id).values_list("count", flat=True).first() or 0
    page = client.get(f"/counter/members/{member.pk}/")
    assert coffee.label in page.content.decode()
    response = client.post(
        f"/counter/members/{member.pk}/purchase/",
        {"idempotency_key": "demo0stamp0key1", "generated_receipt": "DEMO-STAMP-1", f"item_{coffee.pk}": "2"},
    )
    assert response.status_code == 302
    after = StampProgress.objects.get(account_id=member.account_id).count
    assert after == (before + 2) % 8 or after == before + 2


def test_demo_members_joined_when_their_history_began(db):
    call_command("demo")
    member = Member.objects.filter(shop__slug="demo-cafe").order_by("pk").first()
    first_entry = LedgerEntry.objects.filter(account_id=member.account_id).order_by("occurred_at").first()
    assert member.created_at <= first_entry.occurred_at
