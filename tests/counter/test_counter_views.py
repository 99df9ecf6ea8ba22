"""The counter screen's pages and actions: what a cashier sees and what each action does, its refusals, and who
may do what."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from loyalty.counter import present, state
from loyalty.models import EntryKind, LedgerEntry, Location, Member, Purchase, Refund, StampEntry
from loyalty.services.counter import staff_pin_set
from loyalty.services.invariants import ledger_violations
from loyalty.services.ledger import Actor, points_available
from loyalty.services.members import card_number_new, qr_payload
from rewards.models import Reward, Voucher, VoucherStatus
from rewards.services import reward_redeem
from tests.factories import StaffFactory, UserFactory, enrol

from .helpers import buy, form_value, give_points, key, purchase_post, texts


def member_page(member) -> str:
    return reverse("counter:member", kwargs={"member_id": member.pk})


@pytest.fixture
def lan(cafe):
    return enrol(cafe, name="Lan", phone="+84901234567")


# ---------------------------------------------------------------- who may open the counter


def test_the_counter_needs_a_signed_in_staff_member(client, cafe):
    response = client.get(reverse("counter:home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_person_without_a_shop_is_sent_to_create_one(as_user, db):
    response = as_user(UserFactory()).get(reverse("counter:home"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:onboarding")


@pytest.mark.parametrize("role", ["cashier", "manager", "owner"])
def test_every_role_works_the_counter(as_user, staff, role):
    response = as_user(staff[role].user).get(reverse("counter:home"))
    assert response.status_code == 200
    assert 'name="q"' in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_another_shops_member_purchase_and_voucher_are_not_found(counter, db):
    from tests.factories import ProgramFactory

    elsewhere = ProgramFactory().shop
    stranger = enrol(elsewhere)
    give_points(stranger, 10)
    voucher = reward_redeem(
        member=stranger,
        reward_code=Reward.objects.create(shop=elsewhere, code="x", name="X", kind="gift", points=1).code,
        actor=Actor(shop=elsewhere),
    )
    bought = buy(stranger).purchase
    assert counter.get(member_page(stranger)).status_code == 404
    assert counter.get(reverse("counter:purchase_detail", kwargs={"purchase_id": bought.pk})).status_code == 404
    assert counter.get(reverse("counter:voucher", kwargs={"voucher_code": voucher.code})).status_code == 404
    assert purchase_post(counter, stranger, amount="40000").status_code == 404
    assert not Purchase.objects.filter(member=stranger).exclude(pk=bought.pk).exists()


# ---------------------------------------------------------------- scanning


def test_a_scanned_qr_payload_opens_the_member(counter, lan):
    response = counter.get(reverse("counter:scan"), {"q": qr_payload(lan)})
    assert response.status_code == 302 and response["Location"] == member_page(lan)


def test_a_card_number_or_a_phone_typed_any_way_opens_the_member(counter, lan):
    card = lan.cards.get().number
    for query in (card, f" {card[:3]} {card[3:6]} {card[6:]} ", "0901 234 567", "+84 901 234 567"):
        response = counter.get(reverse("counter:scan"), {"q": query})
        assert response["Location"] == member_page(lan), query


def test_a_scanned_voucher_code_opens_the_voucher_however_it_is_typed(counter, lan):
    give_points(lan, 20)
    voucher = reward_redeem(member=lan, reward_code="free-coffee", actor=Actor(shop=lan.shop))
    typed = voucher.code.replace("-", "").lower()
    response = counter.get(reverse("counter:scan"), {"q": typed})
    assert response["Location"] == reverse("counter:voucher", kwargs={"voucher_code": voucher.code})


def test_an_unknown_phone_is_read_back_in_groups_and_offered_for_enrolment(counter, cafe):
    response = counter.get(reverse("counter:scan"), {"q": "0912345678"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('counter:enrol')}?phone=%2B84912345678"
    assert "No member has the phone +84 912 345 678. Enrol them?" in texts(response)
    assert 'value="+84912345678"' in response.content.decode()
    assert "+84 912 345 678" in response.content.decode()  # read back beside the field


def test_an_unknown_card_is_offered_for_enrolment(counter, cafe):
    number = card_number_new()
    response = counter.get(reverse("counter:scan"), {"q": number}, follow=True)
    assert f"No member has card {number}. Enrol a new member with it?" in texts(response)
    assert f'value="{number}"' in response.content.decode()


def test_a_stale_qr_code_or_nonsense_says_what_to_do(counter, lan):
    stale = qr_payload(lan)
    Member.objects.filter(pk=lan.pk).update(qr_key_version=2)
    response = counter.get(reverse("counter:scan"), {"q": stale}, follow=True)
    assert "This member code is not valid here" in texts(response)[0]
    response = counter.get(reverse("counter:scan"), {"q": "hello"}, follow=True)
    assert texts(response) == ["Nothing found for “hello”. Scan again, or type the phone number."]
    response = counter.get(reverse("counter:scan"), {"q": "ACDE-FGHJ"}, follow=True)
    assert texts(response) == ["No voucher has this code."]


def test_the_camera_button_appears_only_with_the_qr_library(counter, cafe, monkeypatch):
    monkeypatch.setattr("loyalty.counter.views.qr_scanner_available", lambda: False)
    page = counter.get(reverse("counter:home")).content.decode()
    assert "data-camera" not in page and "qr-scanner" not in page
    monkeypatch.setattr("loyalty.counter.views.qr_scanner_available", lambda: True)
    page = counter.get(reverse("counter:home")).content.decode()
    assert "data-camera" in page and "/static/vendor/qr-scanner/qr-scanner.umd.min.js" in page


def test_the_qr_library_is_looked_for_among_the_static_files(monkeypatch):
    present.qr_scanner_available.cache_clear()
    monkeypatch.setattr(present.finders, "find", lambda path: None)
    assert present.qr_scanner_available() is False
    present.qr_scanner_available.cache_clear()
    monkeypatch.setattr(present.finders, "find", lambda path: f"/somewhere/{path}")
    assert present.qr_scanner_available() is True
    present.qr_scanner_available.cache_clear()


# ---------------------------------------------------------------- the member panel


def test_the_member_panel_shows_what_the_cashier_needs(counter, cafe, lan, coffee):
    today = timezone.localdate(timezone=cafe.tz)
    Member.objects.filter(pk=lan.pk).update(birthday=date(1990, today.month, 1))
    buy(lan, "12000000")  # 300 points: gold (5 % discount)
    purchase_post(counter, lan, **{f"item_{coffee.pk}": "3"})  # 3 coffee stamps
    give_points(lan, 7)
    reward_redeem(member=lan, reward_code="free-coffee", actor=Actor(shop=cafe))
    page = counter.get(member_page(lan)).content.decode()
    assert "Lan" in page and "+84 901 234 567" in page
    assert "Gold" in page and "5 % member discount" in page and "Birthday this month" in page
    assert f"data-points-available>{points_available(lan.account, timezone.now())}<" in page
    assert "Soonest expiry" in page
    assert page.count('class="stamp stamp--filled"') == 3 and page.count('class="stamp"') == 2
    assert "Free Coffee" in page and "Redeem for 10" in page and "Redeem for 30" in page
    assert Voucher.objects.get(member=lan).code in page  # open voucher with its Use button
    assert "Use now" in page
    assert "Coffee" in page and 'data-quick-add="purchase-item_' in page


def test_the_member_panel_shows_pending_points_and_the_wallet(counter, cafe, lan):
    program = cafe.program
    program.pending_days, program.cashback_percent = 14, Decimal("2")
    program.save()
    buy(lan, "400000")
    page = counter.get(member_page(lan)).content.decode()
    assert "Pending" in page and "Wallet" in page and "₫8,000" in page


MEMBER_PAGE_QUERIES = 12


def queries_for(client, url) -> int:
    client.get(url)  # warm: session, translations
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_member_page_reads_a_fixed_number_of_queries_whatever_the_history(counter, cafe, coffee):
    """A fresh member, one with a purchase and a voucher, and one with 30 purchases, several vouchers, stamps
    and redemptions: the same queries (a member with no points skips the lots' sums)."""
    fresh, newcomer, regular = (enrol(cafe, name=name) for name in ("Fresh", "Newcomer", "Regular"))
    give_points(newcomer, 20)
    buy(newcomer, "80000")
    reward_redeem(member=newcomer, reward_code="tree", actor=Actor(shop=cafe))
    give_points(regular, 100)
    for _ in range(30):
        purchase_post(counter, regular, **{f"item_{coffee.pk}": "1"})
    for code in ("free-coffee", "tree", "ten-off"):
        reward_redeem(member=regular, reward_code=code, actor=Actor(shop=cafe))
    assert regular.purchases.count() == 30 and Voucher.objects.filter(member=regular).count() >= 5
    assert queries_for(counter, member_page(newcomer)) == MEMBER_PAGE_QUERIES
    assert queries_for(counter, member_page(regular)) == MEMBER_PAGE_QUERIES
    assert queries_for(counter, member_page(fresh)) == MEMBER_PAGE_QUERIES - 1  # no points: no sums of lots


# ---------------------------------------------------------------- purchases


def test_a_purchase_is_recorded_and_what_it_earned_shown_line_by_line(counter, cafe, lan, coffee, staff):
    response = purchase_post(counter, lan, follow=True, amount="120000", **{f"item_{coffee.pk}": "2"})
    bought = Purchase.objects.get(member=lan)
    assert (bought.amount, bought.points_earned, bought.staff, bought.location) == (
        Decimal("120000"),
        3,
        staff["cashier"].user,
        cafe.locations.get(),
    )
    assert sorted((line.sku, line.amount) for line in bought.lines.all()) == [
        ("", Decimal("40000")),
        ("coffee", Decimal("80000")),
    ]
    assert texts(response) == ["Recorded ₫120,000 for Lan: 3 points earned."]
    page = response.content.decode()
    assert "What it earned" in page and "coffee: 80000 × 1/40000 = 2" in page
    assert "2 stamps on Coffee card" in page
    assert bought.external_id.startswith("T-")  # the receipt number generated with the form


def test_the_items_alone_give_the_amount_and_the_till_receipt_number_is_kept(counter, lan, coffee):
    purchase_post(counter, lan, receipt=" R-1001 ", **{f"item_{coffee.pk}": "1"})
    bought = Purchase.objects.get(member=lan)
    assert (bought.external_id, bought.amount) == ("R-1001", Decimal("40000"))


def test_a_full_stamp_card_issues_its_voucher_and_the_result_shows_it(counter, lan, coffee):
    response = purchase_post(counter, lan, follow=True, **{f"item_{coffee.pk}": "5"})
    voucher = Voucher.objects.get(member=lan, source="stamp_card")
    assert "Vouchers issued" in response.content.decode() and voucher.code in response.content.decode()


def test_pay_with_points_records_what_the_customer_paid(counter, lan):
    give_points(lan, 30)
    response = purchase_post(counter, lan, follow=True, amount="100000", points="20")
    bought = Purchase.objects.get(member=lan)
    assert (bought.amount, bought.points_redeemed) == (Decimal("80000"), 20)  # 20 × 1,000 ₫ off
    lan.account.refresh_from_db()
    assert lan.account.points_balance == 30 - 20 + 2
    assert "Bill ₫100,000; 20 points paid ₫20,000 of it." in response.content.decode()
    assert not ledger_violations()


def test_pay_with_points_spreads_the_discount_over_the_items(counter, lan, coffee):
    give_points(lan, 30)
    purchase_post(counter, lan, amount="100000", points="10", **{f"item_{coffee.pk}": "2"})
    bought = Purchase.objects.get(member=lan)
    assert bought.amount == Decimal("90000")
    assert sum(line.amount for line in bought.lines.all()) == Decimal("90000")


def test_vouchers_ticked_are_used_on_the_purchase(counter, cafe, lan):
    give_points(lan, 20)
    voucher = reward_redeem(member=lan, reward_code="free-coffee", actor=Actor(shop=cafe))
    purchase_post(counter, lan, amount="40000", vouchers=[voucher.code])
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.USED and voucher.used_purchase == Purchase.objects.get(member=lan)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Enter the amount, or tap the items bought."),
        ({"amount": "12.5"}, "VND has no smaller unit than 1."),
        ({"amount": "100000", "points": "40"}, "Only 30 points are available."),
        ({"amount": "10000", "points": "20"}, "Those points are worth more than the bill: use at most 10."),
    ],
)
def test_a_purchase_form_with_mistakes_is_shown_again_and_records_nothing(counter, lan, fields, message):
    give_points(lan, 30)
    response = purchase_post(counter, lan, **fields)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Purchase.objects.filter(member=lan).exists()


def test_items_worth_more_than_the_amount_are_refused(counter, lan, coffee):
    response = purchase_post(counter, lan, amount="40000", **{f"item_{coffee.pk}": "2"})
    assert (
        response.status_code == 422
        and "The items add up to ₫80,000, more than the amount." in response.content.decode()
    )


def test_a_used_voucher_is_refused_with_its_reason_and_nothing_is_recorded(counter, cafe, lan):
    give_points(lan, 20)
    voucher = reward_redeem(member=lan, reward_code="free-coffee", actor=Actor(shop=cafe))
    page = counter.get(member_page(lan))
    Voucher.objects.filter(pk=voucher.pk).update(status=VoucherStatus.USED)
    response = counter.post(
        reverse("counter:purchase", kwargs={"member_id": lan.pk}),
        {
            "idempotency_key": form_value(page, "idempotency_key"),
            "generated_receipt": "G-1",
            "amount": "40000",
            "vouchers": [voucher.code],
        },
    )
    assert response.status_code == 422
    assert (
        f"Voucher {voucher.code} cannot be used now: it was used, has expired or was cancelled."
        in response.content.decode()
    )
    assert not Purchase.objects.filter(member=lan).exists()


def test_a_till_receipt_already_recorded_for_someone_else_is_refused(counter, cafe, lan):
    other = enrol(cafe)
    buy(other, "40000", external_id="R-7")
    response = purchase_post(counter, lan, amount="40000", receipt="R-7")
    assert response.status_code == 409 and "This receipt number is already recorded." in response.content.decode()


# ---------------------------------------------------------------- never twice


def test_a_repeated_purchase_post_is_recorded_once_and_answered_the_same(counter, lan):
    page = counter.get(member_page(lan))
    data = {
        "idempotency_key": form_value(page, "idempotency_key"),
        "generated_receipt": form_value(page, "generated_receipt"),
        "amount": "80000",
    }
    url = reverse("counter:purchase", kwargs={"member_id": lan.pk})
    first = counter.post(url, data)
    again = counter.post(url, data, follow=True)
    assert Purchase.objects.filter(member=lan).count() == 1
    assert again.redirect_chain[0][0] == first["Location"]
    assert "Already done: it was recorded once, and nothing was done twice." in texts(again)


def test_a_retry_with_the_same_receipt_but_a_lost_key_is_already_done(counter, lan):
    """Two forms rendered for one sale (a reload) carry different keys; the receipt number decides."""
    first = purchase_post(counter, lan, amount="80000", generated_receipt="C-SAME")
    again = purchase_post(counter, lan, follow=True, amount="80000", generated_receipt="C-SAME")
    assert Purchase.objects.filter(member=lan).count() == 1
    assert again.redirect_chain[0][0] == first["Location"]
    assert "This purchase was already recorded; here it is." in texts(again)


def test_the_same_key_with_other_values_does_nothing(counter, lan):
    data = {"idempotency_key": key(), "generated_receipt": "C-1", "amount": "80000"}
    url = reverse("counter:purchase", kwargs={"member_id": lan.pk})
    counter.post(url, data, follow=True)
    response = counter.post(url, {**data, "amount": "40000", "generated_receipt": "C-2"}, follow=True)
    assert Purchase.objects.filter(member=lan).count() == 1
    assert "This form was already sent with other values" in texts(response)[0]


def test_a_refused_post_stores_nothing_so_the_corrected_form_goes_through(counter, lan):
    data = {"idempotency_key": key(), "generated_receipt": "C-1", "amount": "80000", "points": "5"}
    url = reverse("counter:purchase", kwargs={"member_id": lan.pk})
    assert counter.post(url, data).status_code == 422  # no points yet
    give_points(lan, 5)
    assert counter.post(url, data).status_code == 302
    assert Purchase.objects.filter(member=lan).count() == 1


def test_a_form_without_a_key_does_nothing(counter, lan):
    response = counter.post(reverse("counter:purchase", kwargs={"member_id": lan.pk}), {"amount": "80000"}, follow=True)
    assert texts(response) == ["This form is out of date. Nothing was done; please try again."]
    assert not Purchase.objects.exists()


def test_a_repeated_redemption_issues_one_voucher(counter, lan):
    give_points(lan, 25)
    data = {"idempotency_key": key(), "reward": "free-coffee"}
    url = reverse("counter:redeem", kwargs={"member_id": lan.pk})
    first, again = counter.post(url, data), counter.post(url, data)
    assert Voucher.objects.filter(member=lan).count() == 1
    assert first["Location"] == again["Location"]


# ---------------------------------------------------------------- rewards and vouchers


def test_redeeming_shows_the_voucher_code_big(counter, lan):
    give_points(lan, 25)
    response = counter.post(
        reverse("counter:redeem", kwargs={"member_id": lan.pk}),
        {"idempotency_key": key(), "reward": "free-coffee"},
        follow=True,
    )
    voucher = Voucher.objects.get(member=lan)
    assert voucher.points_spent == 10 and voucher.redemption_entry.staff is not None
    assert 'class="voucher-code"' in response.content.decode() and voucher.code in response.content.decode()
    assert texts(response) == [f"Free Coffee for 10 points. Voucher {voucher.code} is ready to use."]


@pytest.mark.parametrize(
    ("reward", "points", "message"),
    [
        ("free-coffee", 5, "Not enough points for this."),
        ("mug", 100, "This reward is out of stock."),
        ("nothing", 100, "This reward is not in the catalogue."),
    ],
)
def test_a_redemption_that_cannot_be_is_refused_with_its_reason(counter, cafe, lan, reward, points, message):
    give_points(lan, points)
    if reward == "mug":
        Reward.objects.filter(code="mug").update(stock_left=0)
    response = counter.post(
        reverse("counter:redeem", kwargs={"member_id": lan.pk}),
        {"idempotency_key": key(), "reward": reward},
        follow=True,
    )
    assert texts(response) == [message]
    assert not Voucher.objects.filter(member=lan).exists()


def test_a_reward_limited_per_member_says_so(counter, lan):
    Reward.objects.filter(code="free-coffee").update(per_member_limit=1)
    give_points(lan, 40)
    url = reverse("counter:redeem", kwargs={"member_id": lan.pk})
    counter.post(url, {"idempotency_key": key(), "reward": "free-coffee"}, follow=True)
    response = counter.post(url, {"idempotency_key": key(), "reward": "free-coffee"}, follow=True)
    assert texts(response) == ["This member already has this reward as often as it allows."]


def test_a_voucher_is_used_once(counter, cafe, lan):
    give_points(lan, 25)
    voucher = reward_redeem(member=lan, reward_code="free-coffee", actor=Actor(shop=cafe))
    url = reverse("counter:voucher_use", kwargs={"voucher_code": voucher.code})
    response = counter.post(url, {"idempotency_key": key()}, follow=True)
    assert texts(response) == [f"Voucher {voucher.code} used: Free Coffee."]
    assert "Used" in response.content.decode()
    again = counter.post(url, {"idempotency_key": key()}, follow=True)
    assert texts(again) == ["This voucher was already used."]
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.USED


def test_an_expired_voucher_says_so(counter, cafe, lan):
    give_points(lan, 25)
    voucher = reward_redeem(member=lan, reward_code="free-coffee", actor=Actor(shop=cafe))
    Voucher.objects.filter(pk=voucher.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    page = counter.get(reverse("counter:voucher", kwargs={"voucher_code": voucher.code})).content.decode()
    assert "Expired" in page and "Use this voucher now" not in page
    response = counter.post(
        reverse("counter:voucher_use", kwargs={"voucher_code": voucher.code}), {"idempotency_key": key()}, follow=True
    )
    assert texts(response) == ["This voucher has expired."]


# ---------------------------------------------------------------- undo


def undo(client, **extra):
    return client.post(reverse("counter:undo"), {"idempotency_key": key(), **extra}, follow=True)


def test_the_last_purchase_is_undone_by_a_full_refund(counter, lan):
    purchase_post(counter, lan, amount="80000")
    page = counter.get(member_page(lan)).content.decode()
    assert "Last: Purchase" in page
    response = undo(counter)
    bought = Purchase.objects.get(member=lan)
    assert bought.refunded_amount == bought.amount
    assert Refund.objects.get(purchase=bought).external_id == f"UNDO-{bought.pk}"
    assert texts(response) == [f"Undone: Purchase {bought.external_id}."]
    assert response.redirect_chain[-1][0] == member_page(lan)
    assert "Last: Purchase" not in response.content.decode()
    assert not ledger_violations()


def test_a_redemption_undone_gives_the_points_back(counter, lan):
    give_points(lan, 25)
    counter.post(
        reverse("counter:redeem", kwargs={"member_id": lan.pk}), {"idempotency_key": key(), "reward": "free-coffee"}
    )
    undo(counter)
    lan.account.refresh_from_db()
    assert Voucher.objects.get(member=lan).status == VoucherStatus.CANCELLED
    assert lan.account.points_balance == 25


def test_a_voucher_use_undone_opens_the_voucher_again(counter, cafe, lan):
    give_points(lan, 25)
    voucher = reward_redeem(member=lan, reward_code="free-coffee", actor=Actor(shop=cafe))
    counter.post(reverse("counter:voucher_use", kwargs={"voucher_code": voucher.code}), {"idempotency_key": key()})
    undo(counter)
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.ISSUED


def test_after_five_minutes_undo_says_it_is_too_late(counter, lan):
    purchase_post(counter, lan, amount="80000")
    session = counter.session
    session[state.LAST_ACTION_KEY]["at"] = (timezone.now() - timedelta(minutes=6)).isoformat()
    session.save()
    assert "Last: Purchase" not in counter.get(member_page(lan)).content.decode()
    response = undo(counter)
    assert texts(response) == ["Too late to undo: only the last five minutes can be undone. Refund it instead."]
    assert Purchase.objects.get(member=lan).refunded_amount == 0


def test_with_nothing_done_there_is_nothing_to_undo(counter, cafe):
    assert texts(undo(counter)) == ["There is nothing to undo."]


def test_a_double_tap_on_undo_undoes_once(counter, lan):
    purchase_post(counter, lan, amount="80000", follow=True)
    data = {"idempotency_key": key()}
    counter.post(reverse("counter:undo"), data, follow=True)
    again = counter.post(reverse("counter:undo"), data, follow=True)
    assert Refund.objects.count() == 1
    assert "Already done" in texts(again)[0]


# ---------------------------------------------------------------- enrolment


def enrol_post(client, **fields):
    return client.post(reverse("counter:enrol"), {"idempotency_key": key(), **fields}, follow=True)


def test_a_new_member_is_enrolled_in_one_step_with_consent_read_back(counter, cafe, staff):
    response = enrol_post(counter, phone="0987 654 321", name="Minh", marketing_consent="on")
    member = Member.objects.get(phone="+84987654321")
    assert (member.name, member.marketing_consent, member.consent_source) == ("Minh", True, "counter")
    assert (member.enrolled_by, member.enrolled_location) == (staff["cashier"].user, cafe.locations.get())
    assert response.redirect_chain[-1][0] == member_page(member)
    assert texts(response) == [
        "Welcome, Minh! Check the phone with them: +84 987 654 321.",
        f"Consent recorded, as read to them: “I agree that {cafe.name} may send me offers and news. "
        "I can stop them at any time.”",
    ]


def test_without_consent_none_is_recorded(counter, cafe):
    enrol_post(counter, phone="0987654321", name="Minh")
    member = Member.objects.get(phone="+84987654321")
    assert (member.marketing_consent, member.consent_source, member.consent_at) == (False, "", None)


def test_a_pre_printed_card_and_a_referral_code_are_taken(counter, cafe, lan):
    number = card_number_new()
    enrol_post(counter, phone="0987654321", name="Minh", card_number=number, referral_code=lan.referral_code.lower())
    member = Member.objects.get(phone="+84987654321")
    assert member.cards.get(blocked_at__isnull=True).number == number


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"phone": "12"}, "This is not a valid phone number."),
        ({"phone": "0987654321", "card_number": "123456"}, "This card number is not valid: check its digits."),
        ({"phone": "0987654321", "referral_code": "NOPE"}, "No member has this referral code."),
    ],
)
def test_enrolment_mistakes_are_shown_beside_their_field(counter, cafe, fields, message):
    response = counter.post(reverse("counter:enrol"), {"idempotency_key": key(), "name": "Minh", **fields})
    assert response.status_code in (409, 422)
    assert message in response.content.decode()
    assert not Member.objects.filter(name="Minh").exists()


def test_enrolling_a_phone_already_a_member_opens_that_member(counter, lan):
    response = enrol_post(counter, phone="0901234567", name="Lan again")
    assert response.redirect_chain[-1][0] == member_page(lan)
    assert texts(response) == ["+84 901 234 567 is already a member; here they are."]
    assert Member.objects.count() == 1


def test_a_double_tap_on_enrol_enrols_once(counter, cafe):
    data = {"idempotency_key": key(), "phone": "0987654321", "name": "Minh"}
    counter.post(reverse("counter:enrol"), data)
    counter.post(reverse("counter:enrol"), data)
    assert Member.objects.filter(phone="+84987654321").count() == 1


def test_the_phone_is_read_back_in_groups_as_it_is_typed(counter, cafe):
    url = reverse("counter:phone_check")
    fragment = counter.get(url, {"phone": "0987654321"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="phone-check"' in fragment and "+84 987 654 321" in fragment and "<html" not in fragment
    assert "not a valid phone number" in counter.get(url, {"phone": "09"}).content.decode()


# ---------------------------------------------------------------- older purchases and refunds


def test_an_older_purchase_is_found_by_its_receipt_number(counter, lan):
    bought = buy(lan, "80000", external_id="R-2024").purchase
    response = counter.get(reverse("counter:receipt_find"), {"receipt": " r-2024 "})
    assert response["Location"] == reverse("counter:purchase_detail", kwargs={"purchase_id": bought.pk})
    response = counter.get(reverse("counter:receipt_find"), {"receipt": "R-0"}, follow=True)
    assert texts(response) == ["No purchase has the receipt number “R-0”."]


def refund_post(client, bought, amount, **extra):
    return client.post(
        reverse("counter:refund", kwargs={"purchase_id": bought.pk}),
        {"idempotency_key": key(), "refund_number": f"RF-{key()[:6]}", "amount": amount, **extra},
        follow=True,
    )


def test_a_purchase_is_refunded_in_part_then_in_full(counter, lan):
    bought = buy(lan, "160000").purchase
    response = refund_post(counter, bought, "80000")
    assert texts(response) == ["Refunded ₫80,000; 2 points taken back."]
    response = refund_post(counter, bought, "80000")
    bought.refresh_from_db()
    assert bought.refunded_amount == bought.amount and "Refunded in full." in response.content.decode()
    assert Refund.objects.filter(purchase=bought).first().external_id.startswith("RF-")
    assert not ledger_violations()


def test_a_refund_over_what_is_left_is_refused(counter, lan):
    bought = buy(lan, "80000").purchase
    response = refund_post(counter, bought, "90000")
    assert response.status_code == 409
    assert "That is more than is left to refund on this purchase." in response.content.decode()
    assert not Refund.objects.exists()


def test_a_repeated_refund_post_refunds_once(counter, lan):
    bought = buy(lan, "80000").purchase
    data = {"idempotency_key": key(), "refund_number": "RF-ONCE", "amount": "40000"}
    url = reverse("counter:refund", kwargs={"purchase_id": bought.pk})
    counter.post(url, data)
    counter.post(url, data)
    assert Refund.objects.filter(purchase=bought).count() == 1


def test_the_history_answers_where_are_my_points(counter, cafe, lan):
    buy(lan, "80000", external_id="R-HIST")
    give_points(lan, 10)
    reward_redeem(member=lan, reward_code="free-coffee", actor=Actor(shop=cafe))
    page = counter.get(reverse("counter:history", kwargs={"member_id": lan.pk})).content.decode()
    assert "R-HIST" in page and "Adjusted" in page and "Redeemed" in page and "Free Coffee" in page


# ---------------------------------------------------------------- PINs, adjustments, the acting staff


def adjust_post(client, member, **fields):
    return client.post(reverse("counter:adjust", kwargs={"member_id": member.pk}), {"idempotency_key": key(), **fields})


def test_a_manager_approves_an_adjustment_with_their_pin(counter, lan, staff):
    staff_pin_set(membership=staff["manager"], pin="2468")
    response = adjust_post(counter, lan, points="15", reason="coffee spilled", pin="2468")
    assert response.status_code == 302
    entry = LedgerEntry.objects.get(account=lan.account, kind=EntryKind.ADJUST)
    assert (entry.points, entry.staff, entry.reason) == (15, staff["manager"].user, "coffee spilled")
    assert entry.location == lan.shop.locations.get()


@pytest.mark.parametrize(
    ("pin", "message", "status"),
    [("1357", "Only a manager&#x27;s PIN can approve this.", 403), ("0000", "That PIN is not right.", 403)],
)
def test_a_cashiers_pin_or_a_wrong_one_adjusts_nothing(counter, lan, staff, pin, message, status):
    staff_pin_set(membership=staff["cashier"], pin="1357")
    response = adjust_post(counter, lan, points="15", reason="why not", pin=pin)
    assert response.status_code == status and message in response.content.decode()
    assert not LedgerEntry.objects.filter(kind=EntryKind.ADJUST).exists()


def test_without_a_pin_a_cashier_cannot_adjust(counter, lan):
    response = adjust_post(counter, lan, points="15", reason="why not")
    assert response.status_code == 422
    assert not LedgerEntry.objects.filter(kind=EntryKind.ADJUST).exists()


def test_an_adjustment_taking_more_than_there_is_is_refused(counter, lan, staff):
    staff_pin_set(membership=staff["manager"], pin="2468")
    response = adjust_post(counter, lan, points="-5", reason="oops", pin="2468")
    assert response.status_code == 409 and "Not enough points for this." in response.content.decode()


def test_an_approved_adjustment_can_be_undone(counter, lan, staff):
    staff_pin_set(membership=staff["manager"], pin="2468")
    adjust_post(counter, lan, points="15", reason="coffee spilled", pin="2468")
    undo(counter)
    lan.account.refresh_from_db()
    assert lan.account.points_balance == 0


def test_staff_set_their_pin_and_switch_on_a_shared_tablet(as_user, cafe, lan, staff):
    tablet = as_user(staff["manager"].user)
    response = tablet.post(
        reverse("counter:pin_set"), {"idempotency_key": key(), "pin": "2468", "pin_again": "2468"}, follow=True
    )
    assert texts(response) == ["Your PIN is set. Use it to switch to yourself on a shared tablet."]
    staff_pin_set(membership=staff["cashier"], pin="1357")
    response = tablet.post(reverse("counter:staff_switch"), {"pin": "1357"}, follow=True)
    cashier = staff["cashier"].user
    assert texts(response) == [f"{cashier.email} is at the counter now."]
    assert cashier.email in response.content.decode()
    purchase_post(tablet, lan, amount="40000")
    assert Purchase.objects.get(member=lan).staff == cashier
    tablet.post(reverse("counter:staff_switch"), {"back": "1"})
    purchase_post(tablet, lan, amount="40000")
    assert Purchase.objects.filter(member=lan, staff=staff["manager"].user).count() == 1


def test_a_wrong_pin_switches_nobody_and_a_pin_must_be_digits(counter, staff):
    response = counter.post(reverse("counter:staff_switch"), {"pin": "9999"}, follow=True)
    assert texts(response) == ["That PIN is not right."]
    response = counter.post(reverse("counter:pin_set"), {"idempotency_key": key(), "pin": "12ab", "pin_again": "12ab"})
    assert response.status_code == 422 and "A PIN is 4 to 8 digits." in response.content.decode()
    response = counter.post(reverse("counter:pin_set"), {"idempotency_key": key(), "pin": "1234", "pin_again": "4321"})
    assert "The two PINs are not the same." in response.content.decode()


def test_a_switched_person_removed_from_the_staff_no_longer_acts(as_user, cafe, lan, staff):
    tablet = as_user(staff["manager"].user)
    staff_pin_set(membership=staff["cashier"], pin="1357")
    tablet.post(reverse("counter:staff_switch"), {"pin": "1357"})
    staff["cashier"].delete()
    purchase_post(tablet, lan, amount="40000")
    assert Purchase.objects.get(member=lan).staff == staff["manager"].user


# ---------------------------------------------------------------- the location


def test_a_shop_with_several_locations_asks_once_where_the_counter_is(counter, cafe, lan):
    second = Location.objects.create(shop=cafe, code="riverside", name="Riverside")
    response = counter.get(member_page(lan))
    assert response.status_code == 302 and response["Location"].startswith(reverse("counter:location"))
    response = counter.post(reverse("counter:location"), {"location": second.pk, "next": member_page(lan)}, follow=True)
    assert response.redirect_chain[-1][0] == member_page(lan)
    assert texts(response) == ["This counter is at Riverside."]
    purchase_post(counter, lan, amount="40000")
    assert Purchase.objects.get(member=lan).location == second


def test_another_shops_location_cannot_be_chosen(counter, cafe):
    from tests.factories import LocationFactory

    Location.objects.create(shop=cafe, code="riverside", name="Riverside")
    elsewhere = LocationFactory()
    response = counter.post(reverse("counter:location"), {"location": elsewhere.pk})
    assert response.status_code == 200 and counter.session.get(state.LOCATION_KEY) is None


def test_every_counter_page_renders(counter, cafe, lan):
    give_points(lan, 25)
    voucher = reward_redeem(member=lan, reward_code="free-coffee", actor=Actor(shop=cafe))
    bought = buy(lan).purchase
    StaffFactory(shop=cafe, role="cashier")
    for url in (
        reverse("counter:home"),
        reverse("counter:enrol"),
        reverse("counter:staff"),
        reverse("counter:location"),
        member_page(lan),
        reverse("counter:history", kwargs={"member_id": lan.pk}),
        reverse("counter:purchase_detail", kwargs={"purchase_id": bought.pk}),
        reverse("counter:voucher", kwargs={"voucher_code": voucher.code}),
    ):
        assert counter.get(url).status_code == 200, url


def test_the_wallet_pays_part_of_a_purchase_at_the_counter(counter, lan):
    from loyalty.services.ledger import account_lock
    from loyalty.services.wallet import wallet_credit

    wallet_credit(account=account_lock(lan.account_id), shop=lan.shop, amount=Decimal("15000"), kind="credit")
    page = counter.get(reverse("counter:member", kwargs={"member_id": lan.pk}))
    assert "Pay from the wallet" in page.content.decode()
    too_much = purchase_post(counter, lan, amount="100000", wallet="15001")
    assert too_much.status_code == 422 and not Purchase.objects.filter(member=lan).exists()
    response = purchase_post(counter, lan, follow=True, amount="100000", wallet="15000")
    bought = Purchase.objects.get(member=lan)
    lan.account.refresh_from_db()
    assert (bought.amount, bought.wallet_redeemed, lan.account.wallet_balance) == (
        Decimal("85000"),
        Decimal("15000"),
        Decimal("0"),
    )
    assert "₫15,000 paid from the wallet." in response.content.decode()
    assert not ledger_violations()


def test_an_open_vouchers_page_shows_its_qr_code(counter, cafe, lan):
    give_points(lan, 20)
    voucher = reward_redeem(member=lan, reward_code="free-coffee", actor=Actor(shop=cafe))
    page = counter.get(reverse("counter:voucher", kwargs={"voucher_code": voucher.code})).content.decode()
    qr_url = reverse("counter:voucher_qr", kwargs={"voucher_code": voucher.code})
    assert qr_url in page
    image = counter.get(qr_url)
    assert image.status_code == 200 and image["Content-Type"] == "image/svg+xml" and b"<svg" in image.content


def test_items_without_a_quick_button_are_typed_by_category_and_stamp_the_card(counter, lan):
    page = counter.get(member_page(lan)).content.decode()
    assert 'name="other_category"' in page and '<option value="coffee">' in page
    response = purchase_post(counter, lan, amount="90000", other_category="coffee", other_quantity="2")
    assert response.status_code == 302
    bought = Purchase.objects.get(member=lan)
    assert [(line.category, line.quantity, line.amount) for line in bought.lines.all()] == [
        ("coffee", 2, Decimal("90000"))
    ]
    assert StampEntry.objects.get(purchase=bought).count == 2  # the coffee card counts items


def test_typed_items_with_their_own_amount_leave_the_rest_uncategorised(counter, lan):
    purchase_post(counter, lan, amount="100000", other_category="coffee", other_quantity="1", other_amount="40000")
    lines = sorted((line.category, line.amount) for line in Purchase.objects.get(member=lan).lines.all())
    assert lines == [("", Decimal("60000")), ("coffee", Decimal("40000"))]
    refused = purchase_post(counter, lan, amount="30000", other_category="coffee", other_amount="40000")
    assert refused.status_code == 422 and "more than the amount" in refused.content.decode()
