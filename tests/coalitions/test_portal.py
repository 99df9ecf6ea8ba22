"""The coalition pages of the portal: who sees and does what, the forms' refusals, CSRF, the statement page
(its figures in the coalition's currency, no member's data), its CSV (formula-safe) and PDF, and query counts."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coalitions.models import Coalition, CoalitionInvitation, CoalitionShop
from coalitions.services.forming import coalition_invite
from loyalty.models import Role, Shop
from loyalty.services.ledger import Actor
from loyalty.services.members import member_lookup
from loyalty.services.purchases import purchase_record
from rewards.services import reward_redeem
from tests.factories import ProgramFactory, StaffFactory, enrol

from .helpers import two_shops

pytestmark = pytest.mark.django_db
D = Decimal
HOME = reverse("coalitions:home")


def client_of(shop, role=Role.OWNER, **options) -> Client:
    client = Client(**options)
    client.force_login(StaffFactory(shop=shop, role=role).user)
    return client


def period() -> str:
    return timezone.now().astimezone(timezone.get_default_timezone()).strftime("%Y-%m")


FORM = {
    "name": "Street club",
    "points_name": "hearts",
    "settlement_period": "month",
    "cost_per_point": "100",
    "reimbursement_per_point": "90",
}


def test_an_owner_forms_a_coalition_and_a_manager_only_reads():
    shop = ProgramFactory().shop
    manager = client_of(shop, Role.MANAGER)
    assert "Form a coalition" not in manager.get(HOME).content.decode()
    assert manager.post(reverse("coalitions:create"), FORM).status_code == 403
    owner = client_of(shop)
    assert "Form a coalition" in owner.get(HOME).content.decode()
    assert owner.post(reverse("coalitions:create"), {**FORM, "cost_per_point": "1.5"}).status_code == 422, "VND"
    response = owner.post(reverse("coalitions:create"), FORM)
    assert response.status_code == 302 and response["Location"] == HOME
    coalition = Coalition.objects.get()
    assert (coalition.name, coalition.currency) == ("Street club", shop.currency)
    page = manager.get(HOME).content.decode()
    assert (
        "Street club" in page and "₫100" in page and "₫90" in page and 'action="/portal/coalition/invite/"' not in page
    )


def test_forms_need_the_csrf_token():
    shop = ProgramFactory().shop
    client = client_of(shop, enforce_csrf_checks=True)
    assert client.post(reverse("coalitions:create"), FORM).status_code == 403
    assert not Coalition.objects.exists()


def test_inviting_a_shop_of_another_currency_says_both_currencies():
    store, _brand = two_shops()
    diner = ProgramFactory(shop__currency="USD", shop__slug="diner").shop
    response = client_of(store).post(
        reverse("coalitions:invite"), {"shop": "diner", "cost_per_point": "100", "reimbursement_per_point": "90"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "USD" in page and "VND" in page and diner.name in page
    assert not CoalitionInvitation.objects.exists()


def test_the_invited_owner_sees_the_terms_and_accepts_while_a_manager_cannot():
    store, _brand = two_shops()
    florist = ProgramFactory(shop__slug="florist").shop
    invitation = coalition_invite(
        inviter=store, target="florist", cost_per_point=D("110"), reimbursement_per_point=D("95")
    )
    url = reverse("coalitions:accept", kwargs={"coalition_invitation_id": invitation.pk})
    manager = client_of(florist, Role.MANAGER)
    page = manager.get(HOME).content.decode()
    assert "Club" in page and "₫110" in page and "₫95" in page and url not in page
    assert manager.post(url).status_code == 403
    owner = client_of(florist)
    assert url in owner.get(HOME).content.decode()
    assert owner.post(url).status_code == 302
    assert CoalitionShop.objects.current().filter(shop=florist, cost_per_point=D("110")).exists()
    assert "Street" not in owner.get(HOME).content.decode()


def test_another_shops_statement_is_404():
    two_shops()
    stranger = client_of(ProgramFactory().shop, Role.MANAGER)
    url = reverse("coalitions:statement", kwargs={"coalition_code": "c-club"})
    assert stranger.get(url).status_code == 404


def statement_with_example_9():
    store, brand = two_shops()
    customer = enrol(store, name="Private Person")
    purchase_record(shop=store, external_id="B1", amount=D("10000000"), member=customer)
    reward_redeem(member=member_lookup(brand, customer.phone), reward_code="tin", actor=Actor(shop=brand))
    return store, brand, customer


STATEMENT_QUERIES = 11  # session, user, staff membership, the coalition, its months (first joining, whether the
# shop is still in it), its time zone (once), the month's shops, one aggregate per shop (2), the shop switcher


def test_the_statement_page_shows_example_9_in_the_coalitions_currency_and_no_member():
    store, brand, customer = statement_with_example_9()
    client = client_of(brand, Role.MANAGER)
    url = reverse("coalitions:statement", kwargs={"coalition_code": "c-club"})
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"period": period()})
    assert response.status_code == 200
    page = response.content.decode()
    for figure in ("1,000", "600", "₫100,000", "₫54,000", "₫46,000", "-₫100,000"):
        assert figure in page, figure
    assert store.name in page and brand.name in page
    assert customer.name not in page and customer.phone not in page
    assert f'<option value="{period()}" selected>' in page
    assert len(captured) == STATEMENT_QUERIES, [q["sql"][:80] for q in captured]
    assert client.get(url, {"period": "2999-01"}).status_code == 422


def test_the_statement_downloads_as_formula_safe_csv():
    store, _brand, _customer = statement_with_example_9()
    Shop.objects.filter(pk=store.pk).update(name="=HYPERLINK(1)")
    url = reverse("coalitions:statement", kwargs={"coalition_code": "c-club"})
    response = client_of(store, Role.MANAGER).get(url, {"period": period(), "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1] == ["'=HYPERLINK(1)", "c-store", "1000", "0", "100000", "0", "-100000"]
    assert rows[2][2:] == ["0", "600", "0", "54000", "54000"]
    assert rows[-1][-1] == "46000" and rows[-2][-1] == "-46000"


def test_the_statement_downloads_as_a_pdf():
    store, _brand, _customer = statement_with_example_9()
    url = reverse("coalitions:statement_pdf", kwargs={"coalition_code": "c-club"})
    response = client_of(store, Role.MANAGER).get(url, {"period": period()})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and f"c-club-{period()}.pdf" in response["Content-Disposition"]


def test_an_owner_gives_notice_on_the_coalition_page():
    store, brand = two_shops()
    owner = client_of(brand)
    assert owner.post(reverse("coalitions:notice"), {"leaves_on": timezone.localdate().isoformat()}).status_code == 422
    later = (timezone.localdate() + timezone.timedelta(days=40)).isoformat()
    assert owner.post(reverse("coalitions:notice"), {"leaves_on": later}).status_code == 302
    assert CoalitionShop.objects.get(shop=brand).leaves_at is not None
    assert "data-notice" in owner.get(HOME).content.decode()
    assert client_of(brand, Role.MANAGER).post(reverse("coalitions:notice_withdraw")).status_code == 403


HOME_QUERIES = 9  # session, user, staff membership, the shop's coalition, the shops it left, the coalition's shops,
# the invitations sent, the coalition's time zone (the earliest leaving day), the shop switcher


def test_the_coalition_page_reads_a_fixed_number_of_queries_however_many_invitations():
    store, _brand = two_shops()
    client = client_of(store)
    counts = []
    for _n in range(2):
        invite_shop = ProgramFactory().shop
        coalition_invite(
            inviter=store, target=invite_shop.slug, cost_per_point=D("100"), reimbursement_per_point=D("90")
        )
        client.get(HOME)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(HOME).status_code == 200
        counts.append(len(captured))
    assert counts == [HOME_QUERIES, HOME_QUERIES], [q["sql"][:90] for q in captured]


def test_a_shop_that_left_still_reads_its_statements_up_to_the_month_it_left():
    from coalitions.services.leaving import coalition_leave

    _store, brand, _customer = statement_with_example_9()
    coalition_leave(term=CoalitionShop.objects.get(shop=brand), at=timezone.now())
    client = client_of(brand, Role.MANAGER)
    page = client.get(HOME).content.decode()
    url = reverse("coalitions:statement", kwargs={"coalition_code": "c-club"})
    assert "Form a coalition" not in page and url in page
    response = client.get(url)
    assert response.status_code == 200 and "₫54,000" in response.content.decode()


def test_the_invited_owner_sees_the_invitation_on_the_dashboard_until_it_is_answered():
    store, _brand = two_shops()
    florist = ProgramFactory(shop__slug="florist").shop
    invitation = coalition_invite(
        inviter=store, target="florist", cost_per_point=D("110"), reimbursement_per_point=D("95")
    )
    dashboard = reverse("portal:home")
    owner, manager = client_of(florist), client_of(florist, Role.MANAGER)
    page = owner.get(dashboard).content.decode()
    assert 'id="coalition-invitations"' in page and f"{store.name} invites your shop to join Club" in page
    assert HOME in page
    assert 'id="coalition-invitations"' not in manager.get(dashboard).content.decode(), "the owner answers"
    assert 'id="coalition-invitations"' not in client_of(store).get(dashboard).content.decode()
    owner.post(reverse("coalitions:decline", kwargs={"coalition_invitation_id": invitation.pk}))
    assert 'id="coalition-invitations"' not in owner.get(dashboard).content.decode()
